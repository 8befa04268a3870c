"""Where a citizen may send a procedure's dossier online: the units of this installation's province that
receive it, nearest level first.

A unit handles a procedure when it is in force today, at one of the procedure's levels, inside the province
this installation serves and has an active receiving officer (Bộ phận Một cửa) to take the dossier; at the
provincial level, only the agency that resolves the procedure (and its sub-units) or a public service centre.
The province is that of the procedure's agency, else that of the receiving officers' units: the official lists
hold every unit of the country, but only this province has offices with staff.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from cchc import vn
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import ValidationError
from cchc.units.models import Unit
from cchc.units.service import valid_on

# Nearest the citizen first: the commune, then the district (until 30/6/2025), then the province.
LEVEL_ORDER = {"xa": 0, "huyen": 1, "tinh": 2}
LEVEL_NAMES = {"xa": "cấp xã", "huyen": "cấp huyện", "tinh": "cấp tỉnh"}
SERVICE_CENTRE_KINDS = ("bo_phan_mot_cua", "trung_tam_hcc")


def _top(db: Session, unit_id: int | None) -> Unit | None:
    """The topmost unit above `unit_id` (the first id of its materialised path)."""
    unit = db.get(Unit, unit_id) if unit_id is not None else None
    ids = [int(x) for x in (unit.path if unit is not None else "").strip("/").split("/") if x]
    return db.get(Unit, ids[0]) if ids else unit


def installation_province(db: Session, procedure) -> Unit | None:
    """The province the procedure is handled in here: its agency's, else the receiving officers'."""
    if procedure.agency_unit_id is not None:
        return _top(db, procedure.agency_unit_id)
    staffed = db.scalar(select(User.unit_id).where(User.role == Role.RECEIVING.value, User.active.is_(True),
                                                   User.unit_id.is_not(None)).order_by(User.id).limit(1))
    return _top(db, staffed)


def handling_condition(db: Session, procedure, today: date) -> ColumnElement[bool]:
    """SQL condition on units: those where a citizen may send this procedure's dossier (see the module)."""
    receiving = select(User.id).where(User.unit_id == Unit.id, User.role == Role.RECEIVING.value, User.active.is_(True)).exists()
    conds = [valid_on(today), receiving]
    if procedure.level_list:
        conds.append(Unit.level.in_(procedure.level_list))
    province = installation_province(db, procedure)
    if province is None:
        return false()
    conds.append(Unit.path.like(province.path + "%"))
    agency = db.get(Unit, procedure.agency_unit_id) if procedure.agency_unit_id is not None else None
    if agency is not None:  # at the provincial level, the agency that resolves it (or a public service centre)
        conds.append(or_(Unit.level != "tinh", Unit.path.like(agency.path + "%"), Unit.kind.in_(SERVICE_CENTRE_KINDS)))
    return and_(*conds)


def handling_units(db: Session, procedure, today: date, q: str = "", limit: int = 200) -> tuple[list[tuple[str, list[Unit]]], int]:
    """The units handling the procedure (filtered by a name or a code), grouped by the area or body above them,
    nearest level first; and how many match in all."""
    conds = [handling_condition(db, procedure, today)]
    text = q.strip()
    if text:
        conds.append(Unit.name_key.contains(vn.search_fold(text), autoescape=True) | Unit.code.startswith(text, autoescape=True))
    total = db.scalar(select(func.count()).select_from(Unit).where(*conds)) or 0
    rank = case(LEVEL_ORDER, value=Unit.level, else_=len(LEVEL_ORDER))
    units = list(db.scalars(select(Unit).where(*conds).order_by(rank, Unit.parent_id, Unit.name).limit(limit)))
    parents = dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_({u.parent_id for u in units if u.parent_id}))).all())
    groups: dict[str, list[Unit]] = {}
    for unit in units:  # in the order read: the nearest level first
        groups.setdefault(parents.get(unit.parent_id, LEVEL_NAMES.get(unit.level, "")), []).append(unit)
    if procedure.agency_unit_id:  # the agency that resolves it first within its group
        for members in groups.values():
            members.sort(key=lambda u: u.id != procedure.agency_unit_id)
    return list(groups.items()), int(total)


def require_handling_unit(db: Session, procedure, unit: Unit, today: date) -> None:
    """ValidationError (field unit_id) unless `unit` is one a citizen may send this procedure's dossier to."""
    if db.scalar(select(Unit.id).where(Unit.id == unit.id, handling_condition(db, procedure, today))) is not None:
        return
    province = installation_province(db, procedure)
    where = f" của {province.name}" if province is not None else ""
    raise ValidationError(
        f"{unit.name} ({unit.code}) không tiếp nhận hồ sơ thủ tục «{procedure.name}» trên hệ thống này: chọn một trong "
        f"các cơ quan, đơn vị{where} có trong danh sách.",
        field="unit_id",
    )
