"""`cchc calendar …`: deadlines and the working-day calendar."""

from __future__ import annotations

from datetime import time

import typer

from cchc import vn
from cchc.db import session_scope
from cchc.errors import ValidationError

app = typer.Typer(no_args_is_help=True)


def _calendar():
    from cchc.calendar.service import load_calendar

    try:
        with session_scope() as session:
            return load_calendar(session)
    except Exception as exc:  # no database yet: the package calendar alone is still right
        from sqlalchemy.exc import OperationalError, ProgrammingError

        if isinstance(exc, (OperationalError, ProgrammingError)):
            from cchc.calendar.core import WorkCalendar

            return WorkCalendar()
        raise


@app.command("due")
def due(
    start: str = typer.Option(..., "--from", help="Thời điểm tiếp nhận, ví dụ 2025-04-25T09:00."),
    working_days: float | None = typer.Option(None, "--working-days", help="Thời hạn theo ngày làm việc."),
    working_hours: float | None = typer.Option(None, "--working-hours", help="Thời hạn theo giờ làm việc."),
    days: float | None = typer.Option(None, "--days", help="Thời hạn theo ngày (lịch)."),
    cutoff: str | None = typer.Option(None, "--cutoff", help="Giờ chốt nhận trong ngày, ví dụ 15:00."),
) -> None:
    """Tính ngày hẹn trả kết quả."""
    from cchc.cli import console

    given = [(v, u) for v, u in ((working_days, "ngay_lam_viec"), (working_hours, "gio_lam_viec"), (days, "ngay")) if v is not None]
    if len(given) != 1:
        raise ValidationError("Cần đúng một trong các tùy chọn --working-days, --working-hours hoặc --days.")
    amount, unit = given[0]
    moment = vn.parse_datetime(start, what="thời điểm tiếp nhận (--from)")
    cut = _parse_time(cutoff) if cutoff else None
    result = _calendar().due(moment, amount, unit, cut)
    console.print(f"Hạn trả kết quả: {vn.fmt_datetime(result)}")


def _parse_time(text: str) -> time:
    try:
        hh, _, mm = text.partition(":")
        return time(int(hh), int(mm or 0))
    except ValueError:
        raise ValidationError(f"Giờ chốt không hợp lệ: «{text}» (dùng dạng 15:00).") from None
