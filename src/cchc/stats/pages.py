"""The statistics' pages: the dossiers behind a figure or a 766 indicator (/thong-ke/ho-so), and the choice of
unit and period every figure page shares (select_scope, select_typed, scope_query) — the dashboard and the
report (cchc.reports), which gather every domain's figures, use it from above. Numbers come from SQL."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.scope import scope_root
from cchc.errors import PermissionDenied
from cchc.periods import Period, current_quarter, resolve_period
from cchc.stats.dossiers import explain
from cchc.stats.index766 import explain_indicator
from cchc.units.models import Unit
from cchc.units.scope import top_province
from cchc.units.service import resolve_unit
from cchc.auth.deps import officer
from cchc.web.deps import DB_SESSION
from cchc.web.templating import render

router = APIRouter(include_in_schema=False)

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
    return top_province(db)


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
