"""API: the procedure catalogue (public)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from cchc.procedures.schemas import ProcedureOut
from cchc.procedures.service import get_procedure, list_fields, search_procedures
from cchc.web.deps import DB_SESSION

router = APIRouter(prefix="/api/v1", tags=["Thủ tục hành chính"])


class ProcedurePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ProcedureOut]


class FieldOut(BaseModel):
    code: str
    name: str
    procedures: int


@router.get("/procedures", response_model=ProcedurePage, summary="Tìm thủ tục (không phân biệt dấu, hoa thường)")
def api_search(
    q: str | None = Query(None, description="Từ khóa, ví dụ «dang ky khai sinh»"),
    field: str | None = Query(None, description="Mã lĩnh vực"),
    level: str | None = Query(None, description="Cấp thực hiện: tinh, huyen, xa"),
    online: str | None = Query(None, description="Mức độ: toan_trinh, mot_phan, khong"),
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0),
    db: Session = DB_SESSION,
) -> ProcedurePage:
    items, total = search_procedures(db, q, field_code=field, level=level, online_level=online, limit=limit, offset=offset)
    return ProcedurePage(total=total, limit=limit, offset=offset,
                         items=[ProcedureOut.from_procedure(p, detail=False) for p in items])


@router.get("/procedures/{code}", response_model=ProcedureOut, summary="Chi tiết một thủ tục")
def api_procedure(code: str, db: Session = DB_SESSION) -> ProcedureOut:
    return ProcedureOut.from_procedure(get_procedure(db, code))


@router.get("/fields", response_model=list[FieldOut], summary="Các lĩnh vực và số thủ tục")
def api_fields(db: Session = DB_SESSION) -> list[FieldOut]:
    return [FieldOut(code=f.code, name=f.name, procedures=n) for f, n in list_fields(db)]
