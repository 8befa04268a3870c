"""The unit scope of a figure or a register: which unit it is about, the unit with everything under it (the
materialised path), the units valid during a window, the province at the top. Shared by the statistics, the
registers, the reports and the submissions, below all of them.

`resolve_unit` here takes a unit as a figure is asked for — an instance, an internal id or a code — and is
lenient about dates (the latest version of a reused code, or the one valid on `on` if there is one);
`cchc.units.service.resolve_unit` is the strict lookup by code of the pages and imports, which refuses a
date no version covers.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from cchc.errors import NotFound, ValidationError
from cchc.units.models import Unit

LEVELS = ("tinh", "huyen", "xa")
LEVEL_LABELS = {"tinh": "Cấp tỉnh", "huyen": "Cấp huyện", "xa": "Cấp xã"}


def resolve_unit(session: Session, unit: Unit | str | int, on: date | None = None) -> Unit:
    """A Unit from an instance, an id or a code (the version valid on `on` when a code was reused)."""
    if isinstance(unit, Unit):
        return unit
    if isinstance(unit, int):
        found = session.get(Unit, unit)
        if found is None:
            raise NotFound(f"Không tìm thấy đơn vị có mã số nội bộ {unit}.")
        return found
    code = str(unit or "").strip()
    if not code:
        raise ValidationError("Chưa chọn đơn vị (mã đơn vị).")
    rows = session.scalars(select(Unit).where(Unit.code == code)).all()
    if not rows:
        raise NotFound(f"Không tìm thấy đơn vị có mã «{code}».")
    if len(rows) == 1 or on is None:
        return max(rows, key=lambda u: u.valid_from or date.min)
    valid = [u for u in rows if u.valid_on(on)]
    return max(valid or rows, key=lambda u: u.valid_from or date.min)


def subtree_condition(unit: Unit):
    """SQL condition on Unit: the unit itself and everything under it (materialised path)."""
    if not unit.path:
        raise ValidationError(f"Đơn vị «{unit.code}» chưa có đường dẫn cây đơn vị (path); không thể tổng hợp.")
    return Unit.path.like(_like_prefix(unit.path))


def _like_prefix(path: str) -> str:
    return path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def subtree_unit_ids(unit: Unit) -> list[int]:
    """Ids of the unit and everything under it (one small query on units; a province has a few
    thousand at most). Dossier queries filter on this list rather than joining units, so that the
    database can range its (unit_id, …) indexes unit by unit."""
    session = object_session(unit)
    if session is None:
        raise ValidationError(f"Đơn vị «{unit.code}» không gắn với phiên làm việc với cơ sở dữ liệu.")
    return list(session.scalars(select(Unit.id).where(subtree_condition(unit)).order_by(Unit.id)))


def unit_ids_query(unit: Unit):
    """SELECT id of the units in the subtree (a sub-query, never loaded)."""
    return select(Unit.id).where(subtree_condition(unit))


def valid_during(start: date, end: date):
    """Units valid at some day of [start, end]."""
    return (or_(Unit.valid_from.is_(None), Unit.valid_from <= end)) & (or_(Unit.valid_to.is_(None), Unit.valid_to >= start))


def top_province(session: Session) -> Unit:
    """The first province in force (by code): the unit shown to whoever has no unit of their own."""
    top = session.scalar(
        select(Unit).where(Unit.parent_id.is_(None), Unit.level == "tinh", Unit.valid_to.is_(None)).order_by(Unit.code)
    )
    if top is None:
        raise ValidationError("Chưa có đơn vị nào trong hệ thống.")
    return top
