"""Pages /cai-cach: the unit's CCHC registers in four tabs (Kế hoạch CCHC năm, Văn bản chỉ đạo, Kiểm tra,
Tuyên truyền) — list, add, change a plan item's status, delete, import a file. Every write goes through
cchc.reform.registers; an error is shown next to its field and nothing is saved."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import CchcError, ImportRejected
from cchc.reform import registers as reg
from cchc.reform.enums import PlanStatus
from cchc.reform.figures import reform_figures
from cchc.reform.importer import REGISTERS, register_for
from cchc.reform.plan import REGISTER as PLAN
from cchc.reform.views import rows_of, save_and_import, scoped_unit
from cchc.units.models import Unit
from cchc.auth.deps import require_roles
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, render

router = APIRouter(include_in_schema=False)
reporter = require_roles(Role.REPORTING, Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN)
TABS = [(key, r.title) for key, r in REGISTERS.items()]


def _year(raw) -> int:
    try:
        value = int(str(raw)) if raw not in (None, "") else clock.today().year
    except ValueError:
        value = clock.today().year
    return value if 2000 <= value <= 2100 else clock.today().year


def _url(key: str, unit: Unit, year: int) -> str:
    return f"/cai-cach?tab={key}&don_vi={quote(unit.code)}&nam={year}"


def _context(db: Session, user: User, unit: Unit, key: str, year: int, **extra) -> dict:
    register = register_for(key)
    start, end = date(year, 1, 1), date(year, 12, 31)
    fields = [(f, *reg.widget(f)) for f in register.fields]
    return {"unit": unit, "year": year, "tab": key, "tabs": TABS, "register": register, "fields": fields,
            "items": rows_of(db, register, unit, start, end), "figures": reform_figures(db, unit, start, end),
            "statuses": PlanStatus.choices(), "labels": {f.name: dict(options) for f, kind, options in fields if kind == "select"},
            "typed": {}, **extra}


@router.get("/cai-cach")
def page(request: Request, tab: str = "ke-hoach", don_vi: str = "", nam: str = "",
         db: Session = DB_SESSION, user: User = Depends(reporter)):
    if tab not in REGISTERS:
        tab = "ke-hoach"
    unit = scoped_unit(db, user, don_vi or None)
    return render(request, "reform/page.html", _context(db, user, unit, tab, _year(nam)))


def _form_data(register: reg.Register, form: dict) -> dict:
    data = {}
    for f in register.fields:
        if reg.widget(f)[0] == "check":
            data[f.name] = "1" if form.get(f.name) else "0"
        elif f.name in form:
            data[f.name] = form[f.name]
    return data


@router.post("/cai-cach/{key}/them", dependencies=[Depends(check_csrf)])
async def add(request: Request, key: str, db: Session = DB_SESSION, user: User = Depends(reporter)):
    register = register_for(key)
    form = {k: str(v) for k, v in (await request.form()).items()}
    unit = scoped_unit(db, user, form.get("don_vi") or None)
    year = _year(form.get("nam"))
    data = _form_data(register, form)
    if register is PLAN and not data.get("year"):
        data["year"] = str(year)
    try:
        reg.create(db, user, register, unit, data)
    except CchcError as exc:
        db.rollback()
        ctx = _context(db, user, unit, key, year, error=exc.message, error_field=exc.field, typed=form)
        return render(request, "reform/page.html", ctx, status_code=exc.http_status)
    flash(request, f"Đã thêm vào sổ {register.title}.")
    return RedirectResponse(_url(key, unit, year), status_code=303)


@router.post("/cai-cach/ke-hoach/{item_id}/trang-thai", dependencies=[Depends(check_csrf)])
async def change_status(request: Request, item_id: int, db: Session = DB_SESSION, user: User = Depends(reporter)):
    form = {k: str(v) for k, v in (await request.form()).items()}
    item = reg.get(db, PLAN, item_id)
    unit = db.get(Unit, item.unit_id)
    status = form.get("status", "")
    done = status == PlanStatus.DONE.value
    data = {"status": status, "completed_at": (form.get("completed_at") or None) if done else None}
    if "evidence" in form:
        data["evidence"] = form["evidence"]
    try:
        reg.update(db, user, PLAN, item_id, data)
    except CchcError as exc:
        db.rollback()
        ctx = _context(db, user, unit, PLAN.key, item.year, error=f"Nhiệm vụ STT {item.code}: {exc.message}", error_item=item_id)
        return render(request, "reform/page.html", ctx, status_code=exc.http_status)
    flash(request, f"Đã cập nhật trạng thái nhiệm vụ STT {item.code}.")
    return RedirectResponse(_url(PLAN.key, unit, item.year), status_code=303)


@router.post("/cai-cach/{key}/{entry_id}/xoa", dependencies=[Depends(check_csrf)])
async def remove(request: Request, key: str, entry_id: int, db: Session = DB_SESSION, user: User = Depends(reporter)):
    register = register_for(key)
    form = {k: str(v) for k, v in (await request.form()).items()}
    obj = reg.get(db, register, entry_id)
    unit = db.get(Unit, obj.unit_id)
    reg.delete(db, user, register, entry_id)
    flash(request, f"Đã xóa khỏi sổ {register.title}.")
    return RedirectResponse(_url(key, unit, _year(form.get("nam"))), status_code=303)


@router.post("/cai-cach/{key}/nhap", dependencies=[Depends(check_csrf)])
async def import_page(request: Request, key: str, db: Session = DB_SESSION, user: User = Depends(reporter)):
    register = register_for(key)
    form = await request.form()
    unit = scoped_unit(db, user, str(form.get("don_vi") or "") or None)
    year = _year(form.get("nam"))
    upload = form.get("tep")
    try:
        if upload is None or isinstance(upload, str):
            raise ImportRejected("Chưa chọn tệp để nhập.")
        added = await save_and_import(db, user, key, unit, upload, year if register is PLAN else None)
    except CchcError as exc:
        db.rollback()
        ctx = _context(db, user, unit, key, year, import_error=exc.message)
        return render(request, "reform/page.html", ctx, status_code=exc.http_status)
    flash(request, f"Đã nhập {vn.fmt_int(added)} dòng vào sổ {register.title}.")
    return RedirectResponse(_url(key, unit, year), status_code=303)
