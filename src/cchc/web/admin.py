"""Administration pages: the procedure catalogue and its internal steps, units, users, the calendar."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.scope import unit_scope_ids
from cchc.auth import sessions
from cchc.auth import permissions
from cchc.auth.service import check_may_manage, create_user, end_sessions, generated_password, reset_password, set_active
from cchc.calendar import service as calendar_service
from cchc.errors import CchcError, NotFound, ValidationError
from cchc.procedures import service as procedure_service
from cchc.procedures.enums import OnlineLevel, TimeUnit
from cchc.procedures.schemas import ProcedureOut
from cchc.units import service as unit_service
from cchc.units.enums import UNIT_KINDS, Level
from cchc.web.deps import DB_SESSION, check_csrf, require_roles
from cchc.web.templating import flash, render

router = APIRouter(prefix="/quan-tri", include_in_schema=False)
admin_only = require_roles(Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)
ROLE_OPTIONS = [(r.value, r.label) for r in Role if r is not Role.CITIZEN]


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("")
def index(request: Request, user: User = Depends(admin_only)):
    return render(request, "admin/index.html", {})


# ---- procedures -------------------------------------------------------------------------------------
@router.get("/thu-tuc")
def procedures(request: Request, q: str = "", trang: int = 1, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    items, total = procedure_service.search_procedures(db, q or None, active=None, limit=30, offset=(max(trang, 1) - 1) * 30)
    return render(request, "admin/procedures.html", {
        "items": [ProcedureOut.from_procedure(p, detail=False) for p in items], "total": total, "q": q,
        "page": max(trang, 1), "pages": max(1, -(-total // 30)),
        "time_units": [(t.value, t.label) for t in TimeUnit], "online_levels": [(o.value, o.label) for o in OnlineLevel],
        "form": {},
    })


@router.post("/thu-tuc", dependencies=[Depends(check_csrf)])
async def create_procedure(request: Request, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    form = {k: str(v) for k, v in (await request.form()).items()}
    data = {k: form.get(k, "") for k in ("code", "name", "field_code", "field_name", "levels", "time_amount", "time_unit", "online_level")}
    try:
        procedure = procedure_service.create_procedure(db, user, data)
    except CchcError as exc:
        db.rollback()
        return render(request, "admin/procedures.html", {
            "items": [], "total": 0, "q": "", "page": 1, "pages": 1, "form": form, "error": exc.message, "error_field": exc.field,
            "time_units": [(t.value, t.label) for t in TimeUnit], "online_levels": [(o.value, o.label) for o in OnlineLevel],
        }, status_code=exc.http_status)
    flash(request, f"Đã thêm thủ tục {procedure.code} — {procedure.name} với quy trình nội bộ mặc định.")
    return _back(f"/quan-tri/thu-tuc/{procedure.code}")


@router.get("/thu-tuc/{code}")
def procedure_edit(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    procedure = procedure_service.get_procedure(db, code)
    try:
        procedure_service.check_may_edit(db, user, procedure)
    except CchcError as exc:  # shown read-only, with the reason; the save would be refused the same way
        return _procedure_page(request, procedure, {"read_only": exc.message})
    return _procedure_page(request, procedure, {})


def _procedure_page(request: Request, procedure, extra: dict, status_code: int = 200):
    out = ProcedureOut.from_procedure(procedure)
    steps_text = "; ".join(f"{s.role}:{procedure_service.hours_of(s.duration_amount, s.duration_unit).normalize():f}:{int(s.can_return)}" for s in procedure.steps)
    return render(request, "admin/procedure_edit.html", {
        "p": out, "steps_text": extra.pop("steps_text", steps_text),
        "time_units": [(t.value, t.label) for t in TimeUnit], "online_levels": [(o.value, o.label) for o in OnlineLevel],
        **extra,
    }, status_code=status_code)


@router.post("/thu-tuc/{code}", dependencies=[Depends(check_csrf)])
async def procedure_save(request: Request, code: str, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    procedure = procedure_service.get_procedure(db, code)
    form = {k: str(v) for k, v in (await request.form()).items()}
    data = {k: form.get(k, "") for k in ("name", "time_amount", "time_unit", "online_level", "cutoff_time", "where_to_submit")}
    for flag in ("eligible_full_online", "paper_result", "has_fee", "fee_online_integrated"):
        data[flag] = flag in form
    if not data["cutoff_time"]:
        data["cutoff_time"] = None
    try:
        procedure_service.update_procedure(db, user, procedure, data)
        procedure_service.set_steps(db, user, procedure, form.get("steps", ""))
    except CchcError as exc:
        db.rollback()
        procedure = procedure_service.get_procedure(db, code)
        return _procedure_page(request, procedure, {"error": exc.message, "error_field": exc.field, "steps_text": form.get("steps", "")},
                               status_code=exc.http_status)
    flash(request, "Đã lưu thủ tục và quy trình nội bộ.")
    return _back(f"/quan-tri/thu-tuc/{code}")


# ---- units ----------------------------------------------------------------------------------------------
@router.get("/don-vi")
def units(request: Request, ma: str = "", q: str = "", db: Session = DB_SESSION, user: User = Depends(admin_only)):
    return _units_page(request, db, ma, q, {})


def _units_page(request: Request, db: Session, ma: str, q: str, extra: dict, status_code: int = 200):
    parent = unit_service.resolve_unit(db, ma) if ma else None
    if q:
        rows = unit_service.search_units(db, q, limit=100)
    elif parent is not None:
        rows = unit_service.list_units(db, parent=parent)
    else:
        rows = unit_service.list_units(db, level="tinh", on=clock.today())
        rows = [u for u in rows if u.parent_id is None]
    return render(request, "admin/units.html", {
        "parent": parent, "chain": unit_service.ancestors(parent) if parent else [], "rows": rows, "q": q,
        "kinds": UNIT_KINDS, "levels": [(lv.value, lv.label) for lv in Level], "form": {}, **extra,
    }, status_code=status_code)


@router.post("/don-vi", dependencies=[Depends(check_csrf)])
async def unit_create(request: Request, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        parent = unit_service.resolve_unit(db, form["parent"]) if form.get("parent") else None
        unit = unit_service.create_unit(
            db, code=form.get("code", ""), name=form.get("name", ""), level=form.get("level", ""), kind=form.get("kind", ""),
            parent=parent, valid_from=vn.parse_date(form["valid_from"], what="ngày hiệu lực") if form.get("valid_from") else None,
            actor=user,
        )
    except CchcError as exc:
        db.rollback()
        return _units_page(request, db, form.get("parent", ""), "", {"form": form, "error": exc.message, "error_field": exc.field},
                           status_code=exc.http_status)
    flash(request, f"Đã thêm đơn vị {unit.code} — {unit.name}.")
    return _back(f"/quan-tri/don-vi?ma={form.get('parent', '')}")


# ---- users ------------------------------------------------------------------------------------------------
def _users_in_scope(db: Session, user: User, q: str):
    stmt = select(User).order_by(User.username).limit(200)
    if user.role != Role.SYSTEM_ADMIN:
        stmt = stmt.where(User.unit_id.in_(unit_scope_ids(db, user)))
    if q:
        key = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(User.username.like(key), User.full_name.like(f"%{q.strip()}%")))
    return list(db.scalars(stmt))


def _manageable(db: Session, user: User, rows: list[User]) -> set[int]:
    """The accounts of the page this administrator may lock, reset or log out (the matrix, cells nguoi_dung.cap.*)."""
    ids = set()
    for row in rows:
        try:
            check_may_manage(db, user, row)
        except CchcError:
            continue
        ids.add(row.id)
    return ids


def _users_page(request: Request, db: Session, user: User, q: str = "", extra: dict | None = None, status_code: int = 200):
    rows = _users_in_scope(db, user, q)
    grantable = [(value, label) for value, label in ROLE_OPTIONS
                 if permissions.scope_of(user.role, f"nguoi_dung.cap.{value}") != "none"]
    return render(request, "admin/users.html", {
        "rows": rows, "q": q, "roles": grantable, "form": {}, "manageable": _manageable(db, user, rows),
        "open_sessions": sessions.count_open(db, [u.id for u in rows]), **(extra or {}),
    }, status_code=status_code)


@router.get("/nguoi-dung")
def users(request: Request, q: str = "", db: Session = DB_SESSION, user: User = Depends(admin_only)):
    return _users_page(request, db, user, q)


@router.post("/nguoi-dung", dependencies=[Depends(check_csrf)])
async def user_create(request: Request, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    """An officer's account gets a generated password, shown once here, to be replaced at the first login."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        unit_id = None
        if form.get("unit"):
            unit_id = unit_service.resolve_unit(db, form["unit"]).id
        if not form.get("unit") and form.get("role") != Role.SYSTEM_ADMIN:
            raise ValidationError("Cán bộ phải thuộc một đơn vị: nhập mã đơn vị.", field="unit")
        password = generated_password()
        created = create_user(db, user, username=form.get("username", ""), full_name=form.get("full_name", ""),
                              password=password, role=form.get("role", ""), unit_id=unit_id,
                              email=form.get("email", ""), phone=form.get("phone", ""), must_change_password=True)
    except CchcError as exc:
        db.rollback()
        return _users_page(request, db, user, "", {"form": form, "error": exc.message,
                                                   "error_field": "unit" if exc.field == "unit_id" else exc.field},
                           status_code=exc.http_status)
    return _users_page(request, db, user, "", {"generated": (created.username, password, "Đã tạo tài khoản")})


def _target(db: Session, user_id: int) -> User:
    target = db.get(User, user_id)
    if target is None:
        raise NotFound("Không tìm thấy tài khoản.")
    return target


@router.post("/nguoi-dung/{user_id}/trang-thai", dependencies=[Depends(check_csrf)])
async def user_toggle(request: Request, user_id: int, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    target = _target(db, user_id)
    set_active(db, user, target, not target.active)
    flash(request, f"Đã {'mở khóa' if target.active else 'khóa'} tài khoản «{target.username}».")
    return _back("/quan-tri/nguoi-dung")


@router.post("/nguoi-dung/{user_id}/dat-lai-mat-khau", dependencies=[Depends(check_csrf)])
def user_reset_password(request: Request, user_id: int, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    target = _target(db, user_id)
    password = reset_password(db, user, target)
    return _users_page(request, db, user, "", {"generated": (target.username, password, "Đã đặt lại mật khẩu cho")})


@router.post("/nguoi-dung/{user_id}/ket-thuc-phien", dependencies=[Depends(check_csrf)])
def user_end_sessions(request: Request, user_id: int, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    target = _target(db, user_id)
    ended = end_sessions(db, user, target)
    flash(request, f"Đã kết thúc {ended} phiên đăng nhập của «{target.username}».")
    return _back("/quan-tri/nguoi-dung")


# ---- calendar ---------------------------------------------------------------------------------------------
@router.get("/lich")
def calendar_page(request: Request, nam: int | None = None, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    return _calendar_page(request, db, user, nam or clock.today().year, {})


def _calendar_page(request: Request, db: Session, user: User, year: int, extra: dict, status_code: int = 200):
    if not 2000 <= year <= 2100:
        raise ValidationError("Năm phải trong khoảng 2000–2100.", field="nam")
    return render(request, "admin/calendar.html", {
        "year": year, "days": calendar_service.year_calendar(db, year),
        "overrides": calendar_service.list_overrides(db),
        "hours": calendar_service.format_sessions(calendar_service.office_hours(db)),
        "is_system_admin": user.role == Role.SYSTEM_ADMIN, "form": {}, **extra,
    }, status_code=status_code)


@router.post("/lich/ngay", dependencies=[Depends(check_csrf)])
async def calendar_add(request: Request, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        day = vn.parse_date(form.get("day", ""), what="ngày")
        calendar_service.add_override(db, user, day, form.get("kind", ""), form.get("name", ""), form.get("legal_ref", ""))
    except CchcError as exc:
        db.rollback()
        return _calendar_page(request, db, user, clock.today().year,
                              {"form": form, "error": exc.message, "error_field": exc.field or "day"}, status_code=exc.http_status)
    flash(request, f"Đã khai báo ngày {vn.fmt_date(day)}.")
    return _back(f"/quan-tri/lich?nam={day.year}")


@router.post("/lich/ngay/{day}/xoa", dependencies=[Depends(check_csrf)])
async def calendar_remove(request: Request, day: date, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    calendar_service.remove_override(db, user, day)
    flash(request, f"Đã xóa điều chỉnh ngày {vn.fmt_date(day)}.")
    return _back(f"/quan-tri/lich?nam={day.year}")


@router.post("/lich/gio", dependencies=[Depends(check_csrf)])
async def calendar_hours(request: Request, db: Session = DB_SESSION, user: User = Depends(admin_only)):
    form = await request.form()
    try:
        calendar_service.set_office_hours(db, user, calendar_service.parse_sessions(str(form.get("hours", ""))))
    except CchcError as exc:
        db.rollback()
        return _calendar_page(request, db, user, clock.today().year,
                              {"form": dict(form), "error": exc.message, "error_field": "hours"}, status_code=exc.http_status)
    flash(request, "Đã cập nhật giờ làm việc.")
    return _back("/quan-tri/lich")
