"""`cchc db …`: schema migrations."""

from __future__ import annotations

from pathlib import Path

import typer

from cchc import migrate
from cchc.db import get_engine

app = typer.Typer(no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Phiên bản lược đồ đích.")) -> None:
    """Đưa cơ sở dữ liệu lên lược đồ mới nhất."""
    from cchc.console import console

    engine = get_engine()
    where = engine.url.render_as_string(hide_password=True)
    before = migrate.current(engine)
    migrate.upgrade(engine, revision)
    after = migrate.current(engine)
    if before is None:
        console.print(f"Đã tạo lược đồ cơ sở dữ liệu mới ({where}), phiên bản {after}.")
    elif before == after:
        console.print(f"Cơ sở dữ liệu ({where}) đã ở phiên bản {after}: không cần nâng cấp.")
    else:
        console.print(f"Đã nâng cấp cơ sở dữ liệu ({where}) từ phiên bản {before} lên {after}.")


@app.command("backup")
def backup(out: Path = typer.Argument(..., help="Tệp sao lưu (chưa tồn tại).")) -> None:
    """Sao lưu cơ sở dữ liệu trong khi hệ thống vẫn phục vụ: SQLite qua backup API, PostgreSQL qua pg_dump (khôi phục bằng pg_restore)."""
    from cchc import backup as backups
    from cchc.console import console
    from cchc.vn import fmt_int

    written = backups.backup(get_engine(), out)
    console.print(f"Đã sao lưu vào {written} ({fmt_int(written.stat().st_size)} byte).")


@app.command("current")
def current() -> None:
    """In phiên bản lược đồ hiện tại."""
    from cchc.console import console

    console.print(migrate.current(get_engine()) or "(chưa có lược đồ)")


@app.command("revision")
def revision(message: str = typer.Option(..., "-m", help="Mô tả thay đổi.")) -> None:
    """(Nhà phát triển) Sinh migration mới từ khác biệt giữa model và cơ sở dữ liệu."""
    migrate.autogenerate(get_engine(), message)
