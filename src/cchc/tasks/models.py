"""Assigned tasks (nhiệm vụ được giao): the assigning document, the task, co-ordinating units, events, reminders."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cchc import clock
from cchc.db import Base
from cchc.tasks.enums import TaskState


class AssigningDocument(Base):
    """The document that assigns tasks: số, ngày, cơ quan ban hành, trích yếu."""

    __tablename__ = "task_documents"
    __table_args__ = (UniqueConstraint("number", "issued_on", "issuer_level", name="uq_task_documents_number_date_level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(80))
    issued_on: Mapped[date] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(255))
    issuer_level: Mapped[str] = mapped_column(String(24))  # IssuerLevel
    subject: Mapped[str] = mapped_column(Text, default="")


class Task(Base):
    """One task for one lead unit. `deadline` is the original deadline; `extended_deadline` the one in force
    after the last extension. `source` is the grouping of the issuer level (chinh_phu | ubnd_tinh), kept on
    the row so statistics are one GROUP BY. `on_time` is set when the assigner confirms completion;
    `overdue` is kept by the daily job (the statistics derive overdue from the deadlines themselves)."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_lead_state", "lead_unit_id", "state"),
        Index("ix_tasks_assigned_at", "assigned_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("task_documents.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    content: Mapped[str] = mapped_column(Text, default="")
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    assigner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(16))  # Source
    deadline: Mapped[date] = mapped_column(Date)
    deadline_working_days: Mapped[int | None] = mapped_column(Integer)
    extended_deadline: Mapped[date | None] = mapped_column(Date)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(24), default=TaskState.WAITING_ACCEPTANCE.value)
    assigned_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_on: Mapped[date | None] = mapped_column(Date)  # the day the lead unit finished the work
    done_at: Mapped[datetime | None] = mapped_column(DateTime)  # the assigner's confirmation
    returned_at: Mapped[datetime | None] = mapped_column(DateTime)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    result_note: Mapped[str] = mapped_column(Text, default="")

    document: Mapped[AssigningDocument] = relationship()
    coordinators: Mapped[list[TaskUnit]] = relationship(back_populates="task", cascade="all, delete-orphan")
    events: Mapped[list[TaskEvent]] = relationship(back_populates="task", order_by="TaskEvent.id", cascade="all, delete-orphan")

    @property
    def effective_deadline(self) -> date:
        return self.extended_deadline or self.deadline

    def is_overdue_on(self, day: date) -> bool:
        """Not done and the deadline in force has passed (the deadline day itself is still within)."""
        if self.state == TaskState.DONE:
            return not bool(self.on_time)
        return self.effective_deadline < day


class TaskUnit(Base):
    """A co-ordinating unit (đơn vị phối hợp) of a task."""

    __tablename__ = "task_units"
    __table_args__ = (UniqueConstraint("task_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)

    task: Mapped[Task] = relationship(back_populates="coordinators")


class TaskEvent(Base):
    """Append-only history: who did what, when, from which state to which, with the note."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(255), default="")
    action: Mapped[str] = mapped_column(String(32))  # TaskAction
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")

    task: Mapped[Task] = relationship(back_populates="events")


class TaskReminder(Base):
    """A reminder sent to the lead unit; unique per task, kind and deadline so the job never sends twice."""

    __tablename__ = "task_reminders"
    __table_args__ = (UniqueConstraint("task_id", "kind", "deadline", name="uq_task_reminders_task_kind_deadline"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # ReminderKind
    deadline: Mapped[date] = mapped_column(Date)
    sent_on: Mapped[date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
