"""The daily job of assigned tasks: keep the overdue flag and remind lead units before the deadline.

Run once a day (cron-able, idempotent — running it twice the same day changes nothing more):

    # /etc/cron.d/cchc — every day at 06:00 local time
    0 6 * * *  cchc  /opt/cchc/.venv/bin/cchc tasks daily

`run_daily(session, today)`:
1. sets `overdue` on every not-done task whose deadline in force is before `today`, and clears it on those
   whose deadline was extended past today (two set-based UPDATEs);
2. creates one «sắp đến hạn» reminder per task and deadline for not-done tasks whose deadline in force falls
   within the next N working days (N = reminder_working_days in data/tasks.yaml, default 3), and one
   «quá hạn» reminder per task and deadline when it has become overdue. The unique key (task, kind,
   deadline) makes sure no reminder is sent twice; an extension (new deadline) earns new reminders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.calendar.service import load_calendar
from cchc.tasks.enums import ReminderKind, TaskState
from cchc.tasks.models import Task, TaskReminder
from cchc.tasks.rules import reminder_working_days
from cchc.tasks.service import working_days_after

BATCH = 5000


@dataclass
class DailyResult:
    today: date
    marked_overdue: int
    cleared_overdue: int
    reminders_due_soon: int
    reminders_overdue: int
    horizon: date

    def summary(self) -> str:
        return (
            f"Ngày {vn.fmt_date(self.today)}: đánh dấu quá hạn {vn.fmt_int(self.marked_overdue)} nhiệm vụ, "
            f"bỏ đánh dấu {vn.fmt_int(self.cleared_overdue)} nhiệm vụ (đã gia hạn); "
            f"nhắc sắp đến hạn (đến {vn.fmt_date(self.horizon)}) {vn.fmt_int(self.reminders_due_soon)}, "
            f"nhắc quá hạn {vn.fmt_int(self.reminders_overdue)}."
        )


def _message(kind: ReminderKind, code: str, title: str, deadline: date, today: date) -> str:
    if kind == ReminderKind.DUE_SOON:
        left = "hôm nay" if deadline == today else f"ngày {vn.fmt_date(deadline)}"
        return f"Nhiệm vụ {code} «{title}» đến hạn {left}; đề nghị đơn vị chủ trì hoàn thành và báo cáo đúng hạn."
    return (f"Nhiệm vụ {code} «{title}» đã quá hạn từ ngày {vn.fmt_date(deadline)}; "
            "đề nghị đơn vị chủ trì khẩn trương hoàn thành, báo cáo.")


def _remind(session: Session, kind: ReminderKind, condition, today: date) -> int:
    """Insert the missing reminders of this kind, in batches of core INSERTs (no ORM object per row)."""
    deadline = func.coalesce(Task.extended_deadline, Task.deadline)
    sent = exists().where(TaskReminder.task_id == Task.id, TaskReminder.kind == kind.value, TaskReminder.deadline == deadline)
    stmt = (
        select(Task.id, Task.code, Task.title, Task.lead_unit_id, deadline.label("deadline"))
        .where(Task.state != TaskState.DONE.value, condition, ~sent)
        .order_by(Task.id)
    )
    now = clock.now()
    rows = [
        dict(task_id=r.id, unit_id=r.lead_unit_id, kind=kind.value, deadline=r.deadline, sent_on=today,
             message=_message(kind, r.code, r.title, r.deadline, today), created_at=now)
        for r in session.execute(stmt)
    ]
    for start in range(0, len(rows), BATCH):
        session.execute(insert(TaskReminder), rows[start:start + BATCH])
    return len(rows)


def run_daily(session: Session, today: date, *, days: int | None = None) -> DailyResult:
    """Mark overdue tasks and create the reminders of `today` (see module doc). Idempotent."""
    days = reminder_working_days() if days is None else days
    deadline = func.coalesce(Task.extended_deadline, Task.deadline)
    not_done = Task.state != TaskState.DONE.value
    marked = session.execute(
        update(Task).where(not_done, Task.overdue.is_(False), deadline < today).values(overdue=True).execution_options(synchronize_session=False)
    ).rowcount or 0
    cleared = session.execute(
        update(Task).where(not_done, Task.overdue.is_(True), deadline >= today).values(overdue=False).execution_options(synchronize_session=False)
    ).rowcount or 0
    session.expire_all()
    horizon = working_days_after(load_calendar(session), today, days)
    soon = _remind(session, ReminderKind.DUE_SOON, and_(deadline >= today, deadline <= horizon), today)
    late = _remind(session, ReminderKind.OVERDUE, deadline < today, today)
    session.flush()
    return DailyResult(today, int(marked), int(cleared), soon, late, horizon)


def reminders_of(session: Session, unit_ids, limit: int = 50) -> list[TaskReminder]:
    """The latest reminders addressed to these units — ids or a SELECT of ids; None: every unit (for the list page)."""
    stmt = select(TaskReminder).order_by(TaskReminder.sent_on.desc(), TaskReminder.id.desc()).limit(limit)
    if unit_ids is not None:
        stmt = stmt.where(TaskReminder.unit_id.in_(unit_ids))
    return list(session.scalars(stmt))
