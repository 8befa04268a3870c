"""The citizens' side of the portal: online submission with uploads, "Hồ sơ của tôi" (progress,
supplement, withdrawal, rating) and the citizen's own API (/api/v1/me).

Every change goes through cchc.dossiers.service, cchc.dossiers.files.attach_file and
cchc.ratings.service; a page that fails rolls the whole request back and shows the form again with
the message next to the field in error.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cchc import config, vn
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.calendar.service import due_for_procedure
from cchc.dossiers import service
from cchc.dossiers.enums import RESOLVED_STATES, WAITING_FOR_CITIZEN, State
from cchc.dossiers.files import attach_file, content_of, has_content, validate_upload
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.errors import CchcError, ValidationError
from cchc.feedback import views as feedback_views
from cchc.feedback.enums import FeedbackState
from cchc.procedures.enums import OnlineLevel
from cchc.procedures.models import Procedure
from cchc.procedures.catalogue import get_procedure
from cchc.procedures.process import time_limit_label
from cchc.ratings.enums import Satisfaction
from cchc.ratings.models import Rating
from cchc.ratings.service import criteria, rate_dossier, rating_of
from cchc.units.models import Unit
from cchc.units.service import valid_on
from cchc.auth.deps import require_roles
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/me", tags=["Công dân"], dependencies=[Depends(check_csrf)])
citizen = require_roles(Role.CITIZEN)

UNIT_LIMIT = 200  # units listed in the select at once; the text filter narrows longer lists
PAGE_SIZE = 20
DELIVERY = {"truc_tiep": "Nhận trực tiếp tại Bộ phận Một cửa", "buu_chinh": "Nhận qua dịch vụ bưu chính công ích"}
APPLICANT_FIELDS = ["name", "id_number", "phone", "email", "address", "authorized_person"]
ONLINE_LEVELS = (OnlineLevel.FULL.value, OnlineLevel.PARTIAL.value)


# ---- online submission ----------------------------------------------------------------------------------
def _check_online(procedure: Procedure) -> None:
    today = service.moment(None).date()
    if procedure.online_level not in ONLINE_LEVELS:
        raise ValidationError(
            f"Thủ tục {procedure.code} — {procedure.name} không cung cấp dịch vụ công trực tuyến; vui lòng nộp hồ sơ trực tiếp "
            "hoặc qua bưu chính tại Bộ phận Một cửa.", field="procedure")
    if not procedure.active or not procedure.active_on(today):
        raise ValidationError(f"Thủ tục {procedure.code} đã ngừng áp dụng nên không nhận hồ sơ mới.", field="procedure")


def receiving_units(db: Session, procedure: Procedure, q: str = "") -> tuple[list[tuple[str, list[Unit]]], int]:
    """Units where the procedure is handled (level among the procedure's levels, in force today),
    filtered by name or code, grouped by parent; and how many match in all."""
    today = service.moment(None).date()
    conds = [valid_on(today)]
    if procedure.level_list:
        conds.append(Unit.level.in_(procedure.level_list))
    text = q.strip()
    if text:
        key = vn.search_key(text)
        conds.append(Unit.name_key.contains(key, autoescape=True) | Unit.code.startswith(text, autoescape=True))
    total = db.scalar(select(func.count()).select_from(Unit).where(*conds)) or 0
    units = list(db.scalars(select(Unit).where(*conds).order_by(Unit.parent_id, Unit.is_area.desc(), Unit.name).limit(UNIT_LIMIT)))
    parents = dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_({u.parent_id for u in units if u.parent_id}))).all())
    groups: dict[str, list[Unit]] = {}
    for unit in units:
        groups.setdefault(parents.get(unit.parent_id, "Cấp tỉnh, trung ương"), []).append(unit)
    if procedure.agency_unit_id:  # the agency that resolves it first
        for members in groups.values():
            members.sort(key=lambda u: u.id != procedure.agency_unit_id)
    return sorted(groups.items()), int(total)


def _submission_context(db: Session, user: User, procedure: Procedure, form: dict | None = None, errors: dict | None = None,
                        unit_q: str = "") -> dict:
    form = form if form is not None else {
        "name": user.full_name, "id_number": user.id_number, "phone": user.phone, "email": user.email,
        "result_delivery": "truc_tiep",
    }
    return {
        "p": procedure, **_units_context(db, procedure, form, errors or {}, unit_q),
        "delivery": DELIVERY, "time_label": time_limit_label(procedure.time_amount, procedure.time_unit),
        "due": due_for_procedure(service.calendar(db), procedure, service.moment(None)), **_upload_limits(),
    }


def _units_context(db: Session, procedure: Procedure, form: dict, errors: dict, unit_q: str) -> dict:
    """What citizen/_units.html (the receiving-unit select) needs."""
    groups, unit_total = receiving_units(db, procedure, unit_q)
    return {"form": form, "errors": errors, "groups": groups, "unit_total": unit_total, "unit_q": unit_q, "unit_limit": UNIT_LIMIT}


def _upload_limits() -> dict:
    """What the upload fields say and accept: the types (named, and for the input's accept) and the size limit."""
    names = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX"}
    types = config.settings.upload_types
    return {"types": ", ".join(names.get(t, t) for t in types), "accept": ",".join(types),
            "max_mb": vn.fmt_decimal(config.settings.upload_max_bytes / 1024 / 1024, 0)}


@router.get("/nop-ho-so/{code}")
def submission_page(request: Request, code: str, don_vi: str = "", db: Session = DB_SESSION, user: User = Depends(citizen)):
    procedure = get_procedure(db, code)
    _check_online(procedure)
    return render(request, "citizen/submit.html", _submission_context(db, user, procedure, unit_q=don_vi))


@router.get("/nop-ho-so/{code}/don-vi", response_class=HTMLResponse)
def submission_units(request: Request, code: str, don_vi: str = "", unit_id: str = "", db: Session = DB_SESSION,
                     user: User = Depends(citizen)):
    """htmx: the receiving-unit select filtered by the text typed."""
    procedure = get_procedure(db, code)
    return render(request, "citizen/_units.html", _units_context(db, procedure, {"unit_id": unit_id}, {}, don_vi))


@router.post("/nop-ho-so/{code}", dependencies=[Depends(check_csrf)])
async def submission_submit(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(citizen)):
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    procedure = get_procedure(db, code)
    _check_online(procedure)
    errors: dict[str, str] = {}
    uploads: dict[int, tuple[str, bytes, str]] = {}
    unit = None
    unit_id = form.get("unit_id", "")
    if unit_id.isdigit():
        unit = db.get(Unit, int(unit_id))
    if unit is None:
        errors["unit_id"] = "Chọn cơ quan, đơn vị tiếp nhận hồ sơ."
    delivery = form.get("result_delivery", "")
    if delivery not in DELIVERY:
        errors["result_delivery"] = "Chọn hình thức nhận kết quả."
    for component in procedure.components:
        upload = raw.get(f"file_{component.id}")
        if not has_content(upload):
            if component.required:
                errors[f"file_{component.id}"] = f"Chưa tải lên «{component.name}» (thành phần bắt buộc)."
            continue
        try:
            name = validate_upload(upload.filename or "tep", content_of(upload), upload.content_type or "")
        except ValidationError as exc:
            errors[f"file_{component.id}"] = exc.message
            continue
        uploads[component.id] = (name, content_of(upload), upload.content_type or "")
    try:
        if errors:
            raise ValidationError("Hồ sơ chưa nộp được: vui lòng sửa các mục được đánh dấu.", field="_")
        dossier = service.submit_online(
            db, user, procedure=procedure, unit=unit,
            applicant={k: form.get(k, "") for k in APPLICANT_FIELDS}, request_summary=form.get("request_summary", ""),
            result_delivery=delivery,
        )
        by_catalogue = {c.component_id: c for c in dossier.components}
        for component_id, (name, content, content_type) in uploads.items():
            attach_file(db, user, dossier, "thanh_phan", name, content, content_type, component=by_catalogue.get(component_id))
    except CchcError as exc:
        db.rollback()
        field = exc.field if exc.field in APPLICANT_FIELDS + ["unit_id", "request_summary"] else "_"
        if field != "_" or not errors:
            errors[field] = exc.message
        elif "_" not in errors:
            errors["_"] = exc.message
        procedure = get_procedure(db, code)
        ctx = _submission_context(db, user, procedure, form=form, errors=errors, unit_q=form.get("don_vi", ""))
        return render(request, "citizen/submit.html", ctx, status_code=exc.http_status)
    return RedirectResponse(f"/nop-ho-so/da-nop/{dossier.code}", status_code=303)


@router.get("/nop-ho-so/da-nop/{code}")
def submitted_page(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(citizen)):
    dossier = service.get_dossier(db, user, code)
    return render(request, "citizen/submitted.html", {
        "d": dossier, "procedure": db.get(Procedure, dossier.procedure_id), "unit": db.get(Unit, dossier.unit_id),
    })


# ---- Hồ sơ của tôi ------------------------------------------------------------------------------------------
def _names(db: Session, dossiers) -> dict[int, str]:
    ids = {d.procedure_id for d in dossiers}
    return dict(db.execute(select(Procedure.id, Procedure.name).where(Procedure.id.in_(ids))).all()) if ids else {}


@router.get("/ca-nhan")
def my_page(request: Request, q: str = "", trang_thai: str = "", trang: int = 1, db: Session = DB_SESSION,
            user: User = Depends(citizen)):
    trang = max(1, trang)
    error = None
    try:
        page = service.search_dossiers(db, user, q=q or None, state=trang_thai or None, limit=PAGE_SIZE, offset=(trang - 1) * PAGE_SIZE)
        items, total = page.items, page.total
    except CchcError as exc:
        items, total, error = [], 0, exc.message
    waiting = service.inbox(db, user, limit=20)
    feedback = feedback_views.of_sender(db, user)
    return render(request, "citizen/mine.html", {
        "items": items, "total": total, "q": q, "trang_thai": trang_thai, "trang": trang, "pages": max(1, -(-total // PAGE_SIZE)),
        "names": _names(db, items + waiting.items), "waiting": waiting, "feedback": feedback, "error": error,
        "states": [(s.value, s.label) for s in State], "FeedbackState": FeedbackState,
    })


def _dossier_context(db: Session, user: User, dossier: Dossier, **extra) -> dict:
    unit_ids = {s.unit_id for s in dossier.steps} | {dossier.unit_id}
    events = list(db.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.id)))
    # the latest supplement request (reason in note, the items in data['items']), from the history already read
    request_event = next((e for e in reversed(events) if e.action == "request_supplement"), None)
    rating = rating_of(db, dossier.id)
    return {
        "d": dossier, "procedure": db.get(Procedure, dossier.procedure_id),
        "units": dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()),
        "events": events, "actions": service.allowed_actions(db, user, dossier), "request_event": request_event,
        "rating": rating, "may_rate": rating is None and dossier.state in RESOLVED_STATES,
        "criteria": criteria(), "satisfactions": [(s.value, s.label) for s in Satisfaction],
        **_upload_limits(), "delivery": DELIVERY, "errors": {}, "form": {}, **extra,
    }


@router.get("/ca-nhan/ho-so/{code}")
def my_dossier_page(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(citizen)):
    dossier = service.get_dossier(db, user, code)
    return render(request, "citizen/dossier.html", _dossier_context(db, user, dossier))


async def _citizen_action(request: Request, db: Session, user: User, code: str, action, success: str):
    dossier = service.get_dossier(db, user, code)
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    try:
        await action(dossier, form, raw)
    except CchcError as exc:
        db.rollback()
        dossier = service.get_dossier(db, user, code)
        key = exc.field if exc.field else "_"
        ctx = _dossier_context(db, user, dossier, errors={key: exc.message}, form=form)
        return render(request, "citizen/dossier.html", ctx, status_code=exc.http_status)
    flash(request, success.format(code=dossier.code))
    return RedirectResponse(f"/ca-nhan/ho-so/{dossier.code}", status_code=303)


@router.post("/ca-nhan/ho-so/{code}/bo-sung", dependencies=[Depends(check_csrf)])
async def supplement_submit(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(citizen)):
    async def act(dossier: Dossier, form: dict, raw) -> None:
        files = []
        for key, value in raw.multi_items():
            if key == "file" and has_content(value):
                files.append((value.filename or "tep", content_of(value), value.content_type or ""))
        if not files:
            raise ValidationError("Chọn ít nhất một tệp giấy tờ bổ sung.", field="file")
        for name, content, content_type in files:
            try:
                attach_file(db, user, dossier, "bo_sung", name, content, content_type)
            except ValidationError as exc:
                raise ValidationError(exc.message, field="file") from None
        service.supplement(db, user, dossier, form.get("note", ""))

    return await _citizen_action(request, db, user, code, act, "Đã bổ sung hồ sơ {code}; hồ sơ tiếp tục được giải quyết.")


@router.post("/ca-nhan/ho-so/{code}/rut", dependencies=[Depends(check_csrf)])
async def withdraw_submit(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(citizen)):
    async def act(dossier: Dossier, form: dict, raw) -> None:
        service.withdraw(db, user, dossier, form.get("reason", ""))

    return await _citizen_action(request, db, user, code, act, "Đã rút hồ sơ {code}.")


@router.post("/ca-nhan/ho-so/{code}/danh-gia", dependencies=[Depends(check_csrf)])
async def rating_submit(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(citizen)):
    async def act(dossier: Dossier, form: dict, raw) -> None:
        scores: dict[int, str | None] = {}
        for c in criteria():
            value = form.get(f"c{c.number}", "")
            if value == "" and "ho_so" in c.scopes:
                raise ValidationError(f"Chưa chấm điểm tiêu chí {c.number}: {c.name}.", field=f"c{c.number}")
            scores[c.number] = value or None
        satisfaction = form.get("satisfaction", "")
        if satisfaction not in Satisfaction._value2member_map_:
            raise ValidationError("Chọn mức độ hài lòng.", field="satisfaction")
        rate_dossier(db, user, dossier, scores, satisfaction, form.get("comment", ""))

    return await _citizen_action(request, db, user, code, act, "Cảm ơn bạn đã đánh giá việc giải quyết hồ sơ {code}.")


# ---- API: the citizen's own -----------------------------------------------------------------------------------
class MyDossier(BaseModel):
    code: str
    procedure_code: str
    procedure_name: str
    state: str
    state_label: str
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    ended_at: datetime | None
    waiting_for_me: bool
    rated: bool


class MyDossiers(BaseModel):
    total: int
    items: list[MyDossier]


class MyFeedback(BaseModel):
    code: str
    title: str
    state: str
    state_label: str
    received_at: datetime
    resolve_due_at: datetime | None


@api.get("/dossiers", response_model=MyDossiers, summary="Hồ sơ của tôi")
def api_my_dossiers(
    q: str | None = Query(None, description="Mã hồ sơ hoặc tên thủ tục"),
    state: str | None = Query(None, description="Trạng thái (mã), ví dụ yeu_cau_bo_sung"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    db: Session = DB_SESSION,
    user: User = Depends(citizen),
) -> MyDossiers:
    page = service.search_dossiers(db, user, q=q, state=state, limit=limit, offset=offset)
    procs = dict((pid, (pc, pn)) for pid, pc, pn in db.execute(
        select(Procedure.id, Procedure.code, Procedure.name).where(Procedure.id.in_({d.procedure_id for d in page.items} or {0}))))
    rated = set(db.scalars(select(Rating.dossier_id).where(Rating.dossier_id.in_([d.id for d in page.items] or [0]))))
    return MyDossiers(total=page.total, items=[
        MyDossier(code=d.code, procedure_code=procs[d.procedure_id][0], procedure_name=procs[d.procedure_id][1], state=d.state,
                  state_label=State(d.state).label, submitted_at=d.submitted_at, received_at=d.received_at, due_at=d.due_at,
                  ended_at=d.ended_at, waiting_for_me=d.state in WAITING_FOR_CITIZEN, rated=d.id in rated)
        for d in page.items
    ])


@api.get("/feedback", response_model=list[MyFeedback], summary="Phản ánh, kiến nghị tôi đã gửi")
def api_my_feedback(db: Session = DB_SESSION, user: User = Depends(citizen)) -> list[MyFeedback]:
    return [MyFeedback(code=f.code, title=f.title, state=f.state, state_label=FeedbackState(f.state).label,
                       received_at=f.received_at, resolve_due_at=f.resolve_due_at) for f in feedback_views.of_sender(db, user)]
