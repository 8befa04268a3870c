"""The citizen's pages of the dossiers: online submission with uploads, and one of their dossiers
(progress, supplement, withdrawal).

Every change goes through cchc.dossiers.service (which checks what the form checks: the way of
receiving the result, a file for every required component); a page that fails rolls the whole
request back and shows the form again with the message next to the field in error. Other domains
add their part of a dossier's page (the rating form) with `DOSSIER_PARTS`; the citizen's space that
gathers the domains ("Hồ sơ của tôi", /api/v1/me) is cchc.citizen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import config, vn
from cchc.auth.deps import login_method, require_roles
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.calendar.service import due_for_procedure, session_calendar
from cchc.dossiers import service
from cchc.dossiers import transitions as tr
from cchc.dossiers.enums import RESULT_DELIVERY
from cchc.dossiers.files import attach_file, content_of, has_content, latest_result_pdf, result_signature, validate_upload
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.dossiers.receiving_units import handling_units, require_handling_unit
from cchc.errors import CchcError, FieldErrors, ValidationError
from cchc.procedures.catalogue import get_procedure
from cchc.procedures.models import Procedure
from cchc.procedures.process import time_limit_label
from cchc.units.models import Unit
from cchc.values import moment
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, render

router = APIRouter(include_in_schema=False)
citizen = require_roles(Role.CITIZEN)

UNIT_LIMIT = 200  # units listed in the select at once; the text filter narrows longer lists
DELIVERY_CHOICES = ("truc_tiep", "buu_chinh")  # what the form offers (the service knows truc_tuyen too)
APPLICANT_FIELDS = ["name", "id_number", "phone", "email", "address", "authorized_person"]
FORM_FIELDS = APPLICANT_FIELDS + ["unit_id", "request_summary", "result_delivery"]

# Other domains' parts of a dossier's page: each gives template context for (session, citizen, dossier).
DOSSIER_PARTS: list[Callable[[Session, User, Dossier], dict[str, Any]]] = []


# ---- online submission ----------------------------------------------------------------------------------
def receiving_units(db: Session, procedure: Procedure, q: str = "") -> tuple[list[tuple[str, list[Unit]]], int]:
    """Units of this province that handle the procedure, nearest level first (cchc.dossiers.receiving_units),
    filtered by name or code, grouped by the area or body above them; and how many match in all."""
    return handling_units(db, procedure, moment(None).date(), q, UNIT_LIMIT)


def _submission_context(db: Session, user: User, procedure: Procedure, form: dict | None = None, errors: dict | None = None,
                        unit_q: str = "") -> dict:
    form = form if form is not None else {
        "name": user.full_name, "id_number": user.id_number, "phone": user.phone, "email": user.email,
        "result_delivery": "truc_tiep",
    }
    return {
        "p": procedure, **_units_context(db, procedure, form, errors or {}, unit_q),
        "delivery": {k: RESULT_DELIVERY[k] for k in DELIVERY_CHOICES},
        "time_label": time_limit_label(procedure.time_amount, procedure.time_unit),
        "due": due_for_procedure(session_calendar(db), procedure, moment(None)), **upload_limits(),
    }


def _units_context(db: Session, procedure: Procedure, form: dict, errors: dict, unit_q: str) -> dict:
    """What citizen/_units.html (the receiving-unit select) needs."""
    groups, unit_total = receiving_units(db, procedure, unit_q)
    example = next((u for _, members in groups for u in members), None)  # a name of this province for the filter
    return {"form": form, "errors": errors, "groups": groups, "unit_total": unit_total, "unit_q": unit_q, "unit_limit": UNIT_LIMIT,
            "unit_example": example_words(db, example)}


def example_words(db: Session, unit: Unit | None) -> str:
    """What a citizen could type to find `unit`: the name of its area (Ba Lòng), else its own name."""
    if unit is None:
        return ""
    area = db.get(Unit, unit.parent_id) if unit.parent_id else None
    name = area.name if area is not None and area.is_area else unit.name
    for prefix in ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Thị trấn ", "Đặc khu ", "Quận ", "Huyện ", "Thị xã "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def upload_limits() -> dict:
    """What the upload fields say and accept: the types (named, and for the input's accept) and the size limit."""
    names = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX"}
    types = config.settings.upload_types
    return {"types": ", ".join(names.get(t, t) for t in types), "accept": ",".join(types),
            "max_mb": vn.fmt_decimal(config.settings.upload_max_bytes / 1024 / 1024, 0)}


@router.get("/nop-ho-so/{code}")
def submission_page(request: Request, code: str, don_vi: str = "", db: Session = DB_SESSION, user: User = Depends(citizen)):
    procedure = get_procedure(db, code)
    tr.require_online_procedure(procedure, moment(None))
    return render(request, "citizen/submit.html", _submission_context(db, user, procedure, unit_q=don_vi))


@router.get("/nop-ho-so/{code}/don-vi", response_class=HTMLResponse)
def submission_units(request: Request, code: str, don_vi: str = "", unit_id: str = "", db: Session = DB_SESSION,
                     user: User = Depends(citizen)):
    """htmx: the receiving-unit select filtered by the text typed."""
    procedure = get_procedure(db, code)
    return render(request, "citizen/_units.html", _units_context(db, procedure, {"unit_id": unit_id}, {}, don_vi))


def _form_errors(db: Session, procedure: Procedure, form: dict, raw) -> tuple[dict[str, str], Unit | None, dict[int, tuple]]:
    """Every field in error at once (the service refuses at the first): the unit, the way of receiving
    the result, a file per required component and each file given; and the unit and files read."""
    errors: dict[str, str] = {}
    unit_id = form.get("unit_id", "")
    unit = db.get(Unit, int(unit_id)) if unit_id.isdigit() else None
    if unit is None:
        errors["unit_id"] = "Chọn cơ quan, đơn vị tiếp nhận hồ sơ."
    else:
        try:
            require_handling_unit(db, procedure, unit, moment(None).date())
        except ValidationError as exc:
            errors["unit_id"] = exc.message
    delivery = form.get("result_delivery", "")
    if delivery not in DELIVERY_CHOICES:
        errors["result_delivery"] = "Chọn hình thức nhận kết quả."
    uploads: dict[int, tuple] = {}
    given = set()
    for component in procedure.components:
        upload = raw.get(f"file_{component.id}")
        if not has_content(upload):
            continue
        given.add(component.id)
        try:
            name = validate_upload(upload.filename or "tep", content_of(upload), upload.content_type or "")
        except ValidationError as exc:
            errors[f"file_{component.id}"] = exc.message
            continue
        uploads[component.id] = (name, content_of(upload), upload.content_type or "")
    for component_id, message in tr.missing_components(procedure, given).items():
        errors[f"file_{component_id}"] = message
    return errors, unit, uploads


@router.post("/nop-ho-so/{code}", dependencies=[Depends(check_csrf)])
async def submission_submit(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(citizen)):
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    procedure = get_procedure(db, code)
    tr.require_online_procedure(procedure, moment(None))
    errors, unit, uploads = _form_errors(db, procedure, form, raw)
    try:
        if errors:
            raise ValidationError("Hồ sơ chưa nộp được: vui lòng sửa các mục được đánh dấu.", field="_")
        dossier = service.submit_online(
            db, user, procedure=procedure, unit=unit,
            applicant={k: form.get(k, "") for k in APPLICANT_FIELDS}, request_summary=form.get("request_summary", ""),
            result_delivery=form.get("result_delivery", ""), files=uploads,
            vneid_verified=login_method(request, db) == "citizen",  # logged in through VNeID, not a tick box
        )
    except CchcError as exc:
        db.rollback()
        field = exc.field if exc.field in FORM_FIELDS or (exc.field or "").startswith("file_") else "_"
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


# ---- one dossier of the citizen ----------------------------------------------------------------------------
def dossier_context(db: Session, user: User, dossier: Dossier, **extra) -> dict:
    """What citizen/dossier.html shows: the dossier, its steps and history, what the citizen may do, and
    the parts other domains add (DOSSIER_PARTS)."""
    unit_ids = {s.unit_id for s in dossier.steps} | {dossier.unit_id}
    events = list(db.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.id)))
    # the latest supplement request (reason in note, the items in data['items']), from the history already read
    request_event = next((e for e in reversed(events) if e.action == "request_supplement"), None)
    parts: dict[str, Any] = {}
    for part in DOSSIER_PARTS:
        parts.update(part(db, user, dossier))
    return {
        "d": dossier, "procedure": db.get(Procedure, dossier.procedure_id),
        "units": dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()),
        "events": events, "actions": service.allowed_actions(db, user, dossier), "request_event": request_event,
        **parts, **upload_limits(), "delivery": RESULT_DELIVERY, "result_signature": result_signature(dossier),
        "result_file": latest_result_pdf(dossier), "errors": {}, "form": {}, **extra,
    }


@router.get("/ca-nhan/ho-so/{code}")
def my_dossier_page(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(citizen)):
    dossier = service.get_dossier(db, user, code)
    return render(request, "citizen/dossier.html", dossier_context(db, user, dossier))


async def citizen_action(request: Request, db: Session, user: User, code: str,
                         action: Callable[[Dossier, dict, Any], Awaitable[None]], success: str):
    """Run a form of the dossier's page: on a refusal the page again, the message by its field; else back to it."""
    dossier = service.get_dossier(db, user, code)
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    try:
        await action(dossier, form, raw)
    except CchcError as exc:
        db.rollback()
        dossier = service.get_dossier(db, user, code)
        errors = dict(exc.errors) if isinstance(exc, FieldErrors) else {exc.field or "_": exc.message}
        ctx = dossier_context(db, user, dossier, errors=errors, form=form)
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

    return await citizen_action(request, db, user, code, act, "Đã bổ sung hồ sơ {code}; hồ sơ tiếp tục được giải quyết.")


@router.post("/ca-nhan/ho-so/{code}/rut", dependencies=[Depends(check_csrf)])
async def withdraw_submit(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(citizen)):
    async def act(dossier: Dossier, form: dict, raw) -> None:
        service.withdraw(db, user, dossier, form.get("reason", ""))

    return await citizen_action(request, db, user, code, act, "Đã rút hồ sơ {code}.")
