"""API: feedback (phản ánh, kiến nghị — PAKN) — send, the published answers, officers' actions, votes.

Also the read helpers the PAKN pages share (find by code, who may see what, the published list,
the officers' inbox, which actions a user may take now). Every state change goes through
cchc.feedback.service; a refusal comes back as 4xx with its Vietnamese message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.scope import in_scope, scope_units_query
from cchc.calendar.service import session_calendar
from cchc.dossiers.models import Dossier
from cchc.errors import FieldChecks, NotFound, PermissionDenied, ValidationError
from cchc.feedback import service
from cchc.feedback.enums import Category, Channel, FeedbackState
from cchc.feedback.models import Feedback, FeedbackEvent, FeedbackVote
from cchc.procedures.models import Procedure
from cchc.units.models import Unit
from cchc.units.service import resolve_unit
from cchc.values import moment
from cchc.vn import search_fold
from cchc.auth.deps import current_user, optional_user
from cchc.web.deps import DB_SESSION, check_csrf, csrf_token

router = APIRouter(prefix="/api/v1/feedback", tags=["Phản ánh, kiến nghị"], dependencies=[Depends(check_csrf)])

# Officers' actions: URL name → label (the service function is called by `perform`).
ACTIONS = {
    "accept": "Nhận xử lý",
    "request-supplement": "Yêu cầu bổ sung thông tin",
    "refuse": "Từ chối tiếp nhận",
    "forward": "Chuyển cơ quan có thẩm quyền",
    "answer": "Trả lời",
    "publish": "Công khai kết quả",
    "supplement": "Bổ sung thông tin",
}


# ---- who sends ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PortalVisitor:
    """A person sending feedback on the portal without an account: acts as a citizen with no user id."""

    full_name: str
    role: str = Role.CITIZEN.value
    id: None = None
    unit_id: None = None
    username: str = ""


# ---- reads shared with the pages ----------------------------------------------------------------
def get_by_code(session: Session, code: str) -> Feedback:
    code = (code or "").strip()
    feedback = session.scalar(select(Feedback).where(Feedback.code == code))
    if feedback is None:
        raise NotFound(f"Không tìm thấy phản ánh, kiến nghị mã «{code}».")
    return feedback


def is_sender(user: User | None, feedback: Feedback) -> bool:
    return user is not None and feedback.sender_user_id is not None and feedback.sender_user_id == user.id


def is_officer_of(session: Session, user: User | None, feedback: Feedback) -> bool:
    """An officer whose scope covers the handling unit (sees the whole record)."""
    return user is not None and user.role != Role.CITIZEN and user.active and in_scope(session, user, feedback.unit_id)


def visible(session: Session, user: User | None, code: str) -> Feedback:
    """The feedback if this user may see it: published answers are public; otherwise its sender and the unit's officers."""
    feedback = get_by_code(session, code)
    if feedback.state == FeedbackState.PUBLISHED or is_sender(user, feedback) or is_officer_of(session, user, feedback):
        return feedback
    # Do not tell strangers that an unpublished feedback exists.
    raise NotFound(f"Không tìm thấy phản ánh, kiến nghị mã «{feedback.code}» trong các PAKN đã công khai.")


def for_officer(session: Session, user: User, code: str) -> Feedback:
    feedback = get_by_code(session, code)
    if not is_officer_of(session, user, feedback):
        raise PermissionDenied(f"PAKN {feedback.code} không thuộc đơn vị của bạn: cán bộ chỉ xử lý PAKN của đơn vị mình.")
    return feedback


def _text_filter(q: str | None):
    """`q`, with or without accents, in the code, title, content or answer."""
    key = search_fold(q)
    if not key:
        return None
    return Feedback.search_text.contains(key, autoescape=True)


def published(session: Session, q: str | None = None, limit: int = 20, offset: int = 0) -> tuple[list[Feedback], int]:
    """Published answers, newest first, filtered by a text in the title, content, answer or code."""
    if limit < 1 or limit > 200:
        raise ValidationError("Số dòng mỗi trang phải từ 1 đến 200.", field="limit")
    if offset < 0:
        raise ValidationError("Vị trí bắt đầu không được âm.", field="offset")
    conds = [Feedback.state == FeedbackState.PUBLISHED.value]
    text = _text_filter(q)
    if text is not None:
        conds.append(text)
    total = session.scalar(select(func.count()).select_from(Feedback).where(*conds)) or 0
    items = list(session.scalars(select(Feedback).where(*conds).order_by(Feedback.published_at.desc(), Feedback.id.desc())
                                 .limit(limit).offset(offset)))
    return items, int(total)


def inbox(session: Session, user: User, state: str | None = None, q: str | None = None, limit: int = 50,
          offset: int = 0) -> tuple[list[Feedback], int]:
    """The PAKN of the officer's units: open and waiting-for-publication ones by default, oldest deadline first."""
    if user.role == Role.CITIZEN:
        raise PermissionDenied("Trang này chỉ dành cho cán bộ.")
    conds = []
    units = scope_units_query(session, user)
    if units is not None:
        conds.append(Feedback.unit_id.in_(units))
    if state:
        if state not in FeedbackState._value2member_map_:
            raise ValidationError(f"Trạng thái PAKN «{state}» không hợp lệ.", field="trang_thai")
        conds.append(Feedback.state == state)
    else:
        conds.append(Feedback.state.in_([s.value for s in (FeedbackState.NEW, FeedbackState.SUPPLEMENT,
                                                            FeedbackState.PROCESSING, FeedbackState.READY)]))
    text = _text_filter(q)
    if text is not None:
        conds.append(text)
    total = session.scalar(select(func.count()).select_from(Feedback).where(*conds)) or 0
    items = list(session.scalars(select(Feedback).where(*conds).order_by(Feedback.received_at, Feedback.id).limit(limit).offset(offset)))
    return items, int(total)


def of_sender(session: Session, user: User, limit: int = 50) -> list[Feedback]:
    return list(session.scalars(select(Feedback).where(Feedback.sender_user_id == user.id)
                                .order_by(Feedback.received_at.desc(), Feedback.id.desc()).limit(limit)))


def voted(session: Session, user: User | None, feedback_ids: list[int]) -> dict[int, str]:
    """{feedback id: the user's vote} for these feedback."""
    if user is None or not feedback_ids:
        return {}
    rows = session.execute(select(FeedbackVote.feedback_id, FeedbackVote.value)
                           .where(FeedbackVote.user_id == user.id, FeedbackVote.feedback_id.in_(feedback_ids)))
    return {fid: value for fid, value in rows}


def unit_names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all()) if ids else {}


def dossier_code_of(session: Session, f: Feedback) -> str | None:
    """The code of the dossier the feedback is about, if any."""
    return session.scalar(select(Dossier.code).where(Dossier.id == f.dossier_id)) if f.dossier_id else None


def procedure_labels(session: Session, ids) -> dict[int, tuple[str, str]]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {pid: (code, name) for pid, code, name in session.execute(
        select(Procedure.id, Procedure.code, Procedure.name).where(Procedure.id.in_(ids)))}


# ---- actions ------------------------------------------------------------------------------------
def _call(session: Session, user: Any, feedback: Feedback, action: str, data: dict[str, Any]) -> None:
    cal = session_calendar(session)
    text = lambda key: str(data.get(key) or "")  # noqa: E731
    if action == "accept":
        service.accept(session, user, feedback, text("note"))
    elif action == "request-supplement":
        service.request_supplement(session, user, feedback, text("request"), calendar=cal)
    elif action == "supplement":
        service.supplement(session, user, feedback, text("content"), calendar=cal)
    elif action == "refuse":
        service.refuse(session, user, feedback, text("reason"), calendar=cal)
    elif action == "forward":
        service.forward(session, user, feedback, text("to"), text("note"), calendar=cal)
    elif action == "answer":
        service.answer(session, user, feedback, text("answer"), calendar=cal)
    elif action == "publish":
        service.publish(session, user, feedback, calendar=cal)
    else:
        raise NotFound(f"Thao tác «{action}» không có (dùng: {', '.join(ACTIONS)}).")


def perform(session: Session, user: Any, feedback: Feedback, action: str, data: dict[str, Any]) -> Feedback:
    """Run one action of cchc.feedback.service named by its URL name."""
    _call(session, user, feedback, action, data)
    session.flush()
    return feedback


def allowed_actions(user: Any, feedback: Feedback) -> list[str]:
    """The actions this user may take now, by their URL names: the actions' own checks in cchc.feedback.service."""
    allowed = set(service.allowed_actions(user, feedback))
    return [action for action in ACTIONS if action.replace("-", "_") in allowed]


def send(session: Session, user: User | None, form: dict[str, Any]) -> Feedback:
    """Feedback sent on the portal (kênh cổng dịch vụ công): about a procedure, a dossier or an official's conduct.

    The handling unit: the one chosen, else the dossier's receiving unit, else the procedure's agency.
    Without an account the sender's contact is required. Every field in error is reported at once
    (FieldErrors), each under its own name.
    """
    if user is not None and user.role != Role.CITIZEN:
        raise PermissionDenied("Cán bộ ghi nhận PAKN tại trang xử lý PAKN của đơn vị; trang này dành cho công dân.")
    text = lambda key: str(form.get(key) or "").strip()  # noqa: E731
    checks = FieldChecks()
    category = text("category") or Category.PROCEDURE_RULES.value
    if category not in Category._value2member_map_:
        checks.add("category", f"Phân loại «{category}» không hợp lệ (chọn: {', '.join(c.label for c in Category)}).")
    procedure = dossier = unit = None
    if text("procedure_code"):
        procedure = session.scalar(select(Procedure).where(Procedure.code == text("procedure_code")))
        if procedure is None:
            checks.add("procedure_code", f"Không tìm thấy thủ tục mã «{text('procedure_code')}».")
    if text("dossier_code"):
        dossier = session.scalar(select(Dossier).where(Dossier.code == text("dossier_code")))
        if dossier is None:
            checks.add("dossier_code", f"Không tìm thấy hồ sơ mã «{text('dossier_code')}».")
    if text("unit_code"):
        try:
            unit = resolve_unit(session, text("unit_code"))
        except NotFound as exc:
            checks.add("unit_code", exc.message)
    unit_id = unit.id if unit else dossier.unit_id if dossier else procedure.agency_unit_id if procedure else None
    if unit_id is None and not (checks.has("unit_code") or checks.has("dossier_code") or checks.has("procedure_code")):
        checks.add("unit_code", "Chọn cơ quan nhận phản ánh, kiến nghị (hoặc nhập mã hồ sơ liên quan).")
    if procedure is None and dossier is not None:
        procedure = session.get(Procedure, dossier.procedure_id)
    if len(text("title")) > 500:
        checks.add("title", f"Tiêu đề dài {len(text('title'))} ký tự, tối đa 500 ký tự.")
    if not text("content"):
        checks.add("content", "Nhập nội dung phản ánh, kiến nghị.")
    if user is None and not text("sender_name"):
        checks.add("sender_name", "Nhập họ tên người phản ánh.")
    if len(text("sender_name")) > 255:
        checks.add("sender_name", "Họ tên người phản ánh tối đa 255 ký tự.")
    if user is None and not text("sender_contact"):
        checks.add("sender_contact", "Khi không đăng nhập, phải ghi số điện thoại, thư điện tử hoặc địa chỉ để nhận trả lời.")
    if len(text("sender_contact")) > 255:
        checks.add("sender_contact", "Thông tin liên hệ tối đa 255 ký tự.")
    checks.raise_if_any()
    actor: Any = user if user is not None else PortalVisitor(full_name=text("sender_name"))
    sender_name = text("sender_name") or (user.full_name if user else "")
    contact = text("sender_contact") or (", ".join(x for x in ((user.phone, user.email) if user else ()) if x))
    return service.receive(
        session, actor, unit_id=unit_id, content=text("content"), category=category, channel=Channel.PORTAL.value,
        sender_name=sender_name, sender_contact=contact, title=text("title"),
        procedure_id=procedure.id if procedure else None, dossier_id=dossier.id if dossier else None,
        calendar=session_calendar(session),
    )


# ---- API shapes ---------------------------------------------------------------------------------
# Text fields default to "" so that a missing one gets the service's own Vietnamese message.
class FeedbackIn(BaseModel):
    category: str = Field(Category.PROCEDURE_RULES.value, description="quy_dinh_tthc | hanh_vi_can_bo | khac")
    title: str = ""
    content: str = ""
    sender_name: str = ""
    sender_contact: str = ""
    procedure_code: str = ""
    dossier_code: str = ""
    unit_code: str = ""


class NoteIn(BaseModel):
    note: str = ""


class SupplementRequestIn(BaseModel):
    request: str = Field("", description="Thông tin người gửi cần bổ sung")


class SupplementIn(BaseModel):
    content: str = Field("", description="Thông tin bổ sung")


class ReasonIn(BaseModel):
    reason: str = Field("", description="Lý do từ chối")


class ForwardIn(BaseModel):
    to: str = Field("", description="Cơ quan có thẩm quyền nhận PAKN")
    note: str = ""


class AnswerIn(BaseModel):
    answer: str = Field("", description="Nội dung trả lời")


class VoteIn(BaseModel):
    value: str = Field(..., description="thich | khong_thich")


class Deadline(BaseModel):
    key: str
    label: str
    due_at: datetime | None
    done_at: datetime | None
    on_time: bool | None
    overdue: bool


class FeedbackPublic(BaseModel):
    code: str
    category: str
    category_label: str
    title: str
    content: str
    answer: str
    unit: str
    procedure_code: str | None
    procedure_name: str | None
    received_at: datetime
    published_at: datetime | None
    likes: int
    dislikes: int


class FeedbackOut(FeedbackPublic):
    state: str
    state_label: str
    channel: str
    sender_name: str
    sender_contact: str
    dossier_code: str | None
    supplement_request: str
    supplement_content: str
    refusal_reason: str
    forwarded_to: str
    answered_at: datetime | None
    resolve_due_at: datetime | None
    deadlines: list[Deadline]
    allowed_actions: list[str]


class FeedbackList(BaseModel):
    total: int
    items: list[FeedbackPublic]


class FormInfo(BaseModel):
    csrf_token: str
    categories: dict[str, str]


def public_of(session: Session, f: Feedback, units: dict[int, str] | None = None,
              procs: dict[int, tuple[str, str]] | None = None) -> FeedbackPublic:
    units = units if units is not None else unit_names(session, [f.unit_id])
    procs = procs if procs is not None else procedure_labels(session, [f.procedure_id])
    code, name = procs.get(f.procedure_id, (None, None))
    return FeedbackPublic(
        code=f.code, category=f.category, category_label=Category(f.category).label, title=f.title, content=f.content,
        answer=f.answer if f.state == FeedbackState.PUBLISHED else "", unit=units.get(f.unit_id, ""),
        procedure_code=code, procedure_name=name, received_at=f.received_at, published_at=f.published_at,
        likes=f.likes or 0, dislikes=f.dislikes or 0,
    )


# Which optional steps may still be taken in each state (a pending step outside these is not shown as due).
_STILL_POSSIBLE = {
    "tu_choi": {FeedbackState.NEW, FeedbackState.SUPPLEMENT},
    "yeu_cau_bo_sung": {FeedbackState.NEW, FeedbackState.PROCESSING},
    "chuyen": {FeedbackState.NEW, FeedbackState.PROCESSING},
}
# Steps whose deadline is an obligation: not done after it = overdue.
_OBLIGATIONS = {"xu_ly", "cong_khai"}


def deadlines(session: Session, f: Feedback, now: datetime | None = None) -> list[Deadline]:
    """The 766 deadlines of a feedback (data/feedback_time_limits.yaml): for a step done, its deadline and
    whether it was on time; for a step still possible, the date it must be done by."""
    now = now or moment(None)
    cal = session_calendar(session)
    limits = service.time_limits()
    state = FeedbackState(f.state)
    out = []
    for step in service.timeliness(f, cal).steps:
        due = step.due_at
        if step.done_at is None and due is None:
            possible = state in _STILL_POSSIBLE.get(step.key, set()) and not (step.key == "yeu_cau_bo_sung" and f.supplement_count)
            start = f.received_at if limits[step.key].counted_from == "tiep_nhan" else f.answered_at
            if possible and start is not None:
                due = cal.add_working_days(start, limits[step.key].working_days)
        overdue = step.key in _OBLIGATIONS and step.overdue(now) if due is step.due_at else False
        out.append(Deadline(key=step.key, label=step.label, due_at=due, done_at=step.done_at, on_time=step.on_time,
                            overdue=bool(overdue)))
    return out


def full_of(session: Session, user: Any, f: Feedback) -> FeedbackOut:
    public = public_of(session, f)
    actions = allowed_actions(user, f) if user is not None else []
    return FeedbackOut(
        **public.model_dump() | {"answer": f.answer},
        state=f.state, state_label=FeedbackState(f.state).label, channel=f.channel, sender_name=f.sender_name,
        sender_contact=f.sender_contact, dossier_code=dossier_code_of(session, f), supplement_request=f.supplement_request,
        supplement_content=f.supplement_content, refusal_reason=f.refusal_reason, forwarded_to=f.forwarded_to,
        answered_at=f.answered_at, resolve_due_at=f.resolve_due_at, deadlines=deadlines(session, f), allowed_actions=actions,
    )


def view_of(session: Session, user: User | None, f: Feedback) -> FeedbackPublic | FeedbackOut:
    if is_sender(user, f) or is_officer_of(session, user, f):
        return full_of(session, user, f)
    return public_of(session, f)


# ---- routes -------------------------------------------------------------------------------------
@router.get("/form", response_model=FormInfo, summary="Phân loại PAKN và mã CSRF để gửi PAKN (cả khi chưa đăng nhập)")
def api_form(request: Request, user: User | None = Depends(optional_user)) -> FormInfo:
    return FormInfo(csrf_token=csrf_token(request), categories={c.value: c.label for c in Category})


@router.post("", response_model=FeedbackOut, status_code=201, summary="Gửi phản ánh, kiến nghị")
def api_send(body: FeedbackIn, db: Session = DB_SESSION, user: User | None = Depends(optional_user)) -> FeedbackOut:
    feedback = send(db, user, body.model_dump(mode="json"))
    return full_of(db, user, feedback)


@router.get("", response_model=FeedbackList, summary="Các PAKN đã công khai kết quả trả lời (tìm kiếm)")
def api_published(
    q: str | None = Query(None, description="Từ khóa trong tiêu đề, nội dung, câu trả lời hoặc mã"),
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0),
    db: Session = DB_SESSION,
) -> FeedbackList:
    items, total = published(db, q, limit, offset)
    units = unit_names(db, [f.unit_id for f in items])
    procs = procedure_labels(db, [f.procedure_id for f in items])
    return FeedbackList(total=total, items=[public_of(db, f, units, procs) for f in items])


@router.get("/{code}", response_model=FeedbackOut | FeedbackPublic,
            summary="Một PAKN: công khai với mọi người; đầy đủ với người gửi và cán bộ đơn vị xử lý")
def api_get(code: str, db: Session = DB_SESSION, user: User | None = Depends(optional_user)):
    return view_of(db, user, visible(db, user, code))


@router.post("/{code}/vote", response_model=FeedbackPublic, summary="Bình chọn kết quả trả lời đã công khai (một lần)")
def api_vote(code: str, body: VoteIn, db: Session = DB_SESSION, user: User = Depends(current_user)) -> FeedbackPublic:
    feedback = get_by_code(db, code)
    service.vote(db, user, feedback, body.value)
    db.refresh(feedback)
    return public_of(db, feedback)


def _action_route(action: str, body_model) -> None:
    def endpoint(code: str, body: body_model, db: Session = DB_SESSION, user: User = Depends(current_user)) -> FeedbackOut:  # type: ignore[valid-type]
        feedback = get_by_code(db, code) if action == "supplement" else for_officer(db, user, code)
        if action == "supplement" and not (is_sender(user, feedback) or is_officer_of(db, user, feedback)):
            raise NotFound(f"Không tìm thấy phản ánh, kiến nghị mã «{feedback.code}» của bạn.")
        perform(db, user, feedback, action, body.model_dump())
        return full_of(db, user, feedback)

    endpoint.__annotations__["body"] = body_model
    endpoint.__name__ = f"api_{action.replace('-', '_')}"
    router.post(f"/{{code}}/{action}", response_model=FeedbackOut, summary=ACTIONS[action])(endpoint)


_action_route("accept", NoteIn)
_action_route("request-supplement", SupplementRequestIn)
_action_route("supplement", SupplementIn)
_action_route("refuse", ReasonIn)
_action_route("forward", ForwardIn)
_action_route("answer", AnswerIn)
_action_route("publish", NoteIn)


def events_of(session: Session, feedback: Feedback) -> list[FeedbackEvent]:
    return list(session.scalars(select(FeedbackEvent).where(FeedbackEvent.feedback_id == feedback.id).order_by(FeedbackEvent.id)))
