"""Every figure of the CCHC registers for a unit and window, for all_figures (keys plan, directives,
inspections, communication). Each comes from one or two SQL aggregates over the unit's own entries."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from cchc.reform.activities import communication_figures, inspection_figures
from cchc.reform.directives import directive_figures
from cchc.reform.plan import plan_figures
from cchc.units.models import Unit


def reform_figures(session: Session, unit: Unit, start: date, end: date) -> dict:
    """{"plan": {...}, "directives": {...}, "inspections": {...}, "communication": {...}}."""
    return {
        "plan": plan_figures(session, unit, start, end),
        "directives": directive_figures(session, unit, start, end),
        "inspections": inspection_figures(session, unit, start, end),
        "communication": communication_figures(session, unit, start, end),
    }
