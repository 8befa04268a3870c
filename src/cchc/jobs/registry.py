"""The jobs cchc knows by name, their retry rules and schedules, and the figures other packages show on the IT
page. Registering needs no queue: the Huey instance (`cchc.jobs.queue`) is built when first used and takes every
job registered before or after."""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from cchc.errors import ValidationError

log = logging.getLogger("cchc.jobs")

CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")


@dataclass(frozen=True)
class Cron:
    """Crontab fields (Huey's syntax: *, */n, m-n, m,n; day_of_week 0 = Sunday), read in Việt Nam time."""

    minute: str = "0"
    hour: str = "*"
    day: str = "*"
    month: str = "*"
    day_of_week: str = "*"

    def text(self) -> str:
        return " ".join(str(getattr(self, f)) for f in CRON_FIELDS)


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., Any]  # func(session, **kwargs)
    retries: int
    backoff: float  # seconds before the first retry; doubled each time
    max_delay: float  # the back-off never waits longer than this
    cron: Cron | None = None
    title: str = ""  # what the IT page calls it
    # a periodic job runs once at a time across every worker (an outbox sent in order, a check not doubled);
    # a run that finds it running elsewhere skips its turn. The hold lapses after lock_seconds (a killed worker).
    exclusive: bool = False
    lock_seconds: int = 3600

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1, 2, …)."""
        return min(self.backoff * 2 ** (attempt - 1), self.max_delay)


@dataclass(frozen=True)
class Figures:
    key: str
    title: str
    read: Callable[[Session], list[tuple[str, str]]]


JOBS: dict[str, JobSpec] = {}
FIGURES: dict[str, Figures] = {}
LOAD_ERRORS: dict[str, str] = {}  # module → why it could not be imported
_listeners: list[Callable[[JobSpec], None]] = []


def _add(spec: JobSpec) -> JobSpec:
    known = JOBS.get(spec.name)
    if known is not None and known.func is not spec.func:
        raise ValueError(f"job {spec.name!r} registered twice")
    JOBS[spec.name] = spec
    if known is None:
        for listener in _listeners:
            listener(spec)
    return spec


def on_register(listener: Callable[[JobSpec], None]) -> None:
    """The queue hears of every job, those registered so far first."""
    _listeners.append(listener)
    for spec in list(JOBS.values()):
        listener(spec)


def job(name: str, func: Callable[..., Any] | None = None, *, retries: int = 5, backoff: float = 30,
        max_delay: float = 3600, title: str = ""):
    """Register `func(session, **kwargs)` as the job `name`; as a decorator when `func` is omitted. Returns the
    function unchanged (calling it runs it here, not in the queue)."""

    def register(f: Callable[..., Any]) -> Callable[..., Any]:
        _add(JobSpec(name, f, retries, backoff, max_delay, None, title or name))
        return f

    return register(func) if func is not None else register


def periodic(name: str, func: Callable[[Session], Any], *, minute: str = "0", hour: str = "*", day: str = "*",
             month: str = "*", day_of_week: str = "*", retries: int = 2, backoff: float = 60, max_delay: float = 900,
             title: str = "", exclusive: bool = True, lock_seconds: int = 3600) -> Callable[[Session], Any]:
    """Run `func(session)` at every minute the crontab fields match, in Việt Nam time; with `exclusive` (the
    default) never two runs at once, on any worker."""
    cron = Cron(str(minute), str(hour), str(day), str(month), str(day_of_week))
    from cchc.jobs.schedule_time import matcher

    matcher(cron)  # a malformed field is refused here, not at the first tick
    _add(JobSpec(name, func, retries, backoff, max_delay, cron, title or name, exclusive, lock_seconds))
    return func


def register_figures(key: str, title: str, read: Callable[[Session], list[tuple[str, str]]]) -> None:
    """A block of figures on the IT page and in `cchc doctor` (the outbox's lag, the messages sent …):
    `read(session)` returns (label, value as Vietnamese text) pairs, computed in SQL."""
    FIGURES[key] = Figures(key, title, read)


def spec(name: str) -> JobSpec:
    found = JOBS.get(name)
    if found is None:
        raise ValidationError(f"Không có việc nào tên «{name}» trong hàng đợi.")
    return found


def arguments(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The job's keyword arguments as JSON keeps them (refused in Vietnamese if they are not JSON values)."""
    try:
        return json.loads(json.dumps(kwargs, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"Tham số của việc «{name}» phải là giá trị JSON (số, chuỗi, danh sách…): {exc}.") from exc


def enqueue(name: str, /, **kwargs: Any) -> str:
    """Put the job `name` into the queue now; returns its id."""
    from cchc.jobs import queue

    return queue.enqueue(spec(name), arguments(name, kwargs))


def enqueue_after_commit(session: Session, name: str, /, **kwargs: Any) -> None:
    """Put the job into the queue once `session` commits; nothing if it rolls back."""
    spec(name)
    kept = arguments(name, kwargs)
    session.connection()  # inside a transaction, so that its rollback is seen and drops the job
    pending = session.info.setdefault("cchc.jobs.after_commit", [])
    pending.append((name, kept))
    if len(pending) == 1:
        event.listen(session, "after_commit", _send_after_commit, once=True)
        event.listen(session, "after_soft_rollback", _forget_after_rollback, once=True)


def _send_after_commit(session: Session) -> None:
    """The action is committed whatever happens here: a queue that does not answer (Redis down) is logged, and the
    job's own periodic sweep (deliver_pending, send_pending) finds the work later."""
    for name, kwargs in session.info.pop("cchc.jobs.after_commit", []):
        try:
            enqueue(name, **kwargs)
        except Exception:
            log.exception("không đưa được việc %s vào hàng đợi sau khi ghi", name)


def _forget_after_rollback(session: Session, _previous) -> None:
    if not session.in_transaction():
        session.info.pop("cchc.jobs.after_commit", None)
        if event.contains(session, "after_commit", _send_after_commit):
            event.remove(session, "after_commit", _send_after_commit)


def load_background_modules(*, strict: bool = True) -> list[str]:
    """Import every `cchc.<package>.background` (where packages declare their jobs and figures), and the
    jobs of cchc itself; the names imported. A module that fails to import stops the worker (`strict`: it must not
    run without some of its jobs); the IT page and `cchc doctor` say which one failed and why (LOAD_ERRORS)."""
    import cchc
    from cchc.jobs import schedule  # noqa: F401 — the dossiers', tasks', reports' and statistics' jobs

    loaded = []
    for info in pkgutil.iter_modules(cchc.__path__):
        if not info.ispkg:
            continue
        name = f"cchc.{info.name}.background"
        try:
            if importlib.util.find_spec(name) is None:
                continue
            importlib.import_module(name)
        except Exception as exc:  # another package's module: named, with its error
            LOAD_ERRORS[name] = f"{type(exc).__name__}: {exc}"
            if strict:
                raise ValidationError(f"Không nạp được {name}: {type(exc).__name__}: {exc}.") from exc
            continue
        LOAD_ERRORS.pop(name, None)
        loaded.append(name)
    return loaded
