"""`cchc calendar due`: a deadline from the working calendar, for a time limit given or read from a procedure.

Here, above the domains, because it reads both the calendar and the procedure catalogue (which sits above
the calendar); cchc.cli registers it as the first command of `cchc calendar`.
"""

from __future__ import annotations

from datetime import time

import typer

from cchc import vn
from cchc.db import session_scope
from cchc.errors import NotFound, ValidationError


def _calendar():
    from cchc.calendar.service import load_calendar

    try:
        with session_scope() as session:
            return load_calendar(session)
    except Exception as exc:  # no database yet: the package calendar and the seed file are still right
        from sqlalchemy.exc import OperationalError, ProgrammingError

        if isinstance(exc, (OperationalError, ProgrammingError)):
            from cchc.calendar.core import WorkCalendar
            from cchc.calendar.service import seed_file_overrides

            return WorkCalendar(overrides={s.day: (s.kind, s.name) for s in seed_file_overrides()})
        raise


def due(
    start: str = typer.Option(..., "--from", help="Thời điểm tiếp nhận, ví dụ 2025-04-25T09:00."),
    working_days: float | None = typer.Option(None, "--working-days", help="Thời hạn theo ngày làm việc."),
    working_hours: float | None = typer.Option(None, "--working-hours", help="Thời hạn theo giờ làm việc."),
    days: float | None = typer.Option(None, "--days", help="Thời hạn theo ngày (lịch)."),
    cutoff: str | None = typer.Option(None, "--cutoff", help="Giờ chốt nhận trong ngày, ví dụ 15:00."),
    procedure: str | None = typer.Option(None, "--procedure", help="Mã TTHC: lấy thời hạn và giờ chốt của thủ tục."),
) -> None:
    """Tính ngày hẹn trả kết quả."""
    from cchc.console import console

    given = [(v, u) for v, u in ((working_days, "ngay_lam_viec"), (working_hours, "gio_lam_viec"), (days, "ngay")) if v is not None]
    cut = _parse_time(cutoff) if cutoff else None
    if procedure:
        proc = _procedure(procedure)
        if not given:
            given = [(proc.time_amount, proc.time_unit)]
        if cut is None:
            cut = proc.cutoff_time
    if len(given) != 1:
        raise ValidationError("Cần đúng một trong các tùy chọn --working-days, --working-hours hoặc --days (hoặc --procedure).")
    amount, unit = given[0]
    moment = vn.parse_datetime(start, what="thời điểm tiếp nhận (--from)")
    result = _calendar().due(moment, amount, unit, cut)
    console.print(f"Hạn trả kết quả: {vn.fmt_datetime(result)}")


def _procedure(code: str):
    from sqlalchemy import select

    from cchc.procedures.models import Procedure

    with session_scope() as session:
        proc = session.scalar(select(Procedure).where(Procedure.code == code.strip()))
        if proc is None:
            raise NotFound(f"Không có thủ tục hành chính mã «{code}».")
        session.expunge(proc)
        return proc


def _parse_time(text: str) -> time:
    try:
        hh, _, mm = text.partition(":")
        return time(int(hh), int(mm or 0))
    except ValueError:
        raise ValidationError(f"Giờ chốt không hợp lệ: «{text}» (dùng dạng 15:00).") from None
