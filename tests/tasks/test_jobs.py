"""The daily job: overdue flag, reminders N working days before the deadline, idempotent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from cchc.tasks import service
from cchc.tasks.jobs import reminders_of, run_daily
from cchc.tasks.models import TaskReminder

from .factories import MONDAY, assign, make_task_world


def reminders(db):
    return [(r.task_id, r.kind, r.deadline, r.sent_on) for r in db.scalars(select(TaskReminder).order_by(TaskReminder.id))]


def test_daily_job_marks_overdue_and_reminds_once(db):
    w = make_task_world(db)
    soon = assign(db, w, deadline=date(2025, 3, 14))  # Friday
    later = assign(db, w, deadline=date(2025, 3, 24), title="Sau")
    done = assign(db, w, deadline=date(2025, 3, 12), title="Đã xong")
    service.accept(db, w.leader, done, at=MONDAY)
    service.report_done(db, w.leader, done, "Xong", at=MONDAY)
    service.confirm(db, w.assigner, done, at=MONDAY)

    # Monday 10/3: the horizon is 3 working days later, Thursday 13/3 — nothing due yet.
    r = run_daily(db, date(2025, 3, 10))
    assert (r.marked_overdue, r.reminders_due_soon, r.reminders_overdue, r.horizon) == (0, 0, 0, date(2025, 3, 13))
    # Tuesday 11/3: horizon Friday 14/3 → one reminder for `soon`, addressed to the lead unit.
    r = run_daily(db, date(2025, 3, 11))
    assert r.reminders_due_soon == 1
    (rem,) = db.scalars(select(TaskReminder))
    assert (rem.task_id, rem.unit_id, rem.kind) == (soon.id, w.dept.id, "sap_den_han")
    assert f"Nhiệm vụ {soon.code}" in rem.message and "đến hạn ngày 14/3/2025" in rem.message
    # the same day again, and the next day: nothing more
    assert run_daily(db, date(2025, 3, 11)).reminders_due_soon == 0
    assert run_daily(db, date(2025, 3, 12)).reminders_due_soon == 0
    # Monday 17/3: `soon` is overdue (flag + one overdue reminder); the done task is left alone.
    r = run_daily(db, date(2025, 3, 17))
    assert (r.marked_overdue, r.reminders_overdue) == (1, 1)
    db.refresh(soon), db.refresh(later), db.refresh(done)
    assert soon.overdue and not later.overdue and not done.overdue
    before = reminders(db)
    r = run_daily(db, date(2025, 3, 17))
    assert (r.marked_overdue, r.reminders_due_soon, r.reminders_overdue) == (0, 0, 0) and reminders(db) == before
    assert "Ngày 17/3/2025: đánh dấu quá hạn 0 nhiệm vụ" in r.summary()
    # an extension clears the flag and earns a new reminder for the new deadline
    service.extend(db, w.assigner, soon, date(2025, 3, 19), "Gia hạn", at=datetime(2025, 3, 17, 10))
    db.flush()
    soon.overdue = True  # as if the job had not run since
    db.flush()
    r = run_daily(db, date(2025, 3, 18))
    assert r.cleared_overdue == 1 and r.reminders_due_soon == 1  # `soon`'s new deadline; `later` (24/3) is past 21/3
    db.refresh(soon)
    assert not soon.overdue
    kinds = {(t, k, d) for t, k, d, _ in reminders(db)}
    assert (soon.id, "sap_den_han", date(2025, 3, 19)) in kinds and (soon.id, "sap_den_han", date(2025, 3, 14)) in kinds
    latest = reminders_of(db, {w.dept.id})
    assert [(x.task_id, x.kind, x.sent_on) for x in latest] == [
        (soon.id, "sap_den_han", date(2025, 3, 18)), (soon.id, "qua_han", date(2025, 3, 17)), (soon.id, "sap_den_han", date(2025, 3, 11))]
    assert reminders_of(db, {w.dept2.id}) == []
