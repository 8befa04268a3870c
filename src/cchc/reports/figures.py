"""Every figure of a unit and window in one dictionary: what the report, the dashboard and the consolidated
report read. It gathers every domain's figures (statistics, the CCHC registers, assigned tasks), so it sits
above them, in reports."""

from __future__ import annotations

from datetime import date
from typing import Callable

from sqlalchemy.orm import Session

from cchc.periods import Period, period_for, window
from cchc.stats.figure_cache import cached
from cchc.reform.figures import reform_figures
from cchc.stats.catalogue import catalogue_figures
from cchc.stats.dossiers import dossier_figures
from cchc.stats.index766 import compute_index
from cchc.stats.interagency import interagency_figures
from cchc.stats.online import DossierPasses, ask_online, online_figures
from cchc.stats.satisfaction import satisfaction_figures
from cchc.tasks.stats import task_figures
from cchc.units.models import Unit
from cchc.units.scope import resolve_unit


def all_figures(session: Session, unit: Unit | str | int, start: date, end: date, *, period: Period | None = None) -> dict:
    """{"period", "unit", "dossiers", "catalogue", "online", "digitisation", "feedback", "index766",
    "satisfaction", "interagency", "plan", "directives", "inspections", "communication", "tasks"}.

    `period` is the preset whose window is exactly [start, end] when there is one (its label reads
    "quý III năm 2023"), otherwise the custom window ("từ 01/7/2023 đến 13/9/2023").
    """
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    p = period if period is not None else period_for(w.start, w.end)
    catalogue = catalogue_figures(session, u, w.start, w.end)
    dossiers = dossier_figures(session, u, w.start, w.end)
    # The window's new dossiers and its ended dossiers are read once for the online figures and the
    # 766 index together: both ask their sums of the same passes before the first read.
    passes = DossierPasses(session, u, w)
    ask_online(passes)
    index = compute_index(session, u, w.start, w.end, passes=passes, dossiers=dossiers).as_dict()
    online = online_figures(session, u, w.start, w.end, catalogue=catalogue, passes=passes)
    digitisation = online.pop("digitisation")
    feedback = online.pop("feedback")
    figures = {
        "period": p.as_dict(),
        "unit": {"code": u.code, "name": u.name, "level": u.level, "kind": u.kind},
        "dossiers": dossiers,
        "catalogue": catalogue,
        "online": online,
        "digitisation": digitisation,
        "feedback": feedback,
        "index766": index,
        "satisfaction": satisfaction_figures(session, u, w.start, w.end),
        "interagency": interagency_figures(session, u, w.start, w.end),
    }
    figures.update(_reform_and_tasks(session, u, w.start, w.end))
    return figures


def _reform_and_tasks(session: Session, u: Unit, start: date, end: date) -> dict:
    """The CCHC registers (cchc.reform) and the assigned tasks (cchc.tasks.stats)."""
    return {**reform_figures(session, u, start, end), "tasks": task_figures(session, u, start, end)}


# ---- one part of the figures, cached for a closed period (cchc.stats.figure_cache) -----------------------

def _parts() -> dict[str, Callable[[Session, Unit, date, date], dict]]:
    from cchc.reports.breakdown import field_figures

    return {
        "all": lambda s, u, a, b: all_figures(s, u, a, b),
        "dossiers": dossier_figures,
        "index766": lambda s, u, a, b: compute_index(s, u, a, b).as_dict(),
        "satisfaction": satisfaction_figures,
        "interagency": interagency_figures,
        "fields": lambda s, u, a, b: {"fields": field_figures(s, u, a, b)},
    }


PARTS = ("all", "dossiers", "index766", "satisfaction", "interagency", "fields")


def figures_of(session: Session, unit: Unit, start: date, end: date, part: str) -> dict:
    """One part of a unit's figures (PARTS): of a closed window from the cache while its data is unchanged,
    otherwise computed (the same values either way)."""
    compute = _parts()[part]
    return cached(session, unit, start, end, part, lambda: compute(session, unit, start, end))
