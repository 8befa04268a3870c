"""The queue's health as the IT page and `cchc doctor` show it: what waits, what runs, what failed for good, and
the figures other packages registered (the outbox's lag, the messages sent …)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from cchc import config, vn
from cchc.jobs import dead_letters, queue, registry

# Beyond this a waiting job suggests no worker is running.
STALE_SECONDS = 15 * 60


@dataclass
class Block:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""


@dataclass
class Health:
    storage: str  # what the queue is kept in, for people
    reachable: bool
    error: str = ""
    waiting: int = 0
    scheduled: int = 0
    running: int = 0
    oldest_waiting_seconds: float | None = None
    dead_letters: int = 0
    blocks: list[Block] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return self.oldest_waiting_seconds is not None and self.oldest_waiting_seconds > STALE_SECONDS

    def summary(self) -> str:
        text = (f"{self.storage}: {vn.fmt_int(self.waiting)} việc chờ, {vn.fmt_int(self.scheduled)} việc hẹn giờ "
                f"(chạy lại, chạy sau), {vn.fmt_int(self.running)} đang chạy; {vn.fmt_int(self.dead_letters)} việc lỗi "
                "chờ xử lý")
        if self.oldest_waiting_seconds is not None:
            text += f"; việc chờ lâu nhất: {duration(self.oldest_waiting_seconds)}"
        return text + "."


def duration(seconds: float) -> str:
    """12 giây, 3 phút 20 giây, 2 giờ 5 phút, 3 ngày 4 giờ."""
    s = int(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days} ngày {hours} giờ"
    if hours:
        return f"{hours} giờ {minutes} phút"
    if minutes:
        return f"{minutes} phút {s} giây"
    return f"{s} giây"


def storage_label(settings: config.Settings | None = None) -> str:
    s = settings or config.settings
    if s.queue == "redis":
        return f"Redis {s.redis_url.split('@')[-1]} (tên {s.queue_name})"
    return f"SQLite {s.var_dir / 'queue.sqlite3'}"


def blocks(session: Session) -> list[Block]:
    """Every registered block of figures; one that fails says why instead of hiding the others."""
    out = []
    for figures in registry.FIGURES.values():
        try:
            with session.begin_nested():
                out.append(Block(figures.title, list(figures.read(session))))
        except Exception as exc:  # another package's figures: the page still shows the queue
            out.append(Block(figures.title, error=f"Không đọc được: {exc}"))
    return out


def snapshot(session: Session) -> Health:
    health = Health(storage=storage_label(), reachable=True)
    try:
        state = queue.health()
    except Exception as exc:  # Redis down, the queue file unreadable: said, not raised
        health.reachable = False
        health.error = (f"Không đọc được hàng đợi ({type(exc).__name__}: {exc}). Kiểm tra CCHC_QUEUE, CCHC_REDIS_URL "
                        "và máy chủ Redis.")
    else:
        health.waiting, health.scheduled, health.running = state["waiting"], state["scheduled"], state["running"]
        health.oldest_waiting_seconds = state["oldest_waiting_seconds"]
    health.dead_letters = dead_letters.pending_count(session)
    health.blocks = blocks(session)
    return health
