"""API: statistics, the 766 index and the dossiers behind a figure, for a unit and a period."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from cchc.auth.models import User
from cchc.stats.dossiers import explain
from cchc.stats.figures import all_figures
from cchc.stats.index766 import compute_index, explain_indicator
from cchc.stats.pages import select_scope
from cchc.auth.deps import officer
from cchc.web.deps import DB_SESSION

router = APIRouter(prefix="/api/v1/stats", tags=["Thống kê"])


def _sel(db, user, unit, period, start, end):
    return select_scope(db, user, unit, period, start.isoformat() if start else None, end.isoformat() if end else None)


@router.get("", summary="Mọi số liệu của đơn vị trong kỳ (hồ sơ, thủ tục, trực tuyến, số hóa, PAKN, chỉ số 766)")
def api_figures(unit: str | None = Query(None, description="Mã đơn vị (mặc định: đơn vị của người dùng)"),
                period: str | None = Query(None, description="Kỳ, ví dụ 2025-Q3, 2025-H1, 2025-Y"),
                start: date | None = Query(None, alias="from"), end: date | None = Query(None, alias="to"),
                db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    sel = _sel(db, user, unit, period, start, end)
    return all_figures(db, sel.unit, sel.period.start, sel.period.end, period=sel.period)


@router.get("/index766", summary="Bộ chỉ số 766 của đơn vị trong kỳ")
def api_index(unit: str | None = None, period: str | None = None, start: date | None = Query(None, alias="from"),
              end: date | None = Query(None, alias="to"), db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    sel = _sel(db, user, unit, period, start, end)
    return compute_index(db, sel.unit, sel.period.start, sel.period.end).as_dict()


@router.get("/explain", summary="Danh sách hồ sơ đứng sau một số liệu (nhóm) hoặc một chỉ số 766")
def api_explain(bucket: str | None = None, indicator: str | None = None, unit: str | None = None, period: str | None = None,
                start: date | None = Query(None, alias="from"), end: date | None = Query(None, alias="to"),
                limit: int = Query(200, ge=1, le=5000), db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    from cchc.errors import ValidationError

    sel = _sel(db, user, unit, period, start, end)
    if indicator:
        return explain_indicator(db, sel.unit, sel.period.start, sel.period.end, indicator, limit=limit)
    if not bucket:
        raise ValidationError("Cần chỉ rõ nhóm số liệu (bucket) hoặc chỉ số (indicator).", field="bucket")
    return {"bucket": bucket, "codes": explain(db, sel.unit, sel.period.start, sel.period.end, bucket, limit=limit)}
