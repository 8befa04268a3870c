"""`cchc calendar …`: the year's days off, overrides and office hours (`cchc calendar due`, which may read a
procedure's time limit, is cchc.cli.due: above both calendar and procedures).

The command line is the operator's tool: its edits act as the system administrator, and the
service still checks that role.
"""

from __future__ import annotations

import typer
from rich.table import Table

from cchc import vn
from cchc.db import session_scope
from cchc.errors import ValidationError

app = typer.Typer(no_args_is_help=True)
override_app = typer.Typer(no_args_is_help=True)
app.add_typer(override_app, name="override", help="Ngày điều chỉnh: thêm ngày nghỉ hoặc ngày làm việc bù.")


def _operator():
    """The CLI's actor: the system administrator (not stored; the service checks its role)."""
    from cchc.auth.enums import Role
    from cchc.auth.models import User

    return User(username="cli", full_name="Quản trị hệ thống (dòng lệnh)", role=Role.SYSTEM_ADMIN)


@app.command("year")
def year(year: int = typer.Argument(..., help="Năm, ví dụ 2026.")) -> None:
    """Các ngày nghỉ rơi vào ngày thường và các ngày làm việc bù của một năm."""
    from cchc.calendar.service import seed_overrides, year_calendar
    from cchc.console import console

    if not 1995 <= year <= 2100:
        raise ValidationError(f"Năm {year} nằm ngoài khoảng 1995–2100.")
    with session_scope() as session:
        seed_overrides(session)
        days = year_calendar(session, year)
    table = Table(title=f"Lịch nghỉ, làm bù năm {year} (cơ quan hành chính)")
    table.add_column("Ngày")
    table.add_column("Thứ")
    table.add_column("Nghỉ/làm bù")
    table.add_column("Lý do")
    for d in days:
        table.add_row(vn.fmt_date(d.day), d.weekday, d.kind_label, d.reason)
    console.print(table)
    off = sum(not d.working for d in days)
    console.print(f"{vn.fmt_int(off)} ngày nghỉ vào ngày thường, {vn.fmt_int(len(days) - off)} ngày làm việc bù.")


@override_app.command("add")
def override_add(
    day: str = typer.Option(..., "--day", help="Ngày, ví dụ 2026-12-31."),
    kind: str = typer.Option(..., "--kind", help="off = ngày nghỉ, work = ngày làm việc."),
    name: str = typer.Option(..., "--name", help="Tên hoặc lý do."),
    legal_ref: str = typer.Option(..., "--legal-ref", help="Căn cứ: số, ngày văn bản."),
) -> None:
    """Thêm một ngày nghỉ hoặc một ngày làm việc bù."""
    from cchc.calendar.service import KINDS, add_override, seed_overrides
    from cchc.console import console

    the_day = vn.parse_date(day, what="ngày (--day)")
    with session_scope() as session:
        seed_overrides(session)
        row = add_override(session, _operator(), the_day, kind, name, legal_ref)
        console.print(f"Đã thêm: {vn.fmt_date(row.day)} — {KINDS[row.kind].lower()} — {row.name} ({row.legal_ref}).")


@override_app.command("list")
def override_list(year: int | None = typer.Option(None, "--year", help="Chỉ liệt kê một năm.")) -> None:
    """Liệt kê các ngày điều chỉnh đang có hiệu lực."""
    from cchc.calendar.service import KINDS, list_overrides, seed_overrides, weekday_name
    from cchc.console import console

    with session_scope() as session:
        seed_overrides(session)
        rows = list_overrides(session, year)
        table = Table(title="Ngày điều chỉnh lịch làm việc" + (f" năm {year}" if year else ""))
        for col in ("Ngày", "Thứ", "Loại", "Tên, lý do", "Căn cứ", "Người nhập"):
            table.add_column(col)
        for r in rows:
            table.add_row(vn.fmt_date(r.day), weekday_name(r.day), KINDS[r.kind], r.name, r.legal_ref, r.created_by)
    if rows:
        console.print(table)
    console.print(f"Có {vn.fmt_int(len(rows))} ngày điều chỉnh.")


@override_app.command("remove")
def override_remove(day: str = typer.Option(..., "--day", help="Ngày cần bỏ điều chỉnh.")) -> None:
    """Bỏ điều chỉnh của một ngày (ngày đó trở lại theo lịch chuẩn)."""
    from cchc.calendar.service import package_calendar, remove_override
    from cchc.console import console

    the_day = vn.parse_date(day, what="ngày (--day)")
    with session_scope() as session:
        remove_override(session, _operator(), the_day)
    working, reason = package_calendar().day_info(the_day)
    state = "ngày làm việc" if working else "ngày nghỉ" + (f" ({reason})" if reason else "")
    console.print(f"Đã bỏ điều chỉnh ngày {vn.fmt_date(the_day)}; theo lịch chuẩn đây là {state}.")


@app.command("hours")
def hours(
    set_: str | None = typer.Option(None, "--set", help='Các buổi làm việc, ví dụ "07:30-11:30,13:30-17:00".'),
) -> None:
    """Xem hoặc đặt giờ làm việc trong ngày."""
    from cchc.calendar.service import format_sessions, office_hours, parse_sessions, set_office_hours
    from cchc.console import console

    with session_scope() as session:
        if set_ is not None:
            sessions = set_office_hours(session, _operator(), parse_sessions(set_))
            console.print(f"Đã đặt giờ làm việc: {format_sessions(sessions)}.")
        else:
            console.print(f"Giờ làm việc: {format_sessions(office_hours(session))}.")
