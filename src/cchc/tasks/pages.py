"""Pages of assigned tasks: the list of the user's scope, the assign form, the task page with its actions."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import vn
from cchc.auth.deps import officer
from cchc.auth.models import User
from cchc.auth.scope import scope_units_query
from cchc.errors import CchcError, NotFound, PermissionDenied, ValidationError
from cchc.tasks import service
from cchc.tasks.enums import ACTION_LABELS, ISSUER_LABELS, SOURCE_LABELS, STATE_LABELS, TaskAction
from cchc.tasks.importer import import_upload
from cchc.tasks.jobs import reminders_of
from cchc.tasks.models import Task
from cchc.tasks.stats import task_figures, task_sentences, window_label
from cchc.units.models import Unit
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, page_count, render

router = APIRouter(include_in_schema=False)
PAGE = 50

LABELS = {
    "states": {s.value: l for s, l in STATE_LABELS.items()},
    "sources": {s.value: l for s, l in SOURCE_LABELS.items()},
    "actions": {a.value: l for a, l in ACTION_LABELS.items()},
    "issuers": [(i.value, l) for i, l in ISSUER_LABELS.items()],
}
ACTION_SLUGS = {"tiep-nhan": TaskAction.ACCEPT, "bao-cao-hoan-thanh": TaskAction.REPORT_DONE, "xac-nhan": TaskAction.CONFIRM,
                "tra-lai": TaskAction.RETURN, "gia-han": TaskAction.EXTEND}
SLUG_OF = {a: s for s, a in ACTION_SLUGS.items()}


def _list_context(db: Session, user: User, trang_thai: str, nguon: str, qua_han: str, q: str, trang: int, **extra) -> dict:
    today = service.moment(None).date()
    error = error_field = None
    overdue = {"1": True, "0": False}.get(qua_han)
    try:
        box = service.list_tasks(db, user, state=trang_thai or None, source=nguon or None, overdue=overdue, q=q or None,
                                 today=today, limit=PAGE, offset=(max(trang, 1) - 1) * PAGE)
    except ValidationError as exc:
        error, error_field = exc.message, {"state": "trang_thai", "source": "nguon"}.get(exc.field or "", exc.field)
        box = service.list_tasks(db, user, today=today, limit=PAGE)
    start = date(today.year, 1, 1)
    try:
        figures = task_figures(db, service.stats_unit(db, user, None), start, today, today=today)
        sentences = task_sentences(figures, window_label(start, today))
    except PermissionDenied as exc:
        figures, sentences = None, [exc.message]
    reminders = reminders_of(db, scope_units_query(db, user), limit=10)
    return {
        "box": box, "names": service.unit_names(db, [t.lead_unit_id for t in box.items]), "today": today, "labels": LABELS,
        "filters": {"trang_thai": trang_thai, "nguon": nguon, "qua_han": qua_han, "q": q}, "trang": max(trang, 1),
        "pages": page_count(box.total, PAGE), "may_assign": service.may_assign(db, user),
        "reminders": reminders, "figures": figures, "sentences": sentences,
        "codes": dict(db.execute(select(Task.id, Task.code).where(Task.id.in_([r.task_id for r in reminders]))).all()) if reminders else {},
        "error": error, "error_field": error_field, **extra,
    }


@router.get("/nhiem-vu")
def list_page(request: Request, trang_thai: str = "", nguon: str = "", qua_han: str = "", q: str = "", trang: int = 1,
              db: Session = DB_SESSION, user: User = Depends(officer)):
    ctx = _list_context(db, user, trang_thai, nguon, qua_han, q, trang)
    return render(request, "tasks/list.html", ctx, status_code=422 if ctx["error"] else 200)


@router.post("/nhiem-vu/nhap", dependencies=[Depends(check_csrf)])
async def import_page(request: Request, db: Session = DB_SESSION, user: User = Depends(officer)):
    form = await request.form()
    upload = form.get("file")
    try:
        if upload is None or not hasattr(upload, "read") or not upload.filename:
            raise ValidationError("Chưa chọn tệp nhiệm vụ (.xlsx) để nhập.", field="file")
        result = import_upload(db, user, upload.filename, await upload.read())
    except CchcError as exc:
        db.rollback()
        ctx = _list_context(db, user, "", "", "", "", 1, import_error=exc.message)
        return render(request, "tasks/list.html", ctx, status_code=exc.http_status)
    flash(request, result.summary())
    return RedirectResponse("/nhiem-vu", status_code=303)


# ---- assign ------------------------------------------------------------------------------------------------
def _assign_context(db: Session, user: User, form: dict | None = None, **extra) -> dict:
    units = service.assignable_units(db, user)
    return {"units": [(u.id, f"{u.name} ({u.code})") for u in units], "labels": LABELS, "form": form or {},
            "chosen": set(extra.pop("chosen", ())), **extra}


@router.get("/nhiem-vu/giao")
def assign_page(request: Request, db: Session = DB_SESSION, user: User = Depends(officer)):
    if not service.may_assign(db, user):
        raise PermissionDenied("Chỉ cơ quan giao nhiệm vụ (Văn phòng UBND tỉnh) hoặc Quản trị hệ thống được giao nhiệm vụ.")
    return render(request, "tasks/assign.html", _assign_context(db, user, {"document_date": vn.fmt_date(service.moment(None))}))


def _int(value: str, field: str, what: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError(f"{what} «{value}» phải là số nguyên dương.", field=field)
    return int(value)


def _form_date(form: dict, name: str, what: str, missing: str | None = None) -> date | None:
    """The date typed in field `name`, its error tied to that field; blank is None, or refused with `missing`."""
    text = form.get(name, "").strip()
    if not text:
        if missing:
            raise ValidationError(missing, field=name)
        return None
    try:
        return vn.parse_date(text, what=what)
    except ValidationError as exc:
        raise ValidationError(exc.message, field=name) from None


@router.post("/nhiem-vu/giao", dependencies=[Depends(check_csrf)])
async def assign_submit(request: Request, db: Session = DB_SESSION, user: User = Depends(officer)):
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    chosen = [int(v) for v in raw.getlist("coordinating") if str(v).isdigit()]
    try:
        lead_id = _int(form.get("lead_unit", ""), "lead_unit", "Đơn vị chủ trì")
        lead = db.get(Unit, lead_id) if lead_id else None
        if lead_id and lead is None:
            raise NotFound("Không tìm thấy đơn vị chủ trì đã chọn.", field="lead_unit")
        deadline_text = form.get("deadline", "").strip()
        deadline = vn.parse_date(deadline_text, what="hạn xử lý") if deadline_text else None
        doc_date = _form_date(form, "document_date", "ngày văn bản", missing="Chưa nhập ngày văn bản.")
        coordinators = [u for u in (db.get(Unit, i) for i in chosen) if u is not None]
        task = service.assign(
            db, user, document_number=form.get("document_number", ""), document_date=doc_date,
            issuer_level=form.get("issuer_level", ""), issuer=form.get("issuer", ""), subject=form.get("subject", ""),
            title=form.get("title", ""), content=form.get("content", ""), lead_unit=lead, coordinating_units=coordinators,
            deadline=deadline, working_days=_int(form.get("working_days", ""), "working_days", "Số ngày làm việc"),
        )
    except CchcError as exc:
        db.rollback()
        field = exc.field if exc.field != "deadline" or not form.get("working_days") else "working_days"
        if exc.field is None and "hạn xử lý" in exc.message.lower():
            field = "deadline"
        ctx = _assign_context(db, user, form, chosen=chosen, error=exc.message, error_field=field)
        return render(request, "tasks/assign.html", ctx, status_code=exc.http_status)
    flash(request, f"Đã giao nhiệm vụ {task.code}. Hạn xử lý: {vn.fmt_date(task.deadline)}.")
    return RedirectResponse(f"/nhiem-vu/{task.code}", status_code=303)


# ---- one task ------------------------------------------------------------------------------------------------
def _task_context(db: Session, user: User, task: Task, **extra) -> dict:
    today = service.moment(None).date()
    names = service.unit_names(db, [task.lead_unit_id, task.assigner_unit_id or task.lead_unit_id, *(c.unit_id for c in task.coordinators)])
    return {"t": task, "names": names, "today": today, "labels": LABELS, "overdue": task.is_overdue_on(today),
            "actions": [SLUG_OF[a] for a in service.allowed_actions(db, user, task)], "action_labels": {s: ACTION_LABELS[a] for s, a in ACTION_SLUGS.items()},
            "form": {}, **extra}


@router.get("/nhiem-vu/{code}")
def task_page(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(officer)):
    return render(request, "tasks/detail.html", _task_context(db, user, service.get_task(db, code, user)))


@router.post("/nhiem-vu/{code}/thao-tac/{slug}", dependencies=[Depends(check_csrf)])
async def task_action(request: Request, code: str, slug: str, db: Session = DB_SESSION, user: User = Depends(officer)):
    action = ACTION_SLUGS.get(slug)
    if action is None:
        raise NotFound(f"Không có thao tác «{slug}».")
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    task = service.get_task(db, code, user)
    try:
        if action == TaskAction.ACCEPT:
            service.accept(db, user, task, form.get("note", ""))
        elif action == TaskAction.REPORT_DONE:
            completed = _form_date(form, "completed_on", "ngày hoàn thành")
            service.report_done(db, user, task, form.get("note", ""), completed_on=completed)
        elif action == TaskAction.CONFIRM:
            service.confirm(db, user, task, form.get("note", ""))
        elif action == TaskAction.RETURN:
            service.return_task(db, user, task, form.get("reason", ""))
        else:
            new = _form_date(form, "new_deadline", "hạn mới", missing="Chưa nhập hạn mới.")
            service.extend(db, user, task, new, form.get("reason", ""))
    except CchcError as exc:
        db.rollback()
        task = service.get_task(db, code, user)
        ctx = _task_context(db, user, task, error=exc.message, error_field=exc.field, open_action=slug, form=form)
        return render(request, "tasks/detail.html", ctx, status_code=exc.http_status)
    flash(request, f"Đã thực hiện «{ACTION_LABELS[action]}» với nhiệm vụ {task.code}.")
    return RedirectResponse(f"/nhiem-vu/{task.code}", status_code=303)

