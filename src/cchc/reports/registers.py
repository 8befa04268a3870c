"""Which CCHC registers a unit keeps: a register with no entry at all for the unit was never filled in, so its
figures are unknown — blank in the Biểu mẫu and silent in section I — rather than 0. A register the unit keeps
speaks for the period even when nothing happened in it (0 documents, no inspection)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from cchc.reform.models import CommunicationActivity, DirectiveDocument, Inspection, PlanItem
from cchc.tasks.models import Task
from cchc.units.models import Unit

# The figures' keys each register fills (cchc.reports.figures.all_figures).
KEYS = ("plan", "directives", "inspections", "communication", "tasks")


def registers_in_use(session: Session, unit: Unit, end: date) -> dict[str, bool]:
    """{figures key: the unit keeps that register} up to `end` (the plan: the plan of `end`'s year), read as the
    figures read them: the unit's own entries, and the tasks led by the unit or a unit under it."""
    before = datetime.combine(end + timedelta(days=1), time.min)
    led = select(Unit.id).where(Unit.path.like(unit.path + "%")).scalar_subquery()
    checks = {
        "plan": exists().where(PlanItem.unit_id == unit.id, PlanItem.year == end.year),
        "directives": exists().where(DirectiveDocument.unit_id == unit.id, DirectiveDocument.issued_on <= end),
        "inspections": exists().where(Inspection.unit_id == unit.id, Inspection.inspected_on <= end),
        "communication": exists().where(CommunicationActivity.unit_id == unit.id, CommunicationActivity.held_on <= end),
        "tasks": exists().where(Task.lead_unit_id.in_(led), Task.assigned_at < before),
    }
    row = session.execute(select(*[c.label(k) for k, c in checks.items()])).one()
    return {k: bool(v) for k, v in row._mapping.items()}


def without_unkept(figures: dict) -> dict:
    """`figures` with the keys of the registers not kept removed (a lookup then finds nothing: blank, not 0)."""
    kept = figures.get("registers")
    if not isinstance(kept, dict):
        return figures
    return {k: v for k, v in figures.items() if not (k in KEYS and kept.get(k) is False)}
