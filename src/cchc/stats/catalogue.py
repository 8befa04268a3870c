"""Catalogue figures (seed 004 Biểu mẫu 3 mục 1–2): procedures in competence, publications, interconnection.

A procedure is in the competence of a unit at a level L when L is one of the procedure's levels and
the unit's subtree holds a unit of level L valid during the window (a huyện that ended on 30/6/2025
still counts for a window before that date). For an agency (sở, phòng …) rather than an area, only
the procedures whose resolving agency is in its subtree count. A procedure at several levels counts
once at each level and once in the total.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, distinct, false, func, literal, or_, select
from sqlalchemy.orm import Session

from cchc.periods import Window, window
from cchc.procedures.enums import Interconnection, OnlineLevel, PublicationKind
from cchc.procedures.models import Procedure, Publication
from cchc.units.models import Unit
from cchc.units.scope import LEVELS, resolve_unit, subtree_condition, unit_ids_query, valid_during


def scope_levels(session: Session, unit: Unit, w: Window) -> list[str]:
    """Levels of the units valid during the window in the unit's subtree, in the order tỉnh, huyện, xã."""
    found = set(
        session.scalars(select(Unit.level).where(subtree_condition(unit), valid_during(w.start, w.end)).distinct())
    )
    return [lv for lv in LEVELS if lv in found]


def has_level(level: str):
    """SQL: the procedure's comma-separated `levels` contains `level`."""
    return (literal(",") + Procedure.levels + literal(",")).like(f"%,{level},%")


def competence_condition(session: Session, unit: Unit, w: Window, *, active_only: bool = True):
    """(condition on Procedure, levels in scope): the procedures the unit and those under it resolve."""
    levels = scope_levels(session, unit, w)
    conds = [or_(*[has_level(lv) for lv in levels]) if levels else false()]
    if not unit.is_area:
        conds.append(Procedure.agency_unit_id.in_(unit_ids_query(unit)))
    if active_only:
        conds.append(Procedure.active.is_(True))
    return and_(*conds), levels


def _count(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def catalogue_figures(session: Session, unit: Unit | str | int, start: date, end: date) -> dict:
    """Procedures in competence (total and by level), publications in the window by kind,
    interconnection and online-service counts, procedures with fees."""
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    competent, levels = competence_condition(session, u, w)

    cols = {
        "procedures_total": func.count(Procedure.id),
        **{f"level_{lv}": _count(has_level(lv)) if lv in levels else literal(0) for lv in LEVELS},
        "cung_cap": _count(Procedure.interconnection == Interconnection.SAME_LEVEL.value),
        "giua_cac_cap": _count(Procedure.interconnection == Interconnection.BETWEEN_LEVELS.value),
        "toan_trinh": _count(Procedure.online_level == OnlineLevel.FULL.value),
        "mot_phan": _count(Procedure.online_level == OnlineLevel.PARTIAL.value),
        "eligible_full_online": _count(Procedure.eligible_full_online.is_(True)),
        "eligible_full_online_provided": _count(
            and_(Procedure.eligible_full_online.is_(True), Procedure.online_level == OnlineLevel.FULL.value)
        ),
        "with_fee": _count(Procedure.has_fee.is_(True)),
        "fee_online_integrated": _count(and_(Procedure.has_fee.is_(True), Procedure.fee_online_integrated.is_(True))),
    }
    row = session.execute(select(*[c.label(k) for k, c in cols.items()]).where(competent)).one()._mapping
    n = {k: int(row[k] or 0) for k in cols}

    published, _ = competence_condition(session, u, w, active_only=False)
    pub_rows = session.execute(
        select(Publication.kind, func.count(distinct(Publication.procedure_id)))
        .join(Procedure, Procedure.id == Publication.procedure_id)
        .where(published, Publication.decision_date >= w.start, Publication.decision_date <= w.end)
        .group_by(Publication.kind)
    ).all()
    publications = {k.value: 0 for k in PublicationKind}
    for kind, cnt in pub_rows:
        publications[kind] = publications.get(kind, 0) + int(cnt)

    return {
        "procedures_total": n["procedures_total"],
        "by_level": {lv: n[f"level_{lv}"] for lv in LEVELS},
        "levels_in_scope": levels,
        "publications": publications,
        "interconnection": {"cung_cap": n["cung_cap"], "giua_cac_cap": n["giua_cac_cap"]},
        "online": {
            "toan_trinh": n["toan_trinh"],
            "mot_phan": n["mot_phan"],
            "eligible_full_online": n["eligible_full_online"],
            "eligible_full_online_provided": n["eligible_full_online_provided"],
        },
        "fees": {"with_fee": n["with_fee"], "online_integrated": n["fee_online_integrated"]},
    }
