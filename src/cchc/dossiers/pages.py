"""Pages of the officers' workspace: inbox, counter receipt, the dossier page and its actions, search."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import vn
from cchc.auth.deps import officer
from cchc.auth.models import User
from cchc.auth.scope import scope_units_query
from cchc.calendar.service import due_for_procedure, session_calendar
from cchc.dossiers import service
from cchc.dossiers.enums import OnlinePayment, State
from cchc.dossiers.files import attach_file, content_of, has_content, latest_result_pdf, result_signature
from cchc.dossiers.forms import build_dossier_form, build_register, to_bytes
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.errors import CchcError, PermissionDenied, ValidationError
from cchc.procedures.catalogue import get_procedure, procedure_names, search_procedures
from cchc.procedures.models import Procedure
from cchc.signatures.keys import sign_as_unit, unit_can_sign, unit_signer
from cchc.pdf import docx_to_pdf
from cchc.units.models import Unit
from cchc.values import moment
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.inputs import typed_date, typed_datetime
from cchc.web.templating import flash, page_count, render

router = APIRouter(include_in_schema=False)


# ---- inbox ----------------------------------------------------------------------------------------------
@router.get("/can-bo")
def inbox_page(request: Request, db: Session = DB_SESSION, user: User = Depends(officer)):
    box = service.inbox(db, user, limit=100)
    return render(request, "dossiers/inbox.html", {"box": box, "names": procedure_names(db, (d.procedure_id for d in box.items)), "now": moment(None),
                                                   "may_receive": service.may_receive(db, user)})


# ---- counter receipt ----------------------------------------------------------------------------------------
def _receipt_context(db: Session, user: User, code: str | None, form: dict | None = None, **extra) -> dict:
    unit = db.get(Unit, user.unit_id) if user.unit_id else None
    level = unit.level if unit else None
    procedures, _ = search_procedures(db, level=level, limit=1000)
    chosen = get_procedure(db, code) if code else None
    now = moment(None)
    due = due_for_procedure(session_calendar(db), chosen, now) if chosen else None
    return {"procedures": procedures, "chosen": chosen, "due": due, "now": now, "unit": unit, "form": form or {}, **extra}


def _require_receiver(db: Session, user: User) -> None:
    """The receipt form opens for those the service lets receive, and says why to anyone else."""
    if not service.may_receive(db, user):
        raise PermissionDenied(
            "Bạn không được tiếp nhận hồ sơ: chỉ cán bộ Bộ phận Một cửa tiếp nhận hồ sơ tại đơn vị của mình."
        )


@router.get("/can-bo/tiep-nhan")
def receipt_page(request: Request, thu_tuc: str = "", db: Session = DB_SESSION, user: User = Depends(officer)):
    _require_receiver(db, user)
    return render(request, "dossiers/receive.html", _receipt_context(db, user, thu_tuc or None))


@router.get("/can-bo/tiep-nhan/thanh-phan")
def receipt_components(request: Request, procedure_code: str = "", db: Session = DB_SESSION, user: User = Depends(officer)):
    """htmx: the components and the due date of the chosen procedure, shown before saving."""
    _require_receiver(db, user)
    return render(request, "dossiers/_receive_procedure.html", _receipt_context(db, user, procedure_code or None))


@router.post("/can-bo/tiep-nhan", dependencies=[Depends(check_csrf)])
async def receipt_submit(request: Request, db: Session = DB_SESSION, user: User = Depends(officer)):
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    code = form.get("procedure_code", "")
    try:
        if not code:
            raise ValidationError("Chưa chọn thủ tục.", field="procedure_code")
        procedure = get_procedure(db, code)
        unit = db.get(Unit, user.unit_id) if user.unit_id else None
        if unit is None:
            raise ValidationError("Tài khoản chưa gắn với đơn vị tiếp nhận.")
        ticked = [int(v) for v in raw.getlist("component") if str(v).isdigit()]
        dossier = service.receive(
            db, user, procedure=procedure, unit=unit, channel=int(form.get("channel", "1") or 1),
            applicant={
                "name": form.get("name", ""), "applicant_type": int(form.get("applicant_type", "1") or 1),
                "id_number": form.get("id_number", ""), "address": form.get("address", ""), "phone": form.get("phone", ""),
                "email": form.get("email", ""), "authorized_person": form.get("authorized_person", ""),
            },
            components=[{"component_id": cid} for cid in ticked],
            request_summary=form.get("request_summary", ""), copies=int(form.get("copies", "1") or 1),
            vneid_verified=bool(form.get("vneid_verified")),
        )
        by_catalogue = {c.component_id: c.id for c in dossier.components}
        for key, value in raw.multi_items():
            if key.startswith("file_") and has_content(value):
                component = by_catalogue.get(int(key[5:])) if key[5:].isdigit() else None
                attach_file(db, user, dossier, "thanh_phan", value.filename or "tep", content_of(value), value.content_type or "",
                            component=component)
    except CchcError as exc:
        db.rollback()
        ticked_ids = {int(v) for v in raw.getlist("component") if str(v).isdigit()}
        ctx = _receipt_context(db, user, code or None, form, error=exc.message, error_field=_field(exc.field), ticked=ticked_ids)
        return render(request, "dossiers/receive.html", ctx, status_code=exc.http_status)
    flash(request, f"Đã tiếp nhận hồ sơ {dossier.code}. Ngày hẹn trả: {vn.fmt_datetime(dossier.due_at)}.")
    return RedirectResponse(f"/can-bo/ho-so/{dossier.code}", status_code=303)


def _field(name: str | None) -> str | None:
    # The applicant's fields are reported as "name", "id_number"… already; components as component_id.
    return {"component_id": "component"}.get(name or "", name)


# ---- the dossier page and its actions -----------------------------------------------------------------------
def _dossier_context(db: Session, user: User, dossier: Dossier, **extra) -> dict:
    unit_ids = {s.unit_id for s in dossier.steps} | {dossier.unit_id}
    units = dict(db.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all())
    colleagues = []
    if dossier.current_unit_id and dossier.current_role:
        colleagues = list(db.scalars(select(User).where(User.unit_id == dossier.current_unit_id, User.role == dossier.current_role,
                                                        User.active.is_(True)).order_by(User.full_name)))
    events = list(db.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id).order_by(DossierEvent.id)))
    return {
        "d": dossier, "procedure": db.get(Procedure, dossier.procedure_id), "units": units, "events": events,
        "actions": service.allowed_actions(db, user, dossier), "forms": service.applicable_forms(dossier),
        "has_result": _has_result(dossier), "unit_signs": unit_can_sign(db.scalar(select(Unit.code).where(Unit.id == dossier.unit_id)) or ""), "result_file": latest_result_pdf(dossier),
        "result_signature": result_signature(dossier),
        "colleague_options": [(str(u.id), u.full_name) for u in colleagues],
        "payment_options": [(p.value, {0: "Không trực tuyến", 1: "Qua Cổng DVC quốc gia", 2: "Qua cổng thanh toán của tỉnh"}[p.value]) for p in OnlinePayment],
        **extra,
    }


@router.get("/can-bo/ho-so/{code}")
def dossier_page(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(officer)):
    dossier = service.get_dossier(db, user, code)
    return render(request, "dossiers/detail.html", _dossier_context(db, user, dossier))


@router.post("/can-bo/ho-so/{code}/thao-tac/{action}", dependencies=[Depends(check_csrf)])
async def dossier_action(request: Request, code: str, action: str, db: Session = DB_SESSION, user: User = Depends(officer)):
    dossier = service.get_dossier(db, user, code)
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    try:
        await perform(db, user, dossier, action, form, raw)
    except CchcError as exc:
        db.rollback()
        dossier = service.get_dossier(db, user, code)
        ctx = _dossier_context(db, user, dossier, error=exc.message, error_field=exc.field, open_action=action, form=form)
        return render(request, "dossiers/detail.html", ctx, status_code=exc.http_status)
    flash(request, f"Đã thực hiện «{service.ACTION_LABELS.get(action, action)}» với hồ sơ {dossier.code}.")
    return RedirectResponse(f"/can-bo/ho-so/{dossier.code}", status_code=303)


async def perform(db: Session, user: User, dossier: Dossier, action: str, form: dict, raw) -> None:
    """Dispatch a page form to the service action of the same name (shared with the citizens' pages)."""
    text = lambda k: form.get(k, "")  # noqa: E731
    if action == "accept":
        service.accept(db, user, dossier)
    elif action == "reject_submission":
        service.reject_submission(db, user, dossier, text("reason"))
    elif action == "forward":
        service.forward(db, user, dossier, text("note"))
    elif action == "send_back":
        service.send_back(db, user, dossier, text("note"))
    elif action == "assign":
        assignee = db.get(User, int(text("assignee"))) if text("assignee").isdigit() else None
        if assignee is None:
            raise ValidationError("Chưa chọn cán bộ được phân công.", field="assignee")
        service.assign(db, user, dossier, assignee)
    elif action == "request_supplement":
        items = [line.strip() for line in text("items").splitlines() if line.strip()]
        service.request_supplement(db, user, dossier, text("reason"), items)
    elif action == "supplement":
        await _attach_uploads(db, user, dossier, raw, "bo_sung")
        service.supplement(db, user, dossier, text("note"))
    elif action == "apologize":
        new_due = typed_datetime(text("new_due_at"), "Ngày hẹn trả mới", "new_due_at", required=True)
        service.apologize(db, user, dossier, text("reason"), new_due)
    elif action in ("refuse", "withdraw", "stop"):
        getattr(service, action)(db, user, dossier, text("reason"))
    elif action == "request_financial":
        service.request_financial(db, user, dossier, text("amount"))
    elif action == "record_payment":
        service.record_payment(db, user, dossier, text("amount"), int(text("online") or 0))
    elif action == "finish":
        await _attach_uploads(db, user, dossier, raw, "ket_qua")
        service.finish(db, user, dossier, result_number=text("result_number"), result_summary=text("result_summary"))
    elif action == "sign_result":
        service.sign_result(db, user, dossier, password=form.get("password", ""))
    elif action == "return_result":
        service.return_result(db, user, dossier)
    elif action == "mark_digitized":
        # The form shows each tick as it stands: what is sent is the whole state (unticking undoes a mistake);
        # the result's tick exists only once there is a result.
        components, result = bool(text("components")), (bool(text("result")) if _has_result(dossier) else None)
        if components == bool(dossier.components_digitized) and (result is None or result == bool(dossier.result_digitized)):
            raise ValidationError("Chưa có gì thay đổi: hãy đánh dấu thành phần hồ sơ hoặc kết quả đã số hóa.", field="components")
        service.mark_digitized(db, user, dossier, components=components, result=result)
    elif action == "attach_file":
        if not await _attach_uploads(db, user, dossier, raw, text("kind") or "thanh_phan"):
            raise ValidationError("Chưa chọn tệp để tải lên.", field="file")
    else:
        raise ValidationError(f"Thao tác «{action}» không tồn tại.")


def _has_result(dossier: Dossier) -> bool:
    return State(dossier.state) in (State.FINISHED, State.RETURNED)


async def _attach_uploads(db: Session, user: User, dossier: Dossier, raw, kind: str) -> int:
    count = 0
    for key, value in raw.multi_items():
        if key == "file" and has_content(value):
            attach_file(db, user, dossier, kind, value.filename or "tep", content_of(value), value.content_type or "")
            count += 1
    return count


# ---- search -----------------------------------------------------------------------------------------------------
@router.get("/can-bo/tim-kiem")
def search_page(
    request: Request,
    q: str = "",
    trang_thai: str = "",
    thu_tuc: str = "",
    tu_ngay: str = "",
    den_ngay: str = "",
    trang: int = 1,
    db: Session = DB_SESSION,
    user: User = Depends(officer),
):
    page, error, error_field = None, None, None
    trang = max(1, trang)
    try:
        start = typed_date(tu_ngay, "Tiếp nhận từ ngày", "tu_ngay")
        end = typed_date(den_ngay, "Đến ngày", "den_ngay")
        page = service.search_dossiers(db, user, q=q or None, state=trang_thai or None, procedure_code=thu_tuc or None,
                                       date_from=start, date_to=end, limit=50, offset=(trang - 1) * 50)
    except CchcError as exc:
        error, error_field = exc.message, exc.field
    items = page.items if page else []
    return render(request, "dossiers/search.html", {
        "page": page, "items": items, "names": procedure_names(db, (d.procedure_id for d in items)), "q": q, "trang_thai": trang_thai,
        "thu_tuc": thu_tuc, "tu_ngay": tu_ngay, "den_ngay": den_ngay, "trang": trang,
        "pages": page_count(page.total if page else 0, 50), "error": error, "error_field": error_field,
        "states": [(s.value, s.label) for s in State],
    })


# ---- printed forms (Mẫu 01–07) ------------------------------------------------------------------------------------
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def document_response(doc, filename: str, fmt: str, signed_by: Unit | None = None, what: str = ""):
    """A python-docx Document as a DOCX download, or as PDF through LibreOffice — signed digitally by `signed_by`
    (the unit's key, cchc.signatures.keys) when asked; refused, saying what is missing, when the unit has none."""
    if signed_by is not None:
        if fmt != "pdf":
            raise ValidationError("Chỉ tệp PDF mới được ký số; hãy chọn định dạng PDF.")
        unit_signer(signed_by.code)  # refused before the conversion when the unit has no key
    if fmt == "docx":
        body, media = to_bytes(doc), DOCX_TYPE
    elif fmt == "pdf":
        with tempfile.TemporaryDirectory(prefix="cchc-form-") as tmp:
            docx_path = Path(tmp) / f"{filename}.docx"
            doc.save(str(docx_path))
            body, media = docx_to_pdf(docx_path, Path(tmp) / f"{filename}.pdf").read_bytes(), "application/pdf"
        if signed_by is not None:
            body = sign_as_unit(body, signed_by.code, signed_by.name, what)
            filename = f"{filename}-ky-so"
    else:
        raise ValidationError(f"Định dạng «{fmt}» không hỗ trợ (chỉ docx hoặc pdf).")
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}.{fmt}"})


@router.get("/can-bo/ho-so/{code}/mau/{number}.{fmt}")
def dossier_form(request: Request, code: str, number: str, fmt: str, ky_so: str = "", db: Session = DB_SESSION,
                 user: User = Depends(officer)):
    """Mẫu 01–06 of a dossier; `ky_so=1` (PDF): signed by the receiving unit that issues the form."""
    dossier = service.get_dossier(db, user, code)
    doc = build_dossier_form(db, dossier, number, base_url=str(request.base_url))
    signer = db.get(Unit, dossier.unit_id) if ky_so else None
    return document_response(doc, f"Mau{number}-{dossier.code}", fmt, signer, f"Mẫu {number} của hồ sơ {dossier.code}")


@router.get("/can-bo/so-theo-doi")
def register_page(request: Request, tu_ngay: str = "", den_ngay: str = "", dinh_dang: str = "", ky_so: str = "",
                  db: Session = DB_SESSION, user: User = Depends(officer)):
    """Mẫu 07 — Sổ theo dõi hồ sơ of the officer's unit for a date range (`ky_so=1`: the PDF signed by the unit)."""
    today = moment(None).date()
    own = db.get(Unit, user.unit_id) if user.unit_id else None
    ctx = {"tu_ngay": tu_ngay or vn.fmt_date(today.replace(day=1)), "den_ngay": den_ngay or vn.fmt_date(today),
           "unit_signs": own is not None and unit_can_sign(own.code)}
    if dinh_dang == "pdf-ky-so":  # the register form's third button
        dinh_dang, ky_so = "pdf", "1"
    if not dinh_dang:
        return render(request, "dossiers/register.html", ctx)
    try:
        start = typed_date(tu_ngay, "Từ ngày", "tu_ngay", required=True)
        end = typed_date(den_ngay, "Đến ngày", "den_ngay", required=True)
        unit = db.get(Unit, user.unit_id) if user.unit_id else None
        if unit is None:  # a system administrator: the register is a unit's, and personal data is not theirs to export
            raise PermissionDenied(f"Sổ theo dõi hồ sơ (Mẫu 07) là sổ của một đơn vị: tài khoản «{user.username}» không gắn với "
                                   "đơn vị nào nên không in, không xuất được sổ.")
        scope = scope_units_query(db, user)
        doc = build_register(db, unit, scope if scope is not None else select(Unit.id), start, end)
        return document_response(doc, f"Mau07-so-theo-doi-{start:%Y%m%d}-{end:%Y%m%d}", dinh_dang,
                                 unit if ky_so else None, "Sổ theo dõi hồ sơ (Mẫu 07)")
    except CchcError as exc:
        field = exc.field or "den_ngay"  # a range that runs backwards is told at its end
        return render(request, "dossiers/register.html", {**ctx, "error": exc.message, "error_field": field}, status_code=exc.http_status)
