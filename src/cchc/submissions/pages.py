"""Pages: /bao-cao-gui (a unit prepares and sends its report) and /bao-cao-tong-hop (the reporting
officer above: statuses, decisions, reminders, the consolidated report). Every action goes through
cchc.submissions.service; a refusal re-renders the page with the message next to its field."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cchc import clock
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import CchcError, ValidationError
from cchc.periods import period_choices
from cchc.reports.xlsx import write_forms
from cchc.submissions import service
from cchc.submissions.views import consolidated_file, file_response, own_unit, prepare_upload, resolve, visible
from cchc.auth.deps import officer
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, render

router = APIRouter(include_in_schema=False)


def _period_or_error(ky: str):
    try:
        return resolve(ky or None), None
    except CchcError as exc:
        return resolve(None), exc.message


def _unit_page(request: Request, db: Session, user: User, ky: str, *, error: str | None = None, error_field: str | None = None,
               status_code: int = 200):
    period, period_error = _period_or_error(ky)
    unit = own_unit(db, user)
    sub = service.get_submission(db, unit, period)
    ctx = {
        "unit": unit, "period": period, "choices": period_choices(clock.today()), "on_cchc": service.is_on_cchc(db, unit),
        "sub": sub, "events": service.events(db, sub) if sub is not None else [], "deadline": service.deadline_for(period),
        "labels": service.STATE_LABELS, "status_labels": service.STATUS_LABELS, "status": service.status_of(sub),
        "error": error or period_error, "error_field": error_field if error else ("ky" if period_error else None),
        "is_leader": user.role == Role.LEADER, "reminders": service.reminders_of(db, unit, period),
    }
    return render(request, "submissions/unit.html", ctx, status_code=status_code if not period_error or error else 422)


@router.get("/bao-cao-gui")
def unit_page(request: Request, ky: str = "", db: Session = DB_SESSION, user: User = Depends(officer)):
    return _unit_page(request, db, user, ky)


async def _form(request: Request) -> dict:
    return dict(await request.form())


@router.post("/bao-cao-gui/lap", dependencies=[Depends(check_csrf)])
async def unit_prepare(request: Request, db: Session = DB_SESSION, user: User = Depends(officer)):
    form = await _form(request)
    ky = str(form.get("ky", ""))
    try:
        service.prepare_from_cchc(db, user, own_unit(db, user), resolve(ky or None))
    except CchcError as exc:
        db.rollback()
        return _unit_page(request, db, user, ky, error=exc.message, error_field="lap", status_code=exc.http_status)
    flash(request, "Đã lập dự thảo báo cáo từ số liệu cchc.")
    return RedirectResponse(f"/bao-cao-gui?ky={quote(ky)}", status_code=303)


@router.post("/bao-cao-gui/tai-len", dependencies=[Depends(check_csrf)])
async def unit_upload(request: Request, db: Session = DB_SESSION, user: User = Depends(officer)):
    form = await _form(request)
    ky = str(form.get("ky", ""))
    upload = form.get("tep")
    try:
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise ValidationError("Chưa chọn tệp Biểu mẫu (XLSX).")
        await prepare_upload(db, user, ky or None, upload)
    except CchcError as exc:
        db.rollback()
        return _unit_page(request, db, user, ky, error=exc.message, error_field="tep", status_code=exc.http_status)
    flash(request, "Đã nhận Biểu mẫu; dự thảo báo cáo đã được lập.")
    return RedirectResponse(f"/bao-cao-gui?ky={quote(ky)}", status_code=303)


@router.post("/bao-cao-gui/gui", dependencies=[Depends(check_csrf)])
async def unit_submit(request: Request, db: Session = DB_SESSION, user: User = Depends(officer)):
    form = await _form(request)
    ky = str(form.get("ky", ""))
    try:
        sub = service.submit(db, user, own_unit(db, user), resolve(ky or None), acknowledge=form.get("xac_nhan") == "1")
    except CchcError as exc:
        db.rollback()
        return _unit_page(request, db, user, ky, error=exc.message, error_field="gui", status_code=exc.http_status)
    flash(request, "Đã gửi báo cáo lên cấp trên" + (" (sau hạn)." if sub.late else " (đúng hạn)."))
    return RedirectResponse(f"/bao-cao-gui?ky={quote(ky)}", status_code=303)


@router.get("/bao-cao-gui/mau")
def unit_template(ky: str = "", db: Session = DB_SESSION, user: User = Depends(officer)):
    unit, period = own_unit(db, user), resolve(ky or None)
    name = f"bieu-mau-{unit.code}-{period.key}.xlsx"
    with tempfile.TemporaryDirectory(prefix="cchc-template-") as tmp:
        body = write_forms(service.template_context(db, unit, period), Path(tmp) / name).read_bytes()
    return Response(body, media_type=service.XLSX_MEDIA, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/bao-cao-gui/{submission_id}/tep")
def submission_file(submission_id: int, db: Session = DB_SESSION, user: User = Depends(officer)):
    return file_response(visible(db, user, submission_id))


# --- the reporting officer above -------------------------------------------------------------------

def _province_page(request: Request, db: Session, user: User, ky: str, cap: str, *, error: str | None = None,
                   error_field: str | None = None, status_code: int = 200):
    root = own_unit(db, user)
    service.check_overview_access(db, user, root)
    period, period_error = _period_or_error(ky)
    level = cap if cap in ("tinh", "huyen", "xa") else None
    rows = service.overview(db, root, period, level=level)
    ctx = {
        "unit": root, "period": period, "choices": period_choices(clock.today()), "rows": rows, "counts": service.counts(rows),
        "status_labels": service.STATUS_LABELS, "deadline": service.deadline_for(period), "cap": level or "",
        "error": error or period_error, "error_field": error_field if error else ("ky" if period_error else None),
    }
    return render(request, "submissions/province.html", ctx, status_code=status_code if not period_error or error else 422)


@router.get("/bao-cao-tong-hop")
def province_page(request: Request, ky: str = "", cap: str = "", db: Session = DB_SESSION, user: User = Depends(officer)):
    return _province_page(request, db, user, ky, cap)


@router.post("/bao-cao-tong-hop/{submission_id}/quyet-dinh", dependencies=[Depends(check_csrf)])
async def province_decide(submission_id: int, request: Request, db: Session = DB_SESSION, user: User = Depends(officer)):
    form = await _form(request)
    ky, cap = str(form.get("ky", "")), str(form.get("cap", ""))
    comment = str(form.get("y_kien", ""))
    try:
        sub = visible(db, user, submission_id)
        if form.get("thao_tac") == "duyet":
            service.accept(db, user, sub, comment)
        else:
            service.return_(db, user, sub, comment)
    except CchcError as exc:
        db.rollback()
        return _province_page(request, db, user, ky, cap, error=exc.message, error_field=f"y_kien_{submission_id}", status_code=exc.http_status)
    flash(request, "Đã duyệt báo cáo." if form.get("thao_tac") == "duyet" else "Đã trả lại báo cáo kèm ý kiến.")
    return RedirectResponse(f"/bao-cao-tong-hop?ky={quote(ky)}&cap={quote(cap)}", status_code=303)


@router.post("/bao-cao-tong-hop/nhac", dependencies=[Depends(check_csrf)])
async def province_remind(request: Request, db: Session = DB_SESSION, user: User = Depends(officer)):
    form = await _form(request)
    ky, cap = str(form.get("ky", "")), str(form.get("cap", ""))
    try:
        root, period = own_unit(db, user), resolve(ky or None)
        ids = [int(form["don_vi"])] if str(form.get("don_vi", "")).isdigit() else None
        created = service.remind(db, user, root, period, unit_ids=ids, level=cap or None)
    except CchcError as exc:
        db.rollback()
        return _province_page(request, db, user, ky, cap, error=exc.message, error_field="nhac", status_code=exc.http_status)
    flash(request, f"Đã nhắc {len(created)} đơn vị." if created else "Hôm nay đã nhắc các đơn vị này rồi.")
    return RedirectResponse(f"/bao-cao-tong-hop?ky={quote(ky)}&cap={quote(cap)}", status_code=303)


@router.get("/bao-cao-tong-hop/tai")
def province_download(ky: str = "", dinh_dang: str = "docx", cap: str = "", db: Session = DB_SESSION, user: User = Depends(officer)):
    return consolidated_file(db, user, ky or None, dinh_dang, cap if cap in ("tinh", "huyen", "xa") else None)
