"""Every figure of a unit and window in one dictionary: what the report (cchc.reports) reads."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from cchc.stats.catalogue import catalogue_figures
from cchc.stats.dossiers import dossier_figures
from cchc.stats.index766 import compute_index
from cchc.stats.online import online_figures
from cchc.stats.periods import Period, period_for
from cchc.stats.scope import resolve_unit, window
from cchc.units.models import Unit


def all_figures(session: Session, unit: Unit | str | int, start: date, end: date, *, period: Period | None = None) -> dict:
    """{"period", "unit", "dossiers", "catalogue", "online", "digitisation", "feedback", "index766"}.

    `period` is the preset whose window is exactly [start, end] when there is one (its label reads
    "quý III năm 2023"), otherwise the custom window ("từ 01/7/2023 đến 13/9/2023").
    """
    w = window(start, end)
    u = resolve_unit(session, unit, on=w.end)
    p = period if period is not None else period_for(w.start, w.end)
    catalogue = catalogue_figures(session, u, w.start, w.end)
    online = online_figures(session, u, w.start, w.end, catalogue=catalogue)
    digitisation = online.pop("digitisation")
    feedback = online.pop("feedback")
    return {
        "period": p.as_dict(),
        "unit": {"code": u.code, "name": u.name, "level": u.level, "kind": u.kind},
        "dossiers": dossier_figures(session, u, w.start, w.end),
        "catalogue": catalogue,
        "online": online,
        "digitisation": digitisation,
        "feedback": feedback,
        "index766": compute_index(session, u, w.start, w.end).as_dict(),
    }
