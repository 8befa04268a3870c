"""Pages: the public catalogue of procedures and a page per procedure; the administration of the catalogue
(/quan-tri/thu-tuc: add a procedure, edit it and its internal process)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from cchc.auth.deps import administrator, optional_user
from cchc.auth.models import User
from cchc.errors import CchcError
from cchc.procedures import service
from cchc.procedures.catalogue import get_procedure, list_fields, search_procedures
from cchc.procedures.enums import OnlineLevel, TimeUnit
from cchc.procedures.process import hours_of
from cchc.procedures.schemas import ProcedureOut
from cchc.units.enums import Level
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, page_count, render

router = APIRouter(include_in_schema=False)
admin = APIRouter(prefix="/quan-tri/thu-tuc", include_in_schema=False)
PAGE_SIZE = 20
ADMIN_PAGE_SIZE = 30


@router.get("/thu-tuc")
def catalogue(
    request: Request,
    q: str = "",
    linh_vuc: str = "",
    cap: str = "",
    muc_do: str = "",
    trang: int = 1,
    db: Session = DB_SESSION,
    user=Depends(optional_user),
):
    trang = max(1, trang)
    error = None
    try:
        items, total = search_procedures(db, q or None, field_code=linh_vuc or None, level=cap or None,
                                         online_level=muc_do or None, limit=PAGE_SIZE, offset=(trang - 1) * PAGE_SIZE)
    except CchcError as exc:
        items, total, error = [], 0, exc.message
    return render(request, "procedures/catalogue.html", {
        "items": [ProcedureOut.from_procedure(p, detail=False) for p in items],
        "total": total, "page": trang, "pages": page_count(total, PAGE_SIZE),
        "q": q, "linh_vuc": linh_vuc, "cap": cap, "muc_do": muc_do, "error": error,
        "fields": list_fields(db), "levels": [(lv.value, lv.label) for lv in Level],
        "online_levels": [(o.value, o.label) for o in OnlineLevel],
    })


@router.get("/thu-tuc/{code}")
def procedure_page(request: Request, code: str, db: Session = DB_SESSION, user=Depends(optional_user)):
    procedure = ProcedureOut.from_procedure(get_procedure(db, code))
    return render(request, "procedures/detail.html", {"p": procedure, "levels": {lv.value: lv.label for lv in Level}})


# ---- administration -------------------------------------------------------------------------------------
def _choices() -> dict:
    return {"time_units": [(t.value, t.label) for t in TimeUnit], "online_levels": [(o.value, o.label) for o in OnlineLevel]}


@admin.get("")
def procedures(request: Request, q: str = "", trang: int = 1, db: Session = DB_SESSION, user: User = Depends(administrator)):
    items, total = search_procedures(db, q or None, active=None, limit=ADMIN_PAGE_SIZE,
                                     offset=(max(trang, 1) - 1) * ADMIN_PAGE_SIZE)
    return render(request, "admin/procedures.html", {
        "items": [ProcedureOut.from_procedure(p, detail=False) for p in items], "total": total, "q": q,
        "page": max(trang, 1), "pages": page_count(total, ADMIN_PAGE_SIZE), **_choices(), "form": {},
    })


@admin.post("", dependencies=[Depends(check_csrf)])
async def create_procedure(request: Request, db: Session = DB_SESSION, user: User = Depends(administrator)):
    form = {k: str(v) for k, v in (await request.form()).items()}
    data = {k: form.get(k, "") for k in ("code", "name", "field_code", "field_name", "levels", "time_amount", "time_unit", "online_level")}
    try:
        procedure = service.create_procedure(db, user, data)
    except CchcError as exc:
        db.rollback()
        return render(request, "admin/procedures.html", {
            "items": [], "total": 0, "q": "", "page": 1, "pages": 1, "form": form, "error": exc.message, "error_field": exc.field,
            **_choices(),
        }, status_code=exc.http_status)
    flash(request, f"Đã thêm thủ tục {procedure.code} — {procedure.name} với quy trình nội bộ mặc định.")
    return RedirectResponse(f"/quan-tri/thu-tuc/{procedure.code}", status_code=303)


@admin.get("/{code}")
def procedure_edit(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(administrator)):
    procedure = get_procedure(db, code)
    try:
        service.check_may_edit(db, user, procedure)
    except CchcError as exc:  # shown read-only, with the reason; the save would be refused the same way
        return _procedure_page(request, procedure, {"read_only": exc.message})
    return _procedure_page(request, procedure, {})


def _procedure_page(request: Request, procedure, extra: dict, status_code: int = 200):
    out = ProcedureOut.from_procedure(procedure)
    steps_text = "; ".join(f"{s.role}:{hours_of(s.duration_amount, s.duration_unit).normalize():f}:{int(s.can_return)}"
                           for s in procedure.steps)
    return render(request, "admin/procedure_edit.html", {
        "p": out, "steps_text": extra.pop("steps_text", steps_text), **_choices(), **extra,
    }, status_code=status_code)


@admin.post("/{code}", dependencies=[Depends(check_csrf)])
async def procedure_save(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(administrator)):
    procedure = get_procedure(db, code)
    form = {k: str(v) for k, v in (await request.form()).items()}
    data = {k: form.get(k, "") for k in ("name", "time_amount", "time_unit", "online_level", "cutoff_time", "where_to_submit")}
    for flag in ("eligible_full_online", "paper_result", "has_fee", "fee_online_integrated"):
        data[flag] = flag in form
    if not data["cutoff_time"]:
        data["cutoff_time"] = None
    try:
        service.update_procedure(db, user, procedure, data)
        service.set_steps(db, user, procedure, form.get("steps", ""))
    except CchcError as exc:
        db.rollback()
        procedure = get_procedure(db, code)
        return _procedure_page(request, procedure, {"error": exc.message, "error_field": exc.field, "steps_text": form.get("steps", "")},
                               status_code=exc.http_status)
    flash(request, "Đã lưu thủ tục và quy trình nội bộ.")
    return RedirectResponse(f"/quan-tri/thu-tuc/{code}", status_code=303)
