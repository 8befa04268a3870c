"""`cchc doctor`: is this deployment ready to serve? Each check says in Vietnamese what is wrong and how to fix it.

A check never changes anything: it reads the settings, the database and the machine (the files folder
is written to with a temporary file that is removed at once).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

from cchc import config

OK, WARNING, ERROR = "đạt", "cảnh báo", "lỗi"


@dataclass(frozen=True)
class Finding:
    name: str
    status: str  # OK, WARNING or ERROR
    message: str


def _database(engine: Engine) -> tuple[str, str]:
    where = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error: the message names the cause
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (ERROR, f"Không kết nối được tới {where}: {reason}. Kiểm tra CCHC_DATABASE_URL và máy chủ.")
    note = " (SQLite: hợp với dùng thử và đơn vị nhỏ; triển khai thật dùng PostgreSQL)" if engine.dialect.name == "sqlite" else ""
    return (OK, f"Kết nối được tới {where}{note}.")


def _schema(engine: Engine) -> tuple[str, str]:
    from cchc import migrate

    current, head = migrate.current(engine), migrate.head()
    if current is None:
        return (ERROR, f"Cơ sở dữ liệu chưa có lược đồ. Chạy `cchc db upgrade` (phiên bản mới nhất: {head}).")
    if current != head:
        return (ERROR, f"Lược đồ đang ở phiên bản {current}, mới nhất là {head}. Chạy `cchc db upgrade`.")
    return (OK, f"Ở phiên bản mới nhất ({head}).")


def _secret(_engine: Engine) -> tuple[str, str]:
    key = config.settings.secret_key
    path = config.secret_path(config.settings.var_dir)
    from_env = bool(os.environ.get("CCHC_SECRET_KEY"))
    if not key:
        return (ERROR, f"Chưa có khóa bí mật: đặt CCHC_SECRET_KEY hoặc chạy `cchc secret init` (tạo {path}). "
                       "Không có khóa thì cchc không phục vụ.")
    if len(key) < 32:
        return (ERROR, f"Khóa bí mật chỉ dài {len(key)} ký tự; cần ít nhất 32 ký tự ngẫu nhiên.")
    if not from_env and path.stat().st_mode & 0o077:
        return (ERROR, f"Tệp khóa {path} để người khác đọc được: chạy `chmod 600 {path}`.")
    source = "CCHC_SECRET_KEY" if from_env else f"tệp {path}"
    return (OK, f"Có khóa bí mật từ {source} ({len(key)} ký tự).")


def _libreoffice(_engine: Engine) -> tuple[str, str]:
    from cchc.pdf import PdfUnavailable, soffice

    try:
        return (OK, f"Có tại {soffice()}.")
    except PdfUnavailable as exc:
        return (ERROR, exc.message)


def _fonts(_engine: Engine) -> tuple[str, str]:
    from cchc.reports.charts import FontMissing, find_font

    try:
        return (OK, f"Biểu đồ dùng {find_font()}.")
    except FontMissing as exc:
        return (ERROR, exc.message)


def _files_dir(_engine: Engine) -> tuple[str, str]:
    folder = config.settings.files_dir
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if existing != folder:  # created on the first upload: the nearest existing folder must let us
        if os.access(existing, os.W_OK | os.X_OK):
            return (OK, f"{folder} chưa có; sẽ được tạo khi tải tệp đầu tiên (ghi được vào {existing}).")
        return (ERROR, f"{folder} chưa có và không tạo được trong {existing}. Kiểm tra CCHC_FILES_DIR và quyền của người chạy cchc.")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".cchc-doctor-"):
            pass
    except OSError as exc:
        return (ERROR, f"Không ghi được vào {folder}: {exc.strerror or exc}. Kiểm tra CCHC_FILES_DIR và quyền của người chạy cchc.")
    return (OK, f"Ghi được vào {folder}.")


def _front_end(_engine: Engine) -> tuple[str, str]:
    vendor = config.settings.vendor_dir
    needed = {"htmx": vendor / "htmx.org" / "dist" / "htmx.min.js",
              "Swagger UI (/api/docs)": vendor / "swagger-ui-dist" / "swagger-ui-bundle.js"}
    missing = [f"{name} ({path})" for name, path in needed.items() if not path.is_file()]
    if missing:
        return (ERROR, f"Thiếu {', '.join(missing)}. Chạy `make install` (cài từ npm) hoặc đặt CCHC_VENDOR_DIR.")
    return (OK, f"Có htmx và Swagger UI tại {vendor}.")


def _day_counts(engine: Engine) -> tuple[str, str]:
    from cchc.stats import daily

    try:
        with engine.connect() as conn:
            if not daily.installed(conn):
                return (ERROR, "Thiếu trigger cập nhật bảng đếm. Chạy `cchc db upgrade`, rồi `cchc rebuild-counts`.")
            differing = daily.differences(conn)
    except Exception as exc:  # no schema yet: reported by the schema check
        return (ERROR, f"Không đọc được bảng đếm ({type(exc).__name__}); kiểm tra lược đồ trước.")
    if differing:
        from cchc.vn import fmt_int

        return (ERROR, f"{fmt_int(differing)} dòng khác với số đếm lại từ hồ sơ. Chạy `cchc rebuild-counts`.")
    return (OK, "Khớp với số đếm lại từ toàn bộ hồ sơ.")


def _queue(engine: Engine) -> tuple[str, str]:
    """The job queue (cchc.jobs): reachable, not stuck, no dead letter left; and the figures other packages
    registered for it (the outbox's lag, the messages sent). An embedded queue not created yet is not made here."""
    from sqlalchemy.orm import Session

    from cchc.jobs import health, registry
    from cchc.vn import fmt_int

    registry.load_background_modules(strict=False)
    if registry.LOAD_ERRORS:
        return (ERROR, "Không nạp được các việc của " + "; ".join(f"{m} ({why})" for m, why in registry.LOAD_ERRORS.items())
                + ": `cchc worker` không chạy được.")
    s = config.settings
    if s.queue == "sqlite" and not (s.var_dir / "queue.sqlite3").exists():
        return (OK, f"Hàng đợi SQLite chưa được tạo ({s.var_dir / 'queue.sqlite3'}): `cchc worker` hoặc lần đưa việc "
                    "đầu tiên sẽ tạo.")
    try:
        with Session(engine) as session:
            found = health.snapshot(session)
    except Exception as exc:  # no schema yet: reported by the schema check
        return (ERROR, f"Không đọc được việc lỗi của hàng đợi ({type(exc).__name__}); kiểm tra lược đồ trước.")
    if not found.reachable:
        return (ERROR, found.error)
    extra = "".join(f" {b.title}: " + (b.error or "; ".join(f"{label} {value}" for label, value in b.rows)) + "."
                    for b in found.blocks)
    if found.stale:
        return (WARNING, f"Có việc đã chờ {health.duration(found.oldest_waiting_seconds)}: chạy `cchc worker` "
                         f"(hoặc thêm tiến trình). {found.summary()}{extra}")
    if found.dead_letters:
        return (WARNING, f"{fmt_int(found.dead_letters)} việc lỗi chờ xử lý: xem, chạy lại hoặc bỏ tại /quan-tri/hang-doi. "
                         f"{found.summary()}{extra}")
    return (OK, found.summary() + extra)


# (name, check, needs the database)
CHECKS: tuple[tuple[str, Callable[[Engine], tuple[str, str]], bool], ...] = (
    ("Cơ sở dữ liệu", _database, False),
    ("Lược đồ", _schema, True),
    ("Khóa bí mật", _secret, False),
    ("LibreOffice (xuất PDF)", _libreoffice, False),
    ("Phông chữ tiếng Việt", _fonts, False),
    ("Thư mục tệp hồ sơ", _files_dir, False),
    ("Gói front-end (htmx, Swagger UI)", _front_end, False),
    ("Bảng đếm hồ sơ theo ngày", _day_counts, True),
    ("Hàng đợi việc", _queue, True),
)


def examine(engine: Engine, *, counts: bool = True) -> list[Finding]:
    """Every check, in order; those that need the database are skipped when it does not answer, and the
    day counts (one pass over every dossier) when `counts` is false."""
    findings: list[Finding] = []
    for name, check, needs_database in CHECKS:
        if check is _day_counts and not counts:
            continue
        if needs_database and findings[0].status == ERROR:
            findings.append(Finding(name, ERROR, "Bỏ qua: không kết nối được cơ sở dữ liệu."))
            continue
        findings.append(Finding(name, *check(engine)))
    return findings
