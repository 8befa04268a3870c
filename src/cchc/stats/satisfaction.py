"""Citizens' satisfaction with the handling of their dossiers, from the ratings (TT 01/2018/TT-VPCP Điều 13).

The ratings given in a window (rated_at) to dossiers received by the unit or any unit under it: how many
(the sample), how many at each level (Rất hài lòng, Hài lòng, Không hài lòng), the points of the 9
criteria (each 0–2, left empty when it does not apply), and the same by the dossier's level at receipt,
its channel (KenhThucHien), the way the rating was given (online by the owner, at the counter) and the
receiving unit. Every count and sum is a GROUP BY in SQL; rates are those counts over each other.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from cchc.dossiers.enums import Channel
from cchc.dossiers.models import Dossier
from cchc.periods import window
from cchc.rates import rate
from cchc.ratings.enums import RatedVia, Satisfaction
from cchc.ratings.models import Rating
from cchc.ratings.service import MAX_POINTS, criteria
from cchc.units.models import Unit
from cchc.units.scope import LEVELS, resolve_unit, unit_ids_query

SATISFIED = (Satisfaction.VERY_SATISFIED.value, Satisfaction.SATISFIED.value)
CHANNEL_KEYS = {int(Channel.DIRECT): "truc_tiep", int(Channel.ONLINE): "truc_tuyen", int(Channel.POSTAL): "buu_chinh"}
CHANNEL_LABELS = {CHANNEL_KEYS[int(c)]: c.label for c in Channel}
VIA_LABELS = {v.value: v.label for v in RatedVia}
LEVEL_KEYS = tuple(s.value for s in (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.NOT_SATISFIED))


def _count_of(value: str):
    return func.coalesce(func.sum(case((Rating.satisfaction == value, 1), else_=0)), 0)


def _group_columns() -> list:
    """A group's sample, its count at each level and its points (what every breakdown gives)."""
    return [
        func.count().label("ratings"),
        *[_count_of(v).label(v) for v in LEVEL_KEYS],
        func.coalesce(func.sum(Rating.total), 0).label("points"),
        func.coalesce(func.sum(Rating.max_total), 0).label("max_points"),
    ]


def _group(row) -> dict:
    """{"ratings", "very_satisfied", "satisfied", "not_satisfied", "satisfied_total", "rate", "points", "max_points", "score_rate"}."""
    m = row._mapping
    very, sat, bad = (int(m[v] or 0) for v in LEVEL_KEYS)
    n = int(m["ratings"] or 0)
    points, max_points = int(m["points"] or 0), int(m["max_points"] or 0)
    return {
        "ratings": n, "very_satisfied": very, "satisfied": sat, "not_satisfied": bad, "satisfied_total": very + sat,
        "rate": rate(very + sat, n), "points": points, "max_points": max_points, "score_rate": rate(points, max_points),
    }


def _empty_group() -> dict:
    return {"ratings": 0, "very_satisfied": 0, "satisfied": 0, "not_satisfied": 0, "satisfied_total": 0, "rate": None,
            "points": 0, "max_points": 0, "score_rate": None}


def satisfaction_figures(session: Session, unit: Unit | str | int, start: date, end: date) -> dict:
    """The ratings of the unit's subtree given in [start, end].

    {"ratings" (the sample), "very_satisfied", "satisfied", "not_satisfied", "satisfied_total" (the first two),
     "rate" (satisfied_total / ratings, %), "points", "max_points", "score_rate" (points / max_points, %),
     "criteria": {"1".."9" → {"number", "name", "rated", "points", "max_points", "average" (0–2), "rate"}},
     "by_level": {"tinh"|"huyen"|"xa" → a group}, "by_channel": {"truc_tiep"|"truc_tuyen"|"buu_chinh" → a group},
     "by_via": {"chu_ho_so"|"tai_quay" → a group}, "by_unit": {unit id → a group with unit_code, unit_name, level}}
    where a group has the keys of the totals above; by_unit lists units with ratings, by level then code.
    Keys are strings so that a Biểu mẫu row reaches any figure by a dotted path (reform.forms.lookup).
    """
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    where = (Rating.unit_id.in_(unit_ids_query(u)), Rating.rated_at >= w.begin, Rating.rated_at < w.stop)

    def grouped(key):
        return session.execute(
            select(key.label("k"), *_group_columns())
            .select_from(Rating).join(Dossier, Dossier.id == Rating.dossier_id)
            .where(*where).group_by(key)
        ).all()

    numbers = [c.number for c in criteria()]
    per_criterion = []
    for number in numbers:
        column = getattr(Rating, f"c{number}")
        per_criterion += [func.count(column).label(f"n{number}"), func.coalesce(func.sum(column), 0).label(f"s{number}")]
    row = session.execute(select(*_group_columns(), *per_criterion).select_from(Rating).where(*where)).one()
    out = _group(row)
    out["criteria"] = {}
    for c in criteria():
        rated, points = int(row._mapping[f"n{c.number}"] or 0), int(row._mapping[f"s{c.number}"] or 0)
        out["criteria"][str(c.number)] = {
            "number": c.number, "name": c.name, "rated": rated, "points": points, "max_points": MAX_POINTS * rated,
            "average": _average(points, rated), "rate": rate(points, MAX_POINTS * rated),
        }

    by_level = {lv: _empty_group() for lv in LEVELS}
    for r in grouped(Dossier.level):
        by_level[r.k or ""] = _group(r)
    by_channel = {key: _empty_group() for key in CHANNEL_KEYS.values()}
    for r in grouped(Dossier.channel):
        by_channel[CHANNEL_KEYS[int(r.k)]] = _group(r)
    by_via = {v: _empty_group() for v in VIA_LABELS}
    for r in grouped(Rating.via):
        by_via[r.k] = _group(r)
    units_rows = session.execute(
        select(Unit.id.label("k"), Unit.code, Unit.name, Unit.level, *_group_columns())
        .select_from(Rating).join(Unit, Unit.id == Rating.unit_id)
        .where(*where).group_by(Unit.id, Unit.code, Unit.name, Unit.level)
    ).all()
    order = {lv: i for i, lv in enumerate(LEVELS)}
    by_unit = {}
    for r in sorted(units_rows, key=lambda r: (order.get(r.level, len(LEVELS)), r.code)):
        by_unit[str(r.k)] = {"unit_code": r.code, "unit_name": r.name, "level": r.level, **_group(r)}
    return {**out, "by_level": by_level, "by_channel": by_channel, "by_via": by_via, "by_unit": by_unit}


def _average(points: int, rated: int) -> float | None:
    """Points per rating of a criterion (0–2), two decimals rounded half up; None when nobody scored it."""
    if not rated:
        return None
    return float((Decimal(points) / Decimal(rated)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
