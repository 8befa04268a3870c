"""Administration pages of the accounts (/quan-tri/nguoi-dung): the accounts in the administrator's scope,
creating an officer's account with a generated password, locking, resetting a password, ending sessions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cchc.auth import permissions, sessions
from cchc.auth.deps import administrator
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.scope import unit_scope_ids
from cchc.auth.service import (check_may_manage, create_user, end_sessions, generated_password, reset_password, set_active,
                               update_user)
from cchc.errors import CchcError, NotFound, ValidationError
from cchc.units.service import resolve_unit
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, render

router = APIRouter(prefix="/quan-tri/nguoi-dung", include_in_schema=False)
ROLE_OPTIONS = [(r.value, r.label) for r in Role if r is not Role.CITIZEN]


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


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


@router.get("")
def users(request: Request, q: str = "", db: Session = DB_SESSION, user: User = Depends(administrator)):
    return _users_page(request, db, user, q)


@router.post("", dependencies=[Depends(check_csrf)])
async def user_create(request: Request, db: Session = DB_SESSION, user: User = Depends(administrator)):
    """An officer's account gets a generated password, shown once here, to be replaced at the first login."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        unit_id = None
        if form.get("unit"):
            unit_id = resolve_unit(db, form["unit"]).id
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


@router.post("/{user_id}/trang-thai", dependencies=[Depends(check_csrf)])
async def user_toggle(request: Request, user_id: int, db: Session = DB_SESSION, user: User = Depends(administrator)):
    target = _target(db, user_id)
    set_active(db, user, target, not target.active)
    flash(request, f"Đã {'mở khóa' if target.active else 'khóa'} tài khoản «{target.username}».")
    return _back("/quan-tri/nguoi-dung")


@router.post("/{user_id}/dat-lai-mat-khau", dependencies=[Depends(check_csrf)])
def user_reset_password(request: Request, user_id: int, db: Session = DB_SESSION, user: User = Depends(administrator)):
    target = _target(db, user_id)
    password = reset_password(db, user, target)
    return _users_page(request, db, user, "", {"generated": (target.username, password, "Đã đặt lại mật khẩu cho")})


@router.post("/{user_id}/ky-so", dependencies=[Depends(check_csrf)])
async def user_signing_credential(request: Request, user_id: int, db: Session = DB_SESSION, user: User = Depends(administrator)):
    """The leader's credential at the remote-signing provider (the CA's id of their certificate and key)."""
    target = _target(db, user_id)
    form = await request.form()
    credential = str(form.get("signing_credential") or "")
    try:
        update_user(db, user, target, signing_credential=credential)
    except CchcError as exc:
        db.rollback()
        return _users_page(request, db, user, "", {"error": exc.message, "error_field": exc.field}, status_code=exc.http_status)
    flash(request, f"Đã {'gán' if credential.strip() else 'bỏ'} mã chứng thư ký số từ xa của «{target.username}».")
    return _back("/quan-tri/nguoi-dung")


@router.post("/{user_id}/ket-thuc-phien", dependencies=[Depends(check_csrf)])
def user_end_sessions(request: Request, user_id: int, db: Session = DB_SESSION, user: User = Depends(administrator)):
    target = _target(db, user_id)
    ended = end_sessions(db, user, target)
    flash(request, f"Đã kết thúc {ended} phiên đăng nhập của «{target.username}».")
    return _back("/quan-tri/nguoi-dung")
