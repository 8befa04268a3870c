"""The dashboard (/thong-ke): a unit's figures for a period — every domain's, from all_figures — with the trend
over the last periods and charts drawn on the server. Like the report, it gathers statistics, the registers and
tasks, so it sits above them, in reports; the dossiers behind a figure are the statistics' own page
(cchc.stats.pages, /thong-ke/ho-so). Numbers come from SQL, never computed here."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import clock
from cchc.auth.models import User
from cchc.errors import CchcError, ValidationError
from cchc.periods import Period, period_choices, previous_periods
from cchc.rates import rate
from cchc.reports.assembly import TrendPoint, rate_groups
from cchc.reports.breakdown import field_figures
from cchc.reports.charts import bar_chart, trend_chart
from cchc.reports.figures import all_figures
from cchc.stats.dossiers import dossier_figures
from cchc.stats.pages import BUCKET_LABELS, scope_query, select_typed
from cchc.units.models import Unit
from cchc.auth.deps import officer
from cchc.web.deps import DB_SESSION
from cchc.web.templating import render

router = APIRouter(include_in_schema=False)
TREND_PERIODS = 4


def trend_points(db: Session, unit: Unit, period: Period, n: int = TREND_PERIODS, current: dict | None = None) -> list[dict]:
    """The last `n` periods and this one; `current` (this period's dossier figures, when already computed) is reused."""
    points = []
    for p in [*previous_periods(period, n), period]:
        fig = current if (p is period and current is not None) else dossier_figures(db, unit, p.start, p.end)
        points.append({"label": p.label, "key": p.key, "on_time_rate": fig["on_time_rate"],
                       "online_rate": rate(fig["new_online"], fig["new_total"]), "received": fig["received_total"]})
    return points


@router.get("/thong-ke")
def dashboard(request: Request, don_vi: str = "", ky: str = "", tu_ngay: str = "", den_ngay: str = "",
              db: Session = DB_SESSION, user: User = Depends(officer)):
    choices = period_choices(clock.today())
    try:
        sel = select_typed(db, user, don_vi, ky, tu_ngay, den_ngay)
    except CchcError as exc:
        field = "tu_ngay" if "từ ngày" in exc.message else ("den_ngay" if "đến ngày" in exc.message else ("don_vi" if "đơn vị" in exc.message.lower() else "ky"))
        return render(request, "stats/dashboard.html", {"figures": None, "choices": choices, "error": exc.message, "error_field": field,
                                                         "don_vi": don_vi, "ky": ky, "tu_ngay": tu_ngay, "den_ngay": den_ngay},
                      status_code=exc.http_status)
    figures = all_figures(db, sel.unit, sel.period.start, sel.period.end, period=sel.period)
    children = db.scalars(select(Unit).where(Unit.parent_id == sel.unit.id).order_by(Unit.level, Unit.name)).all()
    return render(request, "stats/dashboard.html", {
        "figures": figures, "unit": sel.unit, "period": sel.period, "choices": choices, "labels": BUCKET_LABELS,
        "trend": trend_points(db, sel.unit, sel.period, current=figures["dossiers"]), "children": children,
        "don_vi": sel.unit.code, "ky": sel.period.key if sel.period.preset else "", "tu_ngay": tu_ngay, "den_ngay": den_ngay,
        "query": scope_query(sel),
    })


@router.get("/thong-ke/bieu-do/{kind}.png")
def chart(kind: str, don_vi: str = "", ky: str = "", tu_ngay: str = "", den_ngay: str = "",
          db: Session = DB_SESSION, user: User = Depends(officer)):
    """Charts drawn on the server with matplotlib (a font with every Vietnamese letter)."""
    sel = select_typed(db, user, don_vi, ky, tu_ngay, den_ngay)
    with tempfile.TemporaryDirectory(prefix="cchc-chart-") as tmp:
        path = Path(tmp) / "chart.png"
        if kind == "xu-huong":
            points = [TrendPoint(p["label"], p["on_time_rate"], p["online_rate"]) for p in trend_points(db, sel.unit, sel.period)]
            trend_chart(path, "Tỷ lệ đúng hạn và tỷ lệ trực tuyến qua các kỳ", points)
        elif kind in ("dung-han", "truc-tuyen"):
            # As the report charts them: by level, or for a unit at one level by receiving unit or procedure field.
            dossiers = dossier_figures(db, sel.unit, sel.period.start, sel.period.end)
            levels = [lv for lv, v in dossiers["by_level"].items() if v["received_total"]]
            fields = [] if len(levels) > 1 else field_figures(db, sel.unit, sel.period.start, sel.period.end)
            key, what = ("on_time", "giải quyết đúng hạn") if kind == "dung-han" else ("online", "hồ sơ trực tuyến")
            by, items = rate_groups(dossiers, fields, one_bar=True)[key]
            if not items:
                raise ValidationError("Không phát sinh số liệu trong kỳ để vẽ biểu đồ này.")
            bar_chart(path, f"Tỷ lệ {what} theo {by}", items)
        else:
            raise ValidationError(f"Không có biểu đồ «{kind}».")
        return Response(path.read_bytes(), media_type="image/png", headers={"Cache-Control": "private, max-age=60"})
