"""API: every figure of a unit and period (all_figures), GET /api/v1/stats. It gathers every domain's figures,
as the dashboard does, so it lives in reports; the rest of /api/v1/stats (the 766 index, the dossiers behind a
figure) is the statistics' own (cchc.stats.views), listed right after it."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from cchc.auth.models import User
from cchc.reports.figures import all_figures
from cchc.stats.pages import select_scope
from cchc.auth.deps import officer
from cchc.web.deps import DB_SESSION

router = APIRouter(prefix="/api/v1/stats", tags=["Thống kê"])


@router.get("", summary="Mọi số liệu của đơn vị trong kỳ (hồ sơ, thủ tục, trực tuyến, số hóa, PAKN, chỉ số 766)")
def api_figures(unit: str | None = Query(None, description="Mã đơn vị (mặc định: đơn vị của người dùng)"),
                period: str | None = Query(None, description="Kỳ, ví dụ 2025-Q3, 2025-H1, 2025-Y"),
                start: date | None = Query(None, alias="from"), end: date | None = Query(None, alias="to"),
                db: Session = DB_SESSION, user: User = Depends(officer)) -> dict:
    sel = select_scope(db, user, unit, period, start.isoformat() if start else None, end.isoformat() if end else None)
    return all_figures(db, sel.unit, sel.period.start, sel.period.end, period=sel.period)
