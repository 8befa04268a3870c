"""API: dossiers — receipt, online submission, every workflow action, files, inbox and search.

Each route calls the same service function as the pages and the CLI; the rules (who may act, in
which state) live there, and a refusal comes back as 4xx with its Vietnamese message.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.calendar.service import due_for_procedure, session_calendar
from cchc.dossiers import service
from cchc.dossiers.enums import Channel, OnlinePayment, State
from cchc.dossiers.files import attach_file, read_file
from cchc.dossiers.models import Dossier, DossierFile
from cchc.dossiers.receiving_units import require_handling_unit
from cchc.dossiers.schemas import ApplicantIn, ComponentIn, DossierOut
from cchc.errors import NotFound, ValidationError
from cchc.procedures.cache import receivable
from cchc.units.models import Unit
from cchc.units.service import resolve_unit
from cchc.values import moment
from cchc.auth.deps import current_user, login_method
from cchc.web.deps import DB_SESSION, check_csrf

router = APIRouter(prefix="/api/v1/dossiers", tags=["Hồ sơ"], dependencies=[Depends(check_csrf)])


class DossierDetail(DossierOut):
    state_label: str = ""
    allowed_actions: list[str] = []


class DossierRow(BaseModel):
    code: str
    procedure_id: int
    applicant_name: str
    state: str
    state_label: str
    channel: int
    received_at: datetime | None
    due_at: datetime | None
    current_role: str | None


class DossierList(BaseModel):
    total: int
    items: list[DossierRow]


class InboxOut(DossierList):
    overdue: int
    due_soon: int


class ReceiveIn(BaseModel):
    procedure_code: str
    unit_code: str | None = None  # default: the officer's unit
    channel: Channel = Channel.DIRECT
    applicant: ApplicantIn
    components: list[ComponentIn] = []
    request_summary: str = ""
    copies: int = 1
    vneid_verified: bool = False


class SubmitIn(BaseModel):
    procedure_code: str
    unit_code: str
    applicant: ApplicantIn
    components: list[ComponentIn] = []
    request_summary: str = ""
    result_delivery: str = "truc_tiep"


class NoteIn(BaseModel):
    note: str = ""


class ReasonIn(BaseModel):
    reason: str


class AssignIn(BaseModel):
    username: str


class SupplementRequestIn(BaseModel):
    reason: str
    items: list[str] = []


class ApologyIn(BaseModel):
    reason: str
    new_due_at: datetime


class AmountIn(BaseModel):
    amount: Decimal


class PaymentIn(BaseModel):
    amount: Decimal
    online: OnlinePayment = OnlinePayment.NONE


class FinishIn(BaseModel):
    result_number: str
    result_summary: str


class SignIn(BaseModel):
    password: str = Field("", description="Mật khẩu (mã PIN) của khóa ký số của lãnh đạo; bỏ trống khi ký số từ xa")


class DigitizedIn(BaseModel):
    components: bool | None = None
    result: bool | None = None


class DuePreview(BaseModel):
    procedure_code: str
    received_at: datetime
    due_at: datetime


def detail(session: Session, user: User, dossier: Dossier) -> DossierDetail:
    out = DossierDetail.model_validate(dossier)
    out.state_label = State(dossier.state).label
    out.allowed_actions = service.allowed_actions(session, user, dossier)
    return out


def row(d: Dossier) -> DossierRow:
    return DossierRow(code=d.code, procedure_id=d.procedure_id, applicant_name=d.applicant_name, state=d.state,
                      state_label=State(d.state).label, channel=d.channel, received_at=d.received_at, due_at=d.due_at,
                      current_role=d.current_role)


def _unit_for(session: Session, user: User, code: str | None) -> Unit:
    if code:
        return resolve_unit(session, code)
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    if unit is None:
        raise ValidationError("Chưa chọn đơn vị tiếp nhận.", field="unit_code")
    return unit


def _dossier(session: Session, user: User, code: str) -> Dossier:
    return service.get_dossier(session, user, code)


@router.get("", response_model=DossierList, summary="Tìm hồ sơ (trong phạm vi của người dùng)")
def api_search(
    q: str | None = Query(None, description="Mã hồ sơ, tên chủ hồ sơ hoặc tên thủ tục (không phân biệt dấu)"),
    state: str | None = None,
    procedure: str | None = None,
    date_from: date | None = Query(None, alias="from"),
    date_to: date | None = Query(None, alias="to"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    db: Session = DB_SESSION,
    user: User = Depends(current_user),
) -> DossierList:
    page = service.search_dossiers(db, user, q=q, state=state, procedure_code=procedure, date_from=date_from,
                                   date_to=date_to, limit=limit, offset=offset)
    return DossierList(total=page.total, items=[row(d) for d in page.items])


@router.get("/inbox", response_model=InboxOut, summary="Hồ sơ đang chờ người dùng xử lý")
def api_inbox(limit: int = Query(50, ge=1, le=500), db: Session = DB_SESSION, user: User = Depends(current_user)) -> InboxOut:
    box = service.inbox(db, user, limit=limit)
    return InboxOut(total=box.total, overdue=box.overdue, due_soon=box.due_soon, items=[row(d) for d in box.items])


@router.get("/due-preview", response_model=DuePreview, summary="Ngày hẹn trả nếu tiếp nhận bây giờ")
def api_due_preview(procedure_code: str, db: Session = DB_SESSION, user: User = Depends(current_user)) -> DuePreview:
    procedure = receivable(db, procedure_code)
    now = moment(None)
    return DuePreview(procedure_code=procedure.code, received_at=now, due_at=due_for_procedure(session_calendar(db), procedure, now))


class ReceiptOut(BaseModel):
    """What the counter needs back from a receipt: the code to print, the due date to tell, the state."""

    code: str
    state: str
    state_label: str
    status_code: int
    received_at: datetime | None
    due_at: datetime | None
    link: str


RECEIPT_DOC = ("Trả lời 201 gọn: mã hồ sơ, trạng thái, ngày hẹn trả và đường dẫn (tiêu đề Location) tới chi tiết hồ sơ. "
               "Thêm ?detail=1 để nhận ngay chi tiết đầy đủ (như GET đường dẫn đó).")


def _json(model: BaseModel, status_code: int, headers: dict[str, str]) -> Response:
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json", headers=headers)


@router.post("", response_model=ReceiptOut | DossierDetail, status_code=201, description=RECEIPT_DOC,
             summary="Tiếp nhận hồ sơ tại Bộ phận Một cửa (trực tiếp, bưu chính)")
def api_receive(body: ReceiveIn, detail_: bool = Query(False, alias="detail", description="Trả về chi tiết đầy đủ của hồ sơ"),
                db: Session = DB_SESSION, user: User = Depends(current_user)) -> Response:
    dossier = service.receive(
        db, user, procedure=receivable(db, body.procedure_code), unit=_unit_for(db, user, body.unit_code),
        channel=body.channel, applicant=body.applicant, components=body.components, request_summary=body.request_summary,
        copies=body.copies, vneid_verified=body.vneid_verified,
    )
    link = f"{router.prefix}/{quote(dossier.code)}"
    if detail_:
        return _json(detail(db, user, dossier), 201, {"Location": link})
    return _json(receipt(dossier, link), 201, {"Location": link})


def receipt(dossier: Dossier, link: str) -> ReceiptOut:
    return ReceiptOut(code=dossier.code, state=dossier.state, state_label=State(dossier.state).label,
                      status_code=dossier.status_code, received_at=dossier.received_at, due_at=dossier.due_at, link=link)


@router.post("/online", response_model=DossierDetail, status_code=201, summary="Nộp hồ sơ trực tuyến (công dân)")
def api_submit(body: SubmitIn, request: Request, db: Session = DB_SESSION, user: User = Depends(current_user)) -> DossierDetail:
    procedure, unit = receivable(db, body.procedure_code), resolve_unit(db, body.unit_code)
    if user.role == Role.CITIZEN:  # whoever else is refused by submit_online itself
        require_handling_unit(db, procedure, unit, moment(None).date())  # only the units the online form offers
    dossier = service.submit_online(
        db, user, procedure=procedure, unit=unit,
        applicant=body.applicant, components=body.components, request_summary=body.request_summary,
        result_delivery=body.result_delivery,
        vneid_verified=user.role == Role.CITIZEN and login_method(request, db) == "citizen",
    )
    return detail(db, user, dossier)


@router.get("/{code}", response_model=DossierDetail, summary="Chi tiết hồ sơ, quá trình xử lý và các thao tác được phép")
def api_get(code: str, db: Session = DB_SESSION, user: User = Depends(current_user)) -> DossierDetail:
    return detail(db, user, _dossier(db, user, code))


def _action(name: str, summary: str, body_model, call):
    def endpoint(code: str, body: body_model, db: Session = DB_SESSION, user: User = Depends(current_user)) -> DossierDetail:  # type: ignore[valid-type]
        dossier = _dossier(db, user, code)
        call(db, user, dossier, body)
        return detail(db, user, dossier)

    endpoint.__annotations__["body"] = body_model  # a real class, not the postponed string annotation
    endpoint.__name__ = f"api_{name.replace('-', '_')}"
    router.post(f"/{{code}}/{name}", response_model=DossierDetail, summary=summary)(endpoint)


def _assignee(db: Session, username: str) -> User:
    found = db.scalar(select(User).where(User.username == username.strip().lower()))
    if found is None:
        raise NotFound(f"Không có cán bộ với tên đăng nhập «{username}».")
    return found


_action("accept", "Tiếp nhận hồ sơ nộp trực tuyến", NoteIn, lambda db, u, d, b: service.accept(db, u, d))
_action("reject", "Không tiếp nhận hồ sơ nộp trực tuyến (nêu lý do)", ReasonIn, lambda db, u, d, b: service.reject_submission(db, u, d, b.reason))
_action("forward", "Chuyển bước tiếp theo", NoteIn, lambda db, u, d, b: service.forward(db, u, d, b.note))
_action("send-back", "Trả lại bước trước", ReasonIn, lambda db, u, d, b: service.send_back(db, u, d, b.reason))
_action("assign", "Phân công cán bộ xử lý bước hiện tại", AssignIn, lambda db, u, d, b: service.assign(db, u, d, _assignee(db, b.username)))
_action("request-supplement", "Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02) — chỉ một lần", SupplementRequestIn,
        lambda db, u, d, b: service.request_supplement(db, u, d, b.reason, b.items))
_action("supplement", "Công dân đã bổ sung hồ sơ", NoteIn, lambda db, u, d, b: service.supplement(db, u, d, b.note))
_action("apologize", "Xin lỗi và hẹn lại ngày trả (Mẫu 04) — chỉ một lần", ApologyIn,
        lambda db, u, d, b: service.apologize(db, u, d, b.reason, b.new_due_at))
_action("refuse", "Từ chối giải quyết (Mẫu 03)", ReasonIn, lambda db, u, d, b: service.refuse(db, u, d, b.reason))
_action("withdraw", "Công dân rút hồ sơ", ReasonIn, lambda db, u, d, b: service.withdraw(db, u, d, b.reason))
_action("stop", "Dừng giải quyết (Mẫu 05)", ReasonIn, lambda db, u, d, b: service.stop(db, u, d, b.reason))
_action("request-financial", "Yêu cầu thực hiện nghĩa vụ tài chính", AmountIn, lambda db, u, d, b: service.request_financial(db, u, d, b.amount))
_action("record-payment", "Ghi nhận đã nộp phí, lệ phí", PaymentIn, lambda db, u, d, b: service.record_payment(db, u, d, b.amount, b.online))
_action("finish", "Hoàn thành xử lý, có kết quả", FinishIn,
        lambda db, u, d, b: service.finish(db, u, d, result_number=b.result_number, result_summary=b.result_summary))
_action("sign-result", "Lãnh đạo ký số kết quả (tệp kết quả PDF mới nhất); chữ ký được xác minh ngay", SignIn,
        lambda db, u, d, b: service.sign_result(db, u, d, password=b.password))
_action("return-result", "Trả kết quả cho công dân", NoteIn, lambda db, u, d, b: service.return_result(db, u, d))
_action("digitized", "Đánh dấu số hóa thành phần hồ sơ, kết quả", DigitizedIn,
        lambda db, u, d, b: service.mark_digitized(db, u, d, components=b.components, result=b.result))


@router.post("/{code}/files", response_model=DossierDetail, status_code=201, summary="Tải tệp lên hồ sơ (thành phần, bổ sung, kết quả)")
async def api_upload(
    code: str,
    kind: str = Form(..., description="thanh_phan | bo_sung | ket_qua"),
    component_id: int | None = Form(None),
    file: UploadFile = File(...),
    db: Session = DB_SESSION,
    user: User = Depends(current_user),
) -> DossierDetail:
    dossier = _dossier(db, user, code)
    # The spooled upload is copied to the store in chunks (never read whole into memory).
    attach_file(db, user, dossier, kind, file.filename or "tep", file.file, file.content_type or "", component=component_id)
    return detail(db, user, dossier)


@router.get("/{code}/files/{file_id}", summary="Tải tệp của hồ sơ", response_class=Response)
def api_download(code: str, file_id: int, db: Session = DB_SESSION, user: User = Depends(current_user)) -> Response:
    dossier = _dossier(db, user, code)
    stored = db.get(DossierFile, file_id)
    if stored is None or stored.dossier_id != dossier.id:
        raise NotFound("Không tìm thấy tệp này trong hồ sơ.")
    return Response(read_file(stored), media_type=stored.content_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(stored.filename)}"})
