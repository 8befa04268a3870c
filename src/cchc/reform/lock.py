"""What a report is made of cannot change once the report was sent up and accepted or awaits a decision.

The rule belongs to the lowest layer that needs it: the figures entered by hand and the narratives
(cchc.reform.service) check it before every write, and the workflow that sends reports up
(cchc.submissions.service, above cchc.reports) checks it before preparing or submitting again.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc.errors import InvalidTransition
from cchc.periods import period_for
from cchc.reform.models import Submission
from cchc.units.models import Unit

# The states of a Submission.
DRAFT, SUBMITTED, ACCEPTED, RETURNED = "draft", "submitted", "accepted", "returned"


def submission_of(session: Session, unit: Unit, start: date, end: date) -> Submission | None:
    """The unit's report for the window [start, end], if one was prepared."""
    return session.scalar(select(Submission).where(Submission.unit_id == unit.id, Submission.period_start == start,
                                                   Submission.period_end == end))


def refuse_if_frozen(sub: Submission | None, unit: Unit, period) -> None:
    """InvalidTransition (Vietnamese) when `sub` was accepted or is awaiting a decision."""
    if sub is None:
        return
    if sub.state == ACCEPTED:
        raise InvalidTransition(f"Báo cáo {period.label} của «{unit.name}» đã được duyệt, chỉ được xem, không được sửa hay gửi lại.")
    if sub.state == SUBMITTED:
        raise InvalidTransition(f"Báo cáo {period.label} của «{unit.name}» đã gửi và đang chờ cấp trên duyệt, không được sửa.")


def ensure_editable(session: Session, unit: Unit, start: date, end: date) -> None:
    """InvalidTransition (Vietnamese) when the unit's report for [start, end] was accepted or is awaiting a
    decision: for the services that change what the report is made of (figures, narratives)."""
    period = period_for(start, end)
    refuse_if_frozen(submission_of(session, unit, period.start, period.end), unit, period)
