"""Which dossiers a user sees, as one SQL condition: the unit scopes of cchc.auth.scope applied to a dossier's
receiving and current units (auth, below the dossiers, knows units but not dossiers)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, true
from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.scope import scope_units_query
from cchc.dossiers.models import Dossier


def dossier_clause(session: Session, user: User) -> ColumnElement[bool]:
    """SQL condition selecting the dossiers the user may see."""
    if user.role == Role.CITIZEN:
        return Dossier.owner_user_id == user.id
    query = scope_units_query(session, user)
    if query is None:
        return true()
    return or_(Dossier.unit_id.in_(query), Dossier.current_unit_id.in_(query))
