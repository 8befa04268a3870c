"""Reports sent up the hierarchy: the append-only events of a Submission, the reminders sent to units that
have not reported, and whether a unit runs on cchc.

The Submission itself (one per unit and reporting window) is in cchc.reform.models: its state freezes what
the report is made of, a rule of the layer below (cchc.reform.lock) that this workflow builds on."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cchc import clock
from cchc.db import Base


class UnitReporting(Base):
    """How a unit reports: `on_cchc` (figures computed from its data) or not (it uploads the Biểu mẫu XLSX).
    A unit without a row runs on cchc."""

    __tablename__ = "unit_reporting"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    on_cchc: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)


class SubmissionEvent(Base):
    """Append-only history of a submission."""

    __tablename__ = "submission_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # prepare | submit | accept | return
    from_state: Mapped[str] = mapped_column(String(16), default="")
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(120), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)


class Reminder(Base):
    """A reminder sent to a unit that has not reported for a window (at most one per unit, window and day)."""

    __tablename__ = "submission_reminders"
    __table_args__ = (UniqueConstraint("unit_id", "period_start", "period_end", "day", name="uq_submission_reminders_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    sent_by: Mapped[str] = mapped_column(String(120), default="")
    message: Mapped[str] = mapped_column(Text, default="")
