"""Who may see and act where (phạm vi đơn vị).

- An officer sees their own unit and everything under it (units whose `path` starts with theirs).
- A Role.REPORTING officer sees the whole province their unit belongs to.
- The system administrator sees everything; a citizen sees only the dossiers they own.
- An officer *acts* for a unit when attached to it, or to the administrative area directly
  above it (a commune's officer working at the commune's one-stop unit).

Scopes are SQL sub-queries over `units.path`, so filtering 10 million dossiers stays one query
(cchc.dossiers.scope.dossier_clause).
"""

from __future__ import annotations

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import PermissionDenied
from cchc.units.models import Unit


def _unit(session: Session, unit_id: int | None) -> Unit | None:
    return session.get(Unit, unit_id) if unit_id is not None else None


def scope_root(session: Session, user: User) -> Unit | None:
    """The unit whose subtree the user sees (None for a system administrator or a citizen)."""
    if user.role == Role.SYSTEM_ADMIN or user.role == Role.CITIZEN:
        return None
    unit = _unit(session, user.unit_id)
    if unit is None:
        return None
    if user.role == Role.REPORTING:
        ids = [int(x) for x in unit.path.strip("/").split("/") if x]
        if ids:
            ancestors = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
            for uid in ids:  # the topmost provincial unit on the path
                anc = ancestors.get(uid)
                if anc is not None and anc.level == "tinh":
                    return anc
    return unit


def scope_units_query(session: Session, user: User) -> Select | None:
    """SELECT units.id of the user's scope; None means every unit (system administrator)."""
    if user.role == Role.SYSTEM_ADMIN:
        return None
    root = scope_root(session, user)
    if root is None:
        return select(Unit.id).where(false())
    if not root.path:
        return select(Unit.id).where(Unit.id == root.id)
    return select(Unit.id).where(Unit.path.like(root.path + "%"))


def unit_scope_ids(session: Session, user: User) -> set[int]:
    """Ids of the units the user sees: their unit and everything under it (see module doc)."""
    query = scope_units_query(session, user)
    if query is None:
        return set(session.scalars(select(Unit.id)))
    return set(session.scalars(query))


def in_scope(session: Session, user: User, unit_id: int | None) -> bool:
    if unit_id is None:
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    root = scope_root(session, user)
    if root is None:
        return False
    if root.id == unit_id:
        return True
    target = _unit(session, unit_id)
    return bool(target is not None and root.path and target.path.startswith(root.path))


def acts_in(session: Session, user: User | None, unit_id: int | None) -> bool:
    """May this officer act for `unit_id`: attached to it, or to the area directly above it."""
    if user is None:
        return True
    if unit_id is None or user.unit_id is None or user.role == Role.CITIZEN:
        return False
    if user.unit_id == unit_id:
        return True
    target = _unit(session, unit_id)
    if target is None or target.parent_id != user.unit_id:
        return False
    own = _unit(session, user.unit_id)
    return bool(own is not None and own.is_area)


def can_see(session: Session, user: User | None, dossier) -> bool:
    """Citizens: their own dossiers; officers: dossiers received, held or once handled in their scope."""
    if user is None:
        return True
    if not user.active:
        return False
    if user.role == Role.CITIZEN:
        return dossier.owner_user_id is not None and dossier.owner_user_id == user.id
    if in_scope(session, user, dossier.unit_id) or in_scope(session, user, dossier.current_unit_id):
        return True
    # a unit that handled a step (liên thông) keeps seeing the dossier it worked on
    handled = {s.unit_id for s in dossier.steps if s.unit_id not in (None, dossier.unit_id, dossier.current_unit_id)}
    return any(in_scope(session, user, unit_id) for unit_id in handled)


def require_scope(session: Session, user: User | None, dossier) -> None:
    """PermissionDenied (Vietnamese) unless the user may see the dossier."""
    if can_see(session, user, dossier):
        return
    if user is not None and user.role == Role.CITIZEN:
        raise PermissionDenied(f"Hồ sơ {dossier.code} không phải của bạn: công dân chỉ xem được hồ sơ của mình.")
    raise PermissionDenied(
        f"Hồ sơ {dossier.code} không thuộc phạm vi đơn vị của bạn: cán bộ chỉ xem được hồ sơ của đơn vị mình và các đơn vị trực thuộc."
    )
