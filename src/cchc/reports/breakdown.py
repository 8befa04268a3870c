"""The report's dossier figures by procedure field (lĩnh vực): where the late and overdue dossiers are (the
drafted assessment names the fields with the most) and the on-time and online rates of each field (the charts of
a unit that receives at one level only). Counted by the database with the statistics' own bucket conditions
(cchc.stats.dossiers), one GROUP BY per relevance slice, as `direct_counts` does."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from cchc.dossiers.models import Dossier
from cchc.periods import window
from cchc.procedures.models import Field, Procedure
from cchc.rates import rate
from cchc.stats.dossiers import bucket_conditions, received_condition, relevance_parts, unit_condition
from cchc.units.models import Unit
from cchc.units.scope import resolve_unit

KEYS = ("new_total", "new_online", "resolved_total", "resolved_in_time", "resolved_late", "in_progress_overdue")
LATE_KEYS = ("resolved_late", "in_progress_overdue")
UNCLASSIFIED = "Chưa xác định lĩnh vực"


def field_figures(session: Session, unit: Unit | str | int, start: date, end: date, *, late_only: bool = False) -> list[dict]:
    """[{field_code, field_name, new_total, new_online, resolved_total, resolved_in_time, resolved_late,
    in_progress_overdue, on_time_rate, online_rate}] of the fields with a dossier in the window, largest first.

    `late_only`: only the late and overdue counts (the others 0), read from the late and overdue dossiers alone —
    what the drafted assessment needs of a unit charted by level, at a fraction of the cost.
    """
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    conds = bucket_conditions(w, session.get_bind().dialect.name)
    keys = LATE_KEYS if late_only else KEYS
    sums = [func.coalesce(func.sum(case((conds[k], 1), else_=0)), 0).label(k) for k in keys]
    late = [or_(*(conds[k] for k in LATE_KEYS))] if late_only else []
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for part in relevance_parts(w):
        stmt = (
            select(Field.code, Field.name, *sums)
            .select_from(Dossier)
            .join(Procedure, Procedure.id == Dossier.procedure_id)
            .outerjoin(Field, Field.id == Procedure.field_id)
            .where(unit_condition(u), received_condition(), part, *late)
            .group_by(Field.code, Field.name)
        )
        for row in session.execute(stmt):
            m = row._mapping
            key = (m["code"] or "", m["name"] or UNCLASSIFIED)
            acc = totals.setdefault(key, dict.fromkeys(KEYS, 0))
            for k in keys:
                acc[k] += int(m[k] or 0)
    out = []
    for (code, name), c in totals.items():
        if not any(c.values()):
            continue
        out.append({
            "field_code": code, "field_name": name, **c,
            "on_time_rate": rate(c["resolved_in_time"], c["resolved_total"]),
            "online_rate": rate(c["new_online"], c["new_total"]),
        })
    out.sort(key=lambda f: (-(f["new_total"] + f["resolved_total"]), f["field_name"]))
    return out
