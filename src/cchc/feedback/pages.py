"""Pages of feedback (phản ánh, kiến nghị — PAKN): the published answers and the sending form for
citizens; the unit's PAKN inbox and a page per item with its actions for officers."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.dossiers import service as dossier_service
from cchc.errors import CchcError, FieldErrors, NotFound, PermissionDenied, ValidationError
from cchc.feedback import service, views
from cchc.feedback.enums import Category, Channel, FeedbackState, Vote
from cchc.procedures.catalogue import search_procedures
from cchc.units.models import Unit
from cchc.units.service import search_units
from cchc.auth.deps import officer, optional_user
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, page_count, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
INBOX_PAGE_SIZE = 50
CATEGORY_OPTIONS = [(c.value, c.label) for c in Category]
STATE_LABELS = {st.value: st.label for st in FeedbackState}
# What each FeedbackEvent.action of cchc.feedback.service means, for the history.
EVENT_LABELS = {
    "tiep_nhan": "Tiếp nhận", "nhan_xu_ly": "Nhận xử lý", "yeu_cau_bo_sung": "Yêu cầu bổ sung thông tin",
    "bo_sung": "Bổ sung thông tin", "tu_choi": "Từ chối tiếp nhận", "chuyen": "Chuyển cơ quan có thẩm quyền",
    "tra_loi": "Trả lời", "cong_khai": "Công khai kết quả", "binh_chon": "Bình chọn",
}
FORM_FIELDS = ["category", "procedure_code", "dossier_code", "unit_code", "sender_name", "sender_contact", "title", "content"]


# ---- public list and votes ------------------------------------------------------------------------
@router.get("/phan-anh")
def published_page(request: Request, q: str = "", trang: int = 1, db: Session = DB_SESSION, user=Depends(optional_user)):
    trang = max(1, trang)
    items, total = views.published(db, q or None, PAGE_SIZE, (trang - 1) * PAGE_SIZE)
    return render(request, "feedback/list.html", {
        "items": items, "total": total, "q": q, "trang": trang, "pages": page_count(total, PAGE_SIZE),
        "units": views.unit_names(db, [f.unit_id for f in items]),
        "procs": views.procedure_labels(db, [f.procedure_id for f in items]),
        "votes": views.voted(db, user, [f.id for f in items]),
        "can_vote": user is not None and user.role == Role.CITIZEN,
    })


@router.post("/phan-anh/{code}/binh-chon", dependencies=[Depends(check_csrf)])
async def vote_page(request: Request, code: str, db: Session = DB_SESSION, user=Depends(optional_user)):
    """htmx: like / dislike a published answer; returns the vote box (or the whole list without htmx)."""
    form = await request.form()
    value = str(form.get("value") or "")
    feedback = views.get_by_code(db, code)
    error = None
    try:
        if user is None:
            raise PermissionDenied("Cần đăng nhập để bình chọn kết quả trả lời PAKN.")
        service.vote(db, user, feedback, value)
    except CchcError as exc:
        db.rollback()
        error = exc.message
        status = exc.http_status
    else:
        status = 200
    db.refresh(feedback)
    if request.headers.get("hx-request"):
        return render(request, "feedback/_votes.html", {
            "f": feedback, "votes": views.voted(db, user, [feedback.id]), "can_vote": user is not None and user.role == Role.CITIZEN,
            "vote_error": error,
        }, status_code=status)
    if error:
        flash(request, error, "error")
    else:
        flash(request, f"Đã ghi nhận bình chọn «{Vote(value).label}» cho PAKN {feedback.code}.")
    return RedirectResponse(f"/phan-anh/{feedback.code}", status_code=303)


# ---- sending ---------------------------------------------------------------------------------------
def _prefill(user: User | None, query: dict) -> dict:
    form = {k: str(query.get(k) or "") for k in FORM_FIELDS}
    if user is not None:
        form["sender_name"] = form["sender_name"] or user.full_name
        form["sender_contact"] = form["sender_contact"] or ", ".join(x for x in (user.phone, user.email) if x)
    if not form["category"]:
        form["category"] = Category.OFFICER_CONDUCT.value if query.get("loai") == "can-bo" else Category.PROCEDURE_RULES.value
    return form


@router.get("/phan-anh/gui")
def send_page(request: Request, db: Session = DB_SESSION, user=Depends(optional_user)):
    query = dict(request.query_params)
    form = _prefill(user, query | {"procedure_code": query.get("thu_tuc", ""), "dossier_code": query.get("ho_so", "")})
    return render(request, "feedback/send.html", {"form": form, "categories": CATEGORY_OPTIONS, "errors": {}})


@router.post("/phan-anh/gui", dependencies=[Depends(check_csrf)])
async def send_submit(request: Request, db: Session = DB_SESSION, user=Depends(optional_user)):
    raw = await request.form()
    form = {k: str(raw.get(k) or "") for k in FORM_FIELDS}
    try:
        feedback = views.send(db, user, form)
    except CchcError as exc:
        db.rollback()
        errors = form_errors(exc, FORM_FIELDS)
        return render(request, "feedback/send.html", {"form": form, "categories": CATEGORY_OPTIONS, "errors": errors},
                      status_code=exc.http_status)
    code = feedback.code
    request.session["pakn_sent"] = code
    return RedirectResponse(f"/phan-anh/da-gui/{code}", status_code=303)


@router.get("/phan-anh/da-gui/{code}")
def sent_page(request: Request, code: str, db: Session = DB_SESSION, user=Depends(optional_user)):
    feedback = views.get_by_code(db, code)
    if not (views.is_sender(user, feedback) or request.session.get("pakn_sent") == feedback.code):
        raise NotFound(f"Không tìm thấy phản ánh, kiến nghị mã «{code}» bạn vừa gửi.")
    due = feedback.resolve_due_at
    return render(request, "feedback/sent.html", {"f": feedback, "due": due, "unit": db.get(Unit, feedback.unit_id)})


@router.get("/phan-anh/goi-y/thu-tuc", response_class=HTMLResponse)
def suggest_procedures(request: Request, procedure_code: str = "", db: Session = DB_SESSION):
    """htmx: <option>s of procedures matching the text, for the datalist of the form."""
    items, _ = search_procedures(db, procedure_code or None, limit=15) if procedure_code.strip() else ([], 0)
    return render(request, "feedback/_options.html", {"options": [(p.code, f"{p.code} — {p.name}") for p in items]})


@router.get("/phan-anh/goi-y/don-vi", response_class=HTMLResponse)
def suggest_units(request: Request, unit_code: str = "", db: Session = DB_SESSION):
    """htmx: <option>s of units matching the text."""
    today = dossier_service.moment(None).date()
    items = search_units(db, unit_code, on=today, limit=15) if unit_code.strip() else []
    return render(request, "feedback/_options.html", {"options": [(u.code, u.name) for u in items]})


# ---- one feedback (public, sender) -----------------------------------------------------------------
@router.get("/phan-anh/{code}")
def feedback_page(request: Request, code: str, db: Session = DB_SESSION, user=Depends(optional_user)):
    feedback = views.visible(db, user, code)
    return render(request, "feedback/detail.html", _detail_context(db, user, feedback))


def _detail_context(db: Session, user, feedback, **extra) -> dict:
    full = views.is_sender(user, feedback) or views.is_officer_of(db, user, feedback)
    procs = views.procedure_labels(db, [feedback.procedure_id])
    return {
        "f": feedback, "full": full, "unit": db.get(Unit, feedback.unit_id), "proc": procs.get(feedback.procedure_id),
        "events": views.events_of(db, feedback) if full else [],
        "votes": views.voted(db, user, [feedback.id]), "can_vote": user is not None and user.role == Role.CITIZEN,
        "may_supplement": views.is_sender(user, feedback) and feedback.state == FeedbackState.SUPPLEMENT,
        "state_label": FeedbackState(feedback.state).label, "event_labels": EVENT_LABELS,
        "errors": {}, **extra,
    }


@router.post("/phan-anh/{code}/bo-sung", dependencies=[Depends(check_csrf)])
async def supplement_submit(request: Request, code: str, db: Session = DB_SESSION, user=Depends(optional_user)):
    feedback = views.visible(db, user, code)
    if not views.is_sender(user, feedback):
        raise NotFound(f"Không tìm thấy phản ánh, kiến nghị mã «{code}» của bạn.")
    form = await request.form()
    content = str(form.get("content") or "")
    try:
        views.perform(db, user, feedback, "supplement", {"content": content})
    except CchcError as exc:
        db.rollback()
        feedback = views.get_by_code(db, code)
        ctx = _detail_context(db, user, feedback, errors={"content": exc.message}, content=content)
        return render(request, "feedback/detail.html", ctx, status_code=exc.http_status)
    flash(request, f"Đã gửi thông tin bổ sung cho PAKN {feedback.code}.")
    return RedirectResponse(f"/phan-anh/{feedback.code}", status_code=303)


def form_errors(exc: CchcError, fields) -> dict[str, str]:
    """{field: message} of a refused form: each message by its field, the rest above the form ("_")."""
    found = exc.errors if isinstance(exc, FieldErrors) else {exc.field or "_": exc.message}
    errors: dict[str, str] = {}
    for name, message in found.items():
        key = name if name in fields else "_"
        errors[key] = f"{errors[key]} {message}" if key in errors else message
    return errors


# ---- officers ---------------------------------------------------------------------------------------
@router.get("/can-bo/phan-anh")
def officer_inbox(request: Request, trang_thai: str = "", q: str = "", trang: int = 1, db: Session = DB_SESSION,
                  user: User = Depends(officer)):
    trang = max(1, trang)
    error = None
    try:
        items, total = views.inbox(db, user, trang_thai or None, q or None, INBOX_PAGE_SIZE, (trang - 1) * INBOX_PAGE_SIZE)
    except CchcError as exc:
        items, total, error = [], 0, exc.message
    now = dossier_service.moment(None)
    rows = [{"f": f, "deadlines": views.deadlines(db, f, now)} for f in items]
    return render(request, "feedback/inbox.html", {
        "rows": rows, "total": total, "trang_thai": trang_thai, "q": q, "trang": trang, "pages": page_count(total, INBOX_PAGE_SIZE),
        "states": [(s.value, s.label) for s in FeedbackState], "error": error, "now": now, "state_labels": STATE_LABELS,
        "units": views.unit_names(db, [f.unit_id for f in items]),
    })


def _officer_context(db: Session, user: User, feedback, **extra) -> dict:
    procs = views.procedure_labels(db, [feedback.procedure_id])
    return {
        "f": feedback, "unit": db.get(Unit, feedback.unit_id), "proc": procs.get(feedback.procedure_id),
        "dossier_code": views.dossier_code_of(db, feedback), "events": views.events_of(db, feedback),
        "deadlines": views.deadlines(db, feedback), "actions": views.allowed_actions(user, feedback),
        "labels": views.ACTIONS, "errors": {}, "open_action": None, "form": {}, "state_labels": STATE_LABELS,
        "event_labels": EVENT_LABELS, "category_label": Category(feedback.category).label,
        "channel_label": Channel(feedback.channel).label, **extra,
    }


@router.get("/can-bo/phan-anh/{code}")
def officer_feedback_page(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(officer)):
    feedback = views.for_officer(db, user, code)
    return render(request, "feedback/officer_detail.html", _officer_context(db, user, feedback))


@router.post("/can-bo/phan-anh/{code}/thao-tac/{action}", dependencies=[Depends(check_csrf)])
async def officer_action(request: Request, code: str, action: str, db: Session = DB_SESSION, user: User = Depends(officer)):
    feedback = views.for_officer(db, user, code)
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    if action not in views.ACTIONS:
        raise NotFound(f"Thao tác «{action}» không có.")
    try:
        views.perform(db, user, feedback, action, form)
    except CchcError as exc:
        db.rollback()
        feedback = views.for_officer(db, user, code)
        ctx = _officer_context(db, user, feedback, errors={_error_key(action, exc): exc.message}, open_action=action, form=form)
        return render(request, "feedback/officer_detail.html", ctx, status_code=exc.http_status)
    flash(request, f"Đã thực hiện «{views.ACTIONS[action]}» với PAKN {feedback.code}.")
    return RedirectResponse(f"/can-bo/phan-anh/{feedback.code}", status_code=303)


def _error_key(action: str, exc: CchcError) -> str:
    """Bad input is shown next to the action's text field; a refused transition above the form."""
    return _FIELD_OF.get(action, "_") if isinstance(exc, ValidationError) else "_"


# The form field each action's error is shown next to.
_FIELD_OF = {"request-supplement": "request", "supplement": "content", "refuse": "reason", "forward": "to", "answer": "answer"}
