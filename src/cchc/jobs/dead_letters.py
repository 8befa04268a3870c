"""Dead letters: recorded when a job fails its last retry; an administrator replays or discards each one.
Replaying and discarding change the row through the ORM, so the audit log records who did it and when."""

from __future__ import annotations

import traceback
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cchc import clock
from cchc.errors import NotFound, ValidationError
from cchc.jobs.models import DISCARDED, PENDING, REPLAYED, DeadLetter

ERROR_CHARS = 4000


def describe(exc: BaseException) -> str:
    """The error as kept with the letter: its type, message and the last lines of where it happened."""
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    text = "".join(lines).strip()
    return text[-ERROR_CHARS:]


def record(job: str, arguments: dict[str, Any], exc: BaseException, attempts: int) -> None:
    """Write the letter in a session of its own (the job's own was rolled back)."""
    from cchc import db

    with db.session_scope() as session:
        session.add(DeadLetter(job=job, arguments=arguments, error=describe(exc), attempts=attempts,
                               failed_at=clock.now(), state=PENDING))


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DeadLetter).where(DeadLetter.state == PENDING)) or 0


def listing(session: Session, *, state: str = PENDING, limit: int = 100) -> list[DeadLetter]:
    return list(session.scalars(select(DeadLetter).where(DeadLetter.state == state)
                                .order_by(DeadLetter.failed_at.desc(), DeadLetter.id.desc()).limit(limit)))


def handled(session: Session, *, limit: int = 20) -> list[DeadLetter]:
    """The letters replayed or discarded most recently."""
    return list(session.scalars(select(DeadLetter).where(DeadLetter.state != PENDING)
                                .order_by(DeadLetter.handled_at.desc(), DeadLetter.id.desc()).limit(limit)))


def _pending(session: Session, letter_id: int) -> DeadLetter:
    letter = session.get(DeadLetter, letter_id, with_for_update=True)
    if letter is None:
        raise NotFound(f"Không có việc lỗi số {letter_id}.")
    if letter.state != PENDING:
        raise ValidationError(f"Việc lỗi số {letter_id} đã được xử lý ({letter.handled_by}); không làm lại.")
    return letter


def replay(session: Session, letter_id: int, by: str) -> DeadLetter:
    """Put the job back into the queue with its arguments once this session commits."""
    from cchc.jobs.registry import enqueue_after_commit

    letter = _pending(session, letter_id)
    enqueue_after_commit(session, letter.job, **(letter.arguments or {}))
    letter.state, letter.handled_at, letter.handled_by = REPLAYED, clock.now(), by
    session.flush()
    return letter


def discard(session: Session, letter_id: int, by: str) -> DeadLetter:
    letter = _pending(session, letter_id)
    letter.state, letter.handled_at, letter.handled_by = DISCARDED, clock.now(), by
    session.flush()
    return letter
