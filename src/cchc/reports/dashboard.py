"""The dashboard (/thong-ke): a unit's figures for a period. The first paint is the dossier figures (read from
the per-day counts: a fraction of a second at any size); the 766 panel, the trend, the charts, satisfaction and
liên thông are fragments loaded by htmx once the page is shown (hx-trigger="load", or "revealed" below the
fold), each from its own route. A closed period's figures come from the cache (cchc.stats.figure_cache:
invalidated by the data they read, so never stale). Charts are drawn in the browser by Apache ECharts
(node_modules/echarts, /vendor/echarts) from the JSON each fragment carries; the DOCX report keeps its own
matplotlib charts. Like the report, it gathers statistics, the registers and tasks, so it sits above them, in
reports; the dossiers behind a figure are the statistics' own page (cchc.stats.pages, /thong-ke/ho-so)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import clock
from cchc.auth.deps import officer
from cchc.auth.models import User
from cchc.errors import CchcError, NotFound
from cchc.periods import Period, period_choices, previous_periods
from cchc.rates import rate
from cchc.reports.assembly import rate_groups
from cchc.reports.figures import figures_of
from cchc.stats.pages import BUCKET_LABELS, Selection, scope_query, select_typed
from cchc.units.models import Unit
from cchc.web.deps import DB_SESSION
from cchc.web.templating import render

router = APIRouter(include_in_schema=False)
TREND_PERIODS = 4
LEVELS = (("tinh", "Cấp tỉnh"), ("huyen", "Cấp huyện"), ("xa", "Cấp xã"))


def trend_points(db: Session, unit: Unit, period: Period, n: int = TREND_PERIODS) -> list[dict]:
    """The last `n` periods and this one, each period's dossier figures cached once it is over."""
    points = []
    for p in [*previous_periods(period, n), period]:
        fig = figures_of(db, unit, p.start, p.end, "dossiers")
        points.append({"label": p.label, "key": p.key, "on_time_rate": fig["on_time_rate"],
                       "online_rate": rate(fig["new_online"], fig["new_total"]), "received": fig["received_total"]})
    return points


def trend_chart(points: list[dict]) -> dict | None:
    """The rates over the periods that have one (a period without dossiers is left out, as in the report)."""
    shown = [p for p in points if p["on_time_rate"] is not None or p["online_rate"] is not None]
    if len(shown) < 2:
        return None
    return {"type": "line", "title": "Tỷ lệ đúng hạn và tỷ lệ trực tuyến qua các kỳ", "labels": [p["key"] for p in shown],
            "series": [{"name": "Đúng và trước hạn", "values": [p["on_time_rate"] for p in shown]},
                       {"name": "Trực tuyến", "values": [p["online_rate"] for p in shown]}]}


def rate_charts(db: Session, sel: Selection, dossiers: dict) -> list[dict]:
    """The on-time and online rates as the report charts them: by level, or for a unit at one level by
    receiving unit or procedure field (one bar at least)."""
    levels = [lv for lv, v in dossiers["by_level"].items() if v["received_total"]]
    fields = [] if len(levels) > 1 else figures_of(db, sel.unit, sel.period.start, sel.period.end, "fields")["fields"]
    groups = rate_groups(dossiers, fields, one_bar=True)
    charts = []
    for key, what in (("on_time", "giải quyết đúng và trước hạn"), ("online", "hồ sơ trực tuyến")):
        by, items = groups[key]
        if items:
            charts.append({"type": "bar", "title": f"Tỷ lệ {what} theo {by}", "labels": [label for label, _ in items],
                           "series": [{"name": f"Tỷ lệ {what}", "values": [value for _, value in items]}]})
    return charts


def _selection_error(exc: CchcError) -> str:
    message = exc.message
    if "từ ngày" in message:
        return "tu_ngay"
    if "đến ngày" in message:
        return "den_ngay"
    return "don_vi" if "đơn vị" in message.lower() else "ky"


@router.get("/thong-ke")
def dashboard(request: Request, don_vi: str = "", ky: str = "", tu_ngay: str = "", den_ngay: str = "",
              db: Session = DB_SESSION, user: User = Depends(officer)):
    choices = period_choices(clock.today())
    typed = {"don_vi": don_vi, "ky": ky, "tu_ngay": tu_ngay, "den_ngay": den_ngay}
    try:
        sel = select_typed(db, user, don_vi, ky, tu_ngay, den_ngay)
    except CchcError as exc:
        return render(request, "stats/dashboard.html", {"dossiers": None, "choices": choices, "error": exc.message,
                                                         "error_field": _selection_error(exc), **typed},
                      status_code=exc.http_status)
    dossiers = figures_of(db, sel.unit, sel.period.start, sel.period.end, "dossiers")
    children = db.scalars(select(Unit).where(Unit.parent_id == sel.unit.id).order_by(Unit.level, Unit.name)).all()
    return render(request, "stats/dashboard.html", {
        "dossiers": dossiers, "unit": sel.unit, "period": sel.period, "choices": choices, "labels": BUCKET_LABELS,
        "levels": LEVELS, "children": children, **typed, "ky": sel.period.key if sel.period.preset else "",
        "query": scope_query(sel),
    })


FRAGMENTS = ("chi-so-766", "xu-huong", "bieu-do", "hai-long", "lien-thong")


@router.get("/thong-ke/phan/{part}")
def fragment(request: Request, part: str, don_vi: str = "", ky: str = "", tu_ngay: str = "", den_ngay: str = "",
             db: Session = DB_SESSION, user: User = Depends(officer)):
    """One lazily loaded panel of the dashboard (an HTML fragment, swapped in by htmx)."""
    if part not in FRAGMENTS:
        raise NotFound(f"Không có phần «{part}» của trang thống kê (có: {', '.join(FRAGMENTS)}).")
    sel = select_typed(db, user, don_vi, ky, tu_ngay, den_ngay)
    u, p = sel.unit, sel.period
    ctx: dict = {"unit": u, "period": p, "query": scope_query(sel), "levels": LEVELS}
    if part == "chi-so-766":
        ctx["idx"] = figures_of(db, u, p.start, p.end, "index766")
    elif part == "xu-huong":
        ctx["trend"] = trend_points(db, u, p)
        ctx["chart"] = trend_chart(ctx["trend"])
    elif part == "bieu-do":
        dossiers = figures_of(db, u, p.start, p.end, "dossiers")
        ctx["charts"] = rate_charts(db, sel, dossiers)
    elif part == "hai-long":
        ctx["sat"] = figures_of(db, u, p.start, p.end, "satisfaction")
    else:
        ctx["lt"] = figures_of(db, u, p.start, p.end, "interagency")
    return render(request, f"stats/part_{part.replace('-', '_')}.html", ctx)
