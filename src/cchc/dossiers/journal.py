"""The history of a dossier in the database: one event per action (never updated, never deleted),
actions in the order of their moments, and the flush that writes an action.

Used by every action that changes a dossier through a session (cchc.dossiers.service and the file
action of cchc.dossiers.files); the bulk path keeps its events in its drafts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cchc.auth.models import User
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.dossiers.transitions import Change, require_after
from cchc.errors import InvalidTransition

_LAST_AT = "_cchc_last_event_at"

# Called with every event logged, in the action's session (its transaction): a domain above dossiers adds
# its own rows this way without dossiers importing it (cchc.sync writes its outbox row).
Listener = Callable[[Session, Dossier, DossierEvent, Change], None]
_listeners: list[Listener] = []


def on_log(listener: Listener) -> None:
    """Register `listener` (once) to be called after each event is appended."""
    if listener not in _listeners:
        _listeners.append(listener)


def log(session: Session, actor: User | None, dossier: Dossier, change: Change, at: datetime) -> DossierEvent:
    """Append the event of one action."""
    event = DossierEvent(
        dossier=dossier,
        at=at,
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.full_name if actor is not None else "Hệ thống",
        action=change.action,
        from_state=change.from_state,
        to_state=change.to_state,
        note=change.note or "",
        data=change.data or {},
    )
    session.add(event)
    dossier.__dict__[_LAST_AT] = at  # remembered on the instance: check_moment needs no query next time
    for listener in _listeners:
        listener(session, dossier, event, change)
    return event


def check_moment(session: Session, dossier: Dossier, at: datetime) -> None:
    """An action may not be dated before the dossier's previous action."""
    if dossier.id is None:
        return
    last = dossier.__dict__.get(_LAST_AT)
    if last is None:
        last = session.scalar(select(func.max(DossierEvent.at)).where(DossierEvent.dossier_id == dossier.id))
    require_after(dossier, at, last)


def flush(session: Session, dossier: Dossier) -> None:
    """Write the action; a dossier changed meanwhile by someone else (version check) is refused."""
    code = dossier.code  # read before the flush: a failed flush leaves the session unusable
    try:
        session.flush()
    except StaleDataError:
        raise InvalidTransition(
            f"Hồ sơ {code} vừa được người khác cập nhật trong lúc bạn thao tác; hãy tải lại hồ sơ và thực hiện lại."
        ) from None
