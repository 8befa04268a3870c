"""A unit's part in inter-agency (liên thông) dossiers: dossiers received elsewhere in which it handled a step.

A procedure's internal process may hand a step to another unit (procedure_steps.unit_id: the Văn phòng
UBND tỉnh that submits to the Chủ tịch, a Sở that gives an opinion…); each hand-over is a row of Mẫu 06
(dossier_steps) with its unit, start, deadline and end. The dossier figures count a dossier for its
receiving unit only; these count, for a unit U and everything under it, the dossiers received by a unit
outside U in which U handled at least one step, judged by U's own step deadlines (seed 004: «Văn phòng
UBND tỉnh đã tiếp nhận 550 hồ sơ liên thông… đã giải quyết 536 hồ sơ (đúng và trước hạn 507, quá hạn
29); đang giải quyết 14 hồ sơ»).

For a window [start, end], over U's steps started before its end, per dossier:
  received_total = carried_over (U's first step began before the window) + new_total;
  resolved_total — every step of U on it ended within the window or before — = resolved_in_time +
  resolved_late (a step of U ended after its deadline: Mẫu 06's «quá hạn», or its end after due_at
  when unclassified);
  in_progress_total — a step of U still open at the window's end — = in_progress_within +
  in_progress_overdue (an open step past its deadline when the window is judged).
A dossier whose steps at U all ended before the window is not counted. A step the dossier's end
closed without a hand-over ends with the dossier. Everything is summed in SQL, per dossier then per
unit: no row is read into Python.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Integer, and_, case, cast, func, literal, not_, or_, select
from sqlalchemy.orm import Session, aliased

from cchc.dossiers.enums import Timeliness
from cchc.dossiers.models import Dossier, DossierStep
from cchc.periods import Window, window
from cchc.rates import rate
from cchc.units.models import Unit
from cchc.units.scope import LEVELS, resolve_unit, unit_ids_query

KEYS = ("received_total", "carried_over", "new_total", "resolved_total", "resolved_in_time", "resolved_late",
        "in_progress_total", "in_progress_within", "in_progress_overdue")


def _step_columns(w: Window) -> list:
    """Per dossier (grouped by it): when U first had it, whether a step is open at the end, whether a
    step ended late, whether an open step is past its deadline, U's last hand-over."""
    ended = func.coalesce(DossierStep.ended_at, Dossier.ended_at)
    is_open = or_(ended.is_(None), ended >= w.stop)
    late = and_(
        ended < w.stop,
        or_(DossierStep.timeliness == Timeliness.LATE.value,
            and_(DossierStep.timeliness.is_(None), DossierStep.due_at.is_not(None), ended > DossierStep.due_at)),
    )
    overdue = and_(is_open, DossierStep.due_at.is_not(None), DossierStep.due_at < w.judged_at)
    return [
        func.min(DossierStep.started_at).label("first_in"),
        func.max(case((is_open, 1), else_=0)).label("open"),
        func.max(case((late, 1), else_=0)).label("late"),
        func.max(case((overdue, 1), else_=0)).label("overdue"),
        func.max(ended).label("last_out"),
    ]


def _relevant(w: Window, cols: list):
    """Still at U when the window starts, or arrived in it (HAVING over the per-dossier groups)."""
    is_open, last_out = cols[1], cols[4]
    return or_(is_open == 1, last_out >= w.begin)


def _sums(per, w: Window, *group) -> list:
    def count(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    done, open_ = per.c.open == 0, per.c.open == 1
    return [
        *group,
        func.count().label("received_total"),
        count(per.c.first_in < w.begin).label("carried_over"),
        count(per.c.first_in >= w.begin).label("new_total"),
        count(done).label("resolved_total"),
        count(and_(done, per.c.late == 0)).label("resolved_in_time"),
        count(and_(done, per.c.late == 1)).label("resolved_late"),
        count(open_).label("in_progress_total"),
        count(and_(open_, per.c.overdue == 0)).label("in_progress_within"),
        count(and_(open_, per.c.overdue == 1)).label("in_progress_overdue"),
    ]


def _figures(mapping) -> dict:
    out = {k: int(mapping[k] or 0) for k in KEYS}
    out["on_time_rate"] = rate(out["resolved_in_time"], out["resolved_total"])
    return out


def interagency_figures(session: Session, unit: Unit | str | int, start: date, end: date) -> dict:
    """The unit's part in dossiers received by other units, for [start, end] (the keys of KEYS and
    on_time_rate), and `by_unit`: the same for each unit directly under it that took part (each judged
    against the units outside its own subtree), by level then code."""
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    ours = unit_ids_query(u)
    cols = _step_columns(w)
    per = (
        select(DossierStep.dossier_id, *cols)
        .join(Dossier, Dossier.id == DossierStep.dossier_id)
        .where(DossierStep.unit_id.in_(ours), Dossier.unit_id.not_in(ours), DossierStep.started_at < w.stop,
               DossierStep.unit_id != Dossier.unit_id)
        .group_by(DossierStep.dossier_id)
        .having(_relevant(w, cols))
        .subquery("per_dossier")
    )
    out = _figures(session.execute(select(*_sums(per, w)).select_from(per)).one()._mapping)
    out["by_unit"] = _by_child(session, u, w)
    return out


def _by_child(session: Session, u: Unit, w: Window) -> list[dict]:
    """The same figures for each unit directly under `u` (its subtree against the units outside it).

    A step's unit is under the child whose id follows `u`'s path in its own path ("/1/5/" + "23/…"), read
    with string functions rather than joined by prefix, so that the steps are read once, not once per
    child; only a step at a unit other than the dossier's receiving unit can be liên thông, a test on
    the two rows already joined."""
    step_unit, receiving = aliased(Unit, name="step_unit"), aliased(Unit, name="receiving")
    rest = func.substr(step_unit.path, len(u.path) + 1)
    position = func.strpos if session.get_bind().dialect.name == "postgresql" else func.instr
    child_key = func.substr(rest, 1, position(rest, "/") - 1)
    cols = _step_columns(w)
    per = (
        select(child_key.label("child_key"), DossierStep.dossier_id, *cols)
        .select_from(DossierStep)
        .join(Dossier, and_(Dossier.id == DossierStep.dossier_id, Dossier.unit_id != DossierStep.unit_id))
        .join(step_unit, step_unit.id == DossierStep.unit_id)
        .join(receiving, receiving.id == Dossier.unit_id)
        .where(DossierStep.started_at < w.stop, step_unit.path.like(literal(u.path).concat("%")),
               step_unit.id != u.id,
               not_(receiving.path.like(literal(u.path).concat(child_key).concat("/%"))))
        .group_by(child_key, DossierStep.dossier_id)
        .having(_relevant(w, cols))
        .subquery("per_child_dossier")
    )
    rows = session.execute(
        select(*_sums(per, w, Unit.code.label("unit_code"), Unit.name.label("unit_name"), Unit.level.label("level")))
        .select_from(per).join(Unit, Unit.id == cast(per.c.child_key, Integer))  # by primary key
        .group_by(Unit.id, Unit.code, Unit.name, Unit.level)
    ).all()
    order = {lv: i for i, lv in enumerate(LEVELS)}
    result = [{"unit_code": r.unit_code, "unit_name": r.unit_name, "level": r.level, **_figures(r._mapping)} for r in rows]
    return sorted(result, key=lambda r: (order.get(r["level"], len(LEVELS)), r["unit_code"]))
