"""API: the procedure catalogue — reading is public; editing (create, change, internal process, publications, lĩnh
vực) needs an account whose cells thu_tuc.* of the permission matrix reach the procedure's owning unit."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from cchc import clock
from cchc.auth.deps import current_user
from cchc.auth.models import User
from cchc.procedures import service
from cchc.procedures.schemas import ProcedureIn, ProcedureOut, PublicationIn, StepIn
from cchc.procedures.cache import catalogue_answer, catalogue_etag, matches
from cchc.procedures.catalogue import get_procedure, list_fields, search_procedures
from cchc.web.deps import DB_SESSION, check_csrf

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


# Reading is the same for everyone: any cache may keep an answer but must ask again (no-cache), and gets 304 while
# the catalogue and the day («in force today») are the same.
API_CACHE_CONTROL = "public, no-cache"
NOT_MODIFIED = {304: {"description": "Danh mục không đổi kể từ lần tải trước (If-None-Match khớp ETag)"}}


def _not_modified(request: Request, response: Response, db: Session) -> Response | None:
    etag = catalogue_etag(db, clock.now().date())
    headers = {"ETag": etag, "Cache-Control": API_CACHE_CONTROL}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return None


@router.get("/procedures", response_model=ProcedurePage, responses=NOT_MODIFIED, summary="Tìm thủ tục (không phân biệt dấu, hoa thường)")
def api_search(
    q: str | None = Query(None, description="Từ khóa, ví dụ «dang ky khai sinh»"),
    field: str | None = Query(None, description="Mã lĩnh vực"),
    level: str | None = Query(None, description="Cấp thực hiện: tinh, huyen, xa"),
    online: str | None = Query(None, description="Mức độ: toan_trinh, mot_phan, khong"),
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0),
    *,
    request: Request,
    response: Response,
    db: Session = DB_SESSION,
):
    if (unchanged := _not_modified(request, response, db)) is not None:
        return unchanged
    day = clock.now().date()

    def page(session: Session) -> bytes:
        items, total = search_procedures(session, q, field_code=field, level=level, online_level=online, limit=limit,
                                         offset=offset, today=day)
        return ProcedurePage(total=total, limit=limit, offset=offset,
                             items=[ProcedureOut.from_procedure(p, detail=False) for p in items]).model_dump_json().encode()

    body = catalogue_answer(db, ("api/procedures", q, field, level, online, limit, offset, day), page)
    return Response(body, media_type="application/json",
                    headers={k: response.headers[k] for k in ("ETag", "Cache-Control")})


@router.get("/procedures/{code}", response_model=ProcedureOut, responses=NOT_MODIFIED, summary="Chi tiết một thủ tục")
def api_procedure(code: str, request: Request, response: Response, db: Session = DB_SESSION):
    if (unchanged := _not_modified(request, response, db)) is not None:
        return unchanged
    return ProcedureOut.from_procedure(get_procedure(db, code))


@router.get("/fields", response_model=list[FieldOut], responses=NOT_MODIFIED, summary="Các lĩnh vực và số thủ tục")
def api_fields(request: Request, response: Response, db: Session = DB_SESSION):
    if (unchanged := _not_modified(request, response, db)) is not None:
        return unchanged
    return [FieldOut(code=f.code, name=f.name, procedures=n) for f, n in list_fields(db)]


# ---- editing: the owning unit's administrators or Quản trị hệ thống (cchc.procedures.service.check_may_edit) -----
WRITE = [Depends(check_csrf)]


class FieldIn(BaseModel):
    name: str


def _out(db: Session, code: str) -> ProcedureOut:
    db.expire_all()
    return ProcedureOut.from_procedure(get_procedure(db, code))


@router.post("/procedures", response_model=ProcedureOut, status_code=201, dependencies=WRITE,
             summary="Thêm thủ tục (cơ quan thực hiện trong phạm vi của người thêm; quy trình mặc định nếu không gửi)")
def api_create(body: ProcedureIn, db: Session = DB_SESSION, user: User = Depends(current_user)) -> ProcedureOut:
    procedure = service.create_procedure(db, user, body)
    return _out(db, procedure.code)


@router.patch("/procedures/{code}", response_model=ProcedureOut, dependencies=WRITE,
              summary="Sửa thủ tục (chỉ các trường gửi lên): cơ quan thực hiện hoặc Quản trị hệ thống")
def api_update(code: str, body: ProcedureIn, db: Session = DB_SESSION, user: User = Depends(current_user)) -> ProcedureOut:
    procedure = service.update_procedure(db, user, get_procedure(db, code), body)
    return _out(db, procedure.code)


@router.put("/procedures/{code}/steps", response_model=ProcedureOut, dependencies=WRITE,
            summary="Đặt quy trình nội bộ của thủ tục")
def api_steps(code: str, body: list[StepIn], db: Session = DB_SESSION, user: User = Depends(current_user)) -> ProcedureOut:
    procedure = get_procedure(db, code)
    service.set_steps(db, user, procedure, [s.model_dump(exclude_none=True) for s in body])
    return _out(db, procedure.code)


@router.post("/procedures/{code}/publications", response_model=ProcedureOut, status_code=201, dependencies=WRITE,
             summary="Ghi quyết định công bố (mới, sửa đổi, thay thế, bãi bỏ)")
def api_publication(code: str, body: PublicationIn, db: Session = DB_SESSION, user: User = Depends(current_user)) -> ProcedureOut:
    procedure = get_procedure(db, code)
    service.add_publication(
        db, user, procedure, body.decision_no, body.decision_date, body.kind, body.effective_date,
        legal_effective_date=body.legal_effective_date, published_on=body.published_on,
        replaced_by=body.replaced_by_code or None, note=body.note,
    )
    return _out(db, procedure.code)


@router.put("/fields/{code}", response_model=FieldOut, dependencies=WRITE, summary="Thêm hoặc đổi tên lĩnh vực (Quản trị hệ thống)")
def api_field(code: str, body: FieldIn, db: Session = DB_SESSION, user: User = Depends(current_user)) -> FieldOut:
    field = service.ensure_field(db, user, code, body.name)
    counts = {f.code: n for f, n in list_fields(db)}
    return FieldOut(code=field.code, name=field.name, procedures=counts.get(field.code, 0))
