"""The calendar as stored: overrides and office hours from the database, built into a WorkCalendar."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc.calendar.core import DEFAULT_SESSIONS, WorkCalendar
from cchc.calendar.models import CalendarOverride, OfficeHours


def load_calendar(session: Session) -> WorkCalendar:
    """The working calendar with the administrator's overrides and office hours."""
    overrides = {o.day: (o.kind, o.name) for o in session.scalars(select(CalendarOverride))}
    rows = session.scalars(select(OfficeHours).order_by(OfficeHours.start)).all()
    sessions = tuple((r.start, r.end) for r in rows) or DEFAULT_SESSIONS
    return WorkCalendar(overrides=overrides, sessions=sessions)
