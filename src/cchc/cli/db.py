"""`cchc db …`: schema migrations."""

from __future__ import annotations

import typer

from cchc import migrate
from cchc.db import get_engine

app = typer.Typer(no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Phiên bản lược đồ đích.")) -> None:
    """Đưa cơ sở dữ liệu lên lược đồ mới nhất."""
    from cchc.cli import console

    engine = get_engine()
    migrate.upgrade(engine, revision)
    console.print(f"Cơ sở dữ liệu ({engine.url.render_as_string(hide_password=True)}) đã ở phiên bản {migrate.current(engine)}.")


@app.command("current")
def current() -> None:
    """In phiên bản lược đồ hiện tại."""
    from cchc.cli import console

    console.print(migrate.current(get_engine()) or "(chưa có lược đồ)")


@app.command("revision")
def revision(message: str = typer.Option(..., "-m", help="Mô tả thay đổi.")) -> None:
    """(Nhà phát triển) Sinh migration mới từ khác biệt giữa model và cơ sở dữ liệu."""
    migrate.autogenerate(get_engine(), message)
