"""Dashboard pages: a unit's figures for a period, the 766 index, charts and trends; every figure
links to the dossiers behind it. Numbers come from cchc.stats (SQL), never computed here."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.scope import scope_root
from cchc.errors import CchcError, PermissionDenied, ValidationError
from cchc.stats.dossiers import dossier_figures, explain
from cchc.stats.figures import all_figures
from cchc.stats.index766 import explain_indicator
from cchc.stats.scope import rate
from cchc.stats.periods import Period, current_quarter, presets_of_year, previous_periods, resolve_period
from cchc.units.models import Unit
from cchc.units.service import resolve_unit
from cchc.auth.deps import officer
from cchc.web.deps import DB_SESSION
from cchc.web.templating import render

router = APIRouter(include_in_schema=False)
TREND_PERIODS = 4

BUCKET_LABELS = {
    "received_total": "Tổng số hồ sơ tiếp nhận", "carried_over": "Từ kỳ trước chuyển qua", "new_total": "Mới tiếp nhận trong kỳ",
    "new_online": "Trực tuyến", "new_direct": "Trực tiếp", "new_postal": "Qua bưu chính công ích",
    "resolved_total": "Đã giải quyết", "resolved_early": "Trước hạn", "resolved_on_time": "Đúng hạn", "resolved_late": "Trễ hạn",
    "resolved_in_time": "Đúng và trước hạn", "refused": "Từ chối giải quyết", "withdrawn": "Rút hồ sơ", "stopped": "Dừng giải quyết",
    "in_progress_total": "Đang giải quyết", "in_progress_within": "Trong hạn", "in_progress_overdue": "Quá hạn",
}


@dataclass
class Selection:
    unit: Unit
    period: Period


def default_unit(db: Session, user: User) -> Unit:
    """The widest unit the user may look at: a reporting officer's province, otherwise their own unit."""
    root = scope_root(db, user)
    if root is not None:
        return root
    if user.unit_id:
        return db.get(Unit, user.unit_id)
    top = db.scalar(select(Unit).where(Unit.parent_id.is_(None), Unit.level == "tinh", Unit.valid_to.is_(None)).order_by(Unit.code))
    if top is None:
        raise ValidationError("Chưa có đơn vị nào trong hệ thống.")
    return top


def select_scope(db: Session, user: User, unit_code: str | None, period: str | None, start: str | None, end: str | None) -> Selection:
    unit = resolve_unit(db, unit_code) if unit_code else default_unit(db, user)
    if user.role != Role.SYSTEM_ADMIN:
        root = default_unit(db, user)
        if not unit.path.startswith(root.path):
            raise PermissionDenied(f"Bạn chỉ xem được số liệu của {root.name} và các đơn vị trực thuộc.")
    if period or start or end:
        chosen = resolve_period(period or None, start or None, end or None)
    else:
        chosen = current_quarter(clock.today())
    return Selection(unit, chosen)


def select_typed(db: Session, user: User, unit_code: str | None, period: str | None, start: str | None, end: str | None) -> Selection:
    """`select_scope` from a page's fields: empty fields are not given, dates are typed as 14/6/2024."""
    return select_scope(db, user, unit_code or None, period or None, _iso(start, "từ ngày"), _iso(end, "đến ngày"))


def scope_query(sel: Selection) -> str:
    """The query string that selects the same unit and window again (links, redirects, charts)."""
    return f"don_vi={quote(sel.unit.code)}&tu_ngay={vn.fmt_date(sel.period.start)}&den_ngay={vn.fmt_date(sel.period.end)}"


def trend_points(db: Session, unit: Unit, period: Period, n: int = TREND_PERIODS, current: dict | None = None) -> list[dict]:
    """The last `n` periods and this one; `current` (this period's dossier figures, when already computed) is reused."""
    points = []
    for p in [*previous_periods(period, n), period]:
        fig = current if (p is period and current is not None) else dossier_figures(db, unit, p.start, p.end)
        points.append({"label": p.label, "key": p.key, "on_time_rate": fig["on_time_rate"],
                       "online_rate": rate(fig["new_online"], fig["new_total"]), "received": fig["received_total"]})
    return points


def period_choices(today: date) -> list[tuple[str, str]]:
    """(key, label) of the presets of this year and last year that have started."""
    return [(p.key, f"{p.label} ({p.key})") for year in (today.year, today.year - 1) for p in presets_of_year(year) if p.start <= today]


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


def _iso(text: str | None, what: str) -> str | None:
    return vn.parse_date(text, what=what).isoformat() if text else None


@router.get("/thong-ke/ho-so")
def drill_down(request: Request, nhom: str, don_vi: str = "", ky: str = "", tu_ngay: str = "", den_ngay: str = "",
               chi_so: str = "", db: Session = DB_SESSION, user: User = Depends(officer)):
    """The dossiers behind a figure (or behind a 766 indicator's numerator and denominator)."""
    sel = select_typed(db, user, don_vi, ky, tu_ngay, den_ngay)
    if chi_so:
        detail = explain_indicator(db, sel.unit, sel.period.start, sel.period.end, chi_so, limit=500)
        return render(request, "stats/drill.html", {"unit": sel.unit, "period": sel.period, "indicator": detail, "codes": None,
                                                     "title": f"Chỉ số {chi_so}"})
    codes = explain(db, sel.unit, sel.period.start, sel.period.end, nhom, limit=500)
    return render(request, "stats/drill.html", {"unit": sel.unit, "period": sel.period, "codes": codes, "indicator": None,
                                                 "title": BUCKET_LABELS.get(nhom, nhom)})


@router.get("/thong-ke/bieu-do/{kind}.png")
def chart(kind: str, don_vi: str = "", ky: str = "", tu_ngay: str = "", den_ngay: str = "",
          db: Session = DB_SESSION, user: User = Depends(officer)):
    """Charts drawn on the server with matplotlib (a font with every Vietnamese letter)."""
    from cchc.reports.assembly import TrendPoint
    from cchc.reports.charts import bar_chart, trend_chart

    sel = select_typed(db, user, don_vi, ky, tu_ngay, den_ngay)
    with tempfile.TemporaryDirectory(prefix="cchc-chart-") as tmp:
        path = Path(tmp) / "chart.png"
        if kind == "xu-huong":
            points = [TrendPoint(p["label"], p["on_time_rate"], p["online_rate"]) for p in trend_points(db, sel.unit, sel.period)]
            trend_chart(path, "Tỷ lệ đúng hạn và tỷ lệ trực tuyến qua các kỳ", points)
        elif kind in ("dung-han", "truc-tuyen"):
            levels = dossier_figures(db, sel.unit, sel.period.start, sel.period.end)["by_level"]
            names = {"tinh": "Cấp tỉnh", "huyen": "Cấp huyện", "xa": "Cấp xã"}
            if kind == "dung-han":
                items = [(names[k], v["on_time_rate"]) for k, v in levels.items() if v["on_time_rate"] is not None]
                title = "Tỷ lệ giải quyết đúng hạn theo cấp"
            else:
                items = [(names[k], rate(v["new_online"], v["new_total"])) for k, v in levels.items() if v["new_total"]]
                title = "Tỷ lệ hồ sơ trực tuyến theo cấp"
            if not items:
                raise ValidationError("Không phát sinh số liệu trong kỳ để vẽ biểu đồ này.")
            bar_chart(path, title, items)
        else:
            raise ValidationError(f"Không có biểu đồ «{kind}».")
        return Response(path.read_bytes(), media_type="image/png", headers={"Cache-Control": "private, max-age=60"})
