"""The editable part of the working-day calendar: overrides and office hours."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, DateTime, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from cchc import clock
from cchc.db import Base


class CalendarOverride(Base):
    """A day the administrator declares off (`off`) or working (`work`); wins over the `holidays` package.

    Removing an override keeps the row with `removed_at` set (the history of who changed the
    calendar stays, and a removed day of the seed file is not seeded again).
    """

    __tablename__ = "calendar_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # off | work
    name: Mapped[str] = mapped_column(String(255))
    legal_ref: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    removed_by: Mapped[str] = mapped_column(String(120), default="")
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def active(self) -> bool:
        return self.removed_at is None


class OfficeHours(Base):
    """Office sessions of a working day (default 7:30–11:30 and 13:30–17:00)."""

    __tablename__ = "office_hours"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
