"""`cchc users …`: accounts from the command line (the first administrator)."""

from __future__ import annotations

import typer
from sqlalchemy import select

from cchc.db import session_scope

app = typer.Typer(no_args_is_help=True)


@app.command("create")
def create(
    username: str = typer.Option(..., "--username", help="Tên đăng nhập."),
    full_name: str = typer.Option(..., "--name", help="Họ và tên."),
    role: str = typer.Option("quan_tri_he_thong", "--role", help="Vai trò (mặc định: quản trị hệ thống)."),
    unit: str | None = typer.Option(None, "--unit", help="Mã đơn vị (bắt buộc với cán bộ)."),
    password: str = typer.Option(..., "--password", prompt="Mật khẩu", hide_input=True, confirmation_prompt=True),
    email: str = typer.Option("", "--email"),
) -> None:
    """Tạo tài khoản (ví dụ quản trị hệ thống đầu tiên)."""
    from cchc.auth.enums import Role
    from cchc.auth.service import create_user
    from cchc.console import console
    from cchc.units.models import Unit
    from cchc.errors import NotFound

    with session_scope() as session:
        unit_id = None
        if unit:
            found = session.scalars(select(Unit).where(Unit.code == unit).order_by(Unit.valid_to.is_(None).desc())).first()
            if found is None:
                raise NotFound(f"Không có đơn vị mã «{unit}».")
            unit_id = found.id
        user = create_user(
            session, None, username=username, full_name=full_name, password=password, role=role, unit_id=unit_id, email=email
        )
        console.print(f"Đã tạo tài khoản «{user.username}» ({Role(user.role).label}).")


@app.command("list")
def list_users() -> None:
    """Liệt kê tài khoản."""
    from rich.table import Table

    from cchc.auth.enums import Role
    from cchc.auth.models import User
    from cchc.console import console

    with session_scope() as session:
        table = Table("Tên đăng nhập", "Họ và tên", "Vai trò", "Đơn vị", "Trạng thái")
        for u in session.scalars(select(User).order_by(User.username)):
            table.add_row(u.username, u.full_name, Role(u.role).label, u.unit.name if u.unit else "", "Hoạt động" if u.active else "Đã khóa")
        console.print(table)
