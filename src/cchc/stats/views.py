"""API: the 766 index and the dossiers behind a figure, for a unit and a period. The first route of
/api/v1/stats, every figure of a unit and period, gathers every domain's and lives in cchc.reports.views."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from cchc.auth.models import User
from cchc.errors import ValidationError
from cchc.stats.dossiers import explain
from cchc.stats.index766 import compute_index, explain_indicator
from cchc.stats.pages import select_scope
from cchc.auth.deps import officer
from cchc.web.deps import DB_SESSION

router = APIRouter(prefix="/api/v1/stats", tags=["Thống kê"])


def _sel(db, user, unit, period, start, end):
    return select_scope(db, user, unit, period, start.isoformat() if start else None, end.isoformat() if end else None)


@router.get("/index766", summary="Bộ chỉ số 766 của đơn vị trong kỳ")
def api_index(unit: str | None = None, period: str | None = None, start: date | None = Query(None, alias="from"),
              end: date | None = Query(None, alias="to"), db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    sel = _sel(db, user, unit, period, start, end)
    return compute_index(db, sel.unit, sel.period.start, sel.period.end).as_dict()


@router.get("/explain", summary="Danh sách hồ sơ đứng sau một số liệu (nhóm) hoặc một chỉ số 766")
def api_explain(bucket: str | None = None, indicator: str | None = None, unit: str | None = None, period: str | None = None,
                start: date | None = Query(None, alias="from"), end: date | None = Query(None, alias="to"),
                limit: int = Query(200, ge=1, le=5000), db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    sel = _sel(db, user, unit, period, start, end)
    if indicator:
        return explain_indicator(db, sel.unit, sel.period.start, sel.period.end, indicator, limit=limit)
    if not bucket:
        raise ValidationError("Cần chỉ rõ nhóm số liệu (bucket) hoặc chỉ số (indicator).", field="bucket")
    return {"bucket": bucket, "codes": explain(db, sel.unit, sel.period.start, sel.period.end, bucket, limit=limit)}
