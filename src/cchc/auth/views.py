"""API: log in and out with the session cookie; the CSRF token comes back for later writes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from cchc.auth.deps import current_user, login, logout, session_token, signed_in
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.service import (
    LoginThrottled, authenticate, change_password, create_user, end_sessions, generated_password, register_citizen,
    reset_password, update_user,
)
from cchc.errors import NotFound
from cchc.web.deps import DB_SESSION, SESSION_CSRF, check_csrf

router = APIRouter(prefix="/api/v1/auth", tags=["Tài khoản"])


class LoginIn(BaseModel):
    username: str
    password: str


class UserOut(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    role_label: str
    unit_id: int | None

    @classmethod
    def of(cls, user: User) -> "UserOut":
        return cls(id=user.id, username=user.username, full_name=user.full_name, role=user.role,
                   role_label=Role(user.role).label, unit_id=user.unit_id)


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str


@router.post("/login", response_model=LoginOut, summary="Đăng nhập", responses={
    429: {"description": "Đăng nhập sai quá nhiều lần từ địa chỉ này; tiêu đề Retry-After cho biết số giây phải chờ"},
})
def api_login(body: LoginIn, request: Request, db: Session = DB_SESSION) -> LoginOut:
    client = request.client.host if request.client else ""
    try:
        user = authenticate(db, body.username, body.password, client=client)
    except LoginThrottled as exc:
        return JSONResponse({"detail": exc.message, "field": exc.field}, status_code=exc.http_status,
                            headers={"Retry-After": str(exc.retry_after)})
    except Exception:
        db.commit()  # keep the failed attempt for throttling
        raise
    login(request, db, user)
    return LoginOut(user=UserOut.of(user), csrf_token=request.session[SESSION_CSRF])


class RegisterIn(BaseModel):
    """A citizen's own account; a field left out gets its own Vietnamese message."""

    full_name: str = ""
    id_number: str = ""
    phone: str = ""
    email: str = ""
    username: str = ""
    password: str = ""


@router.post("/register", response_model=LoginOut, status_code=201, summary="Đăng ký tài khoản công dân", responses={
    422: {"description": "Mọi trường sai được báo cùng lúc: «fields» là {trường: lời báo}"},
})
def api_register(body: RegisterIn, request: Request, db: Session = DB_SESSION) -> LoginOut:
    user = register_citizen(db, **body.model_dump())
    login(request, db, user)
    return LoginOut(user=UserOut.of(user), csrf_token=request.session[SESSION_CSRF])


@router.post("/logout", status_code=204, summary="Đăng xuất", dependencies=[Depends(check_csrf)])
def api_logout(request: Request, db: Session = DB_SESSION) -> None:
    logout(request, db)


@router.get("/me", response_model=UserOut, summary="Tài khoản đang đăng nhập")
def api_me(user: User = Depends(signed_in)) -> UserOut:
    return UserOut.of(user)


class PasswordIn(BaseModel):
    old_password: str
    new_password: str


class SessionsEnded(BaseModel):
    ended_sessions: int


@router.post("/password", response_model=SessionsEnded, summary="Đổi mật khẩu (kết thúc các phiên đăng nhập khác)",
             dependencies=[Depends(check_csrf)])
def api_change_password(body: PasswordIn, request: Request, db: Session = DB_SESSION,
                        user: User = Depends(signed_in)) -> SessionsEnded:
    return SessionsEnded(ended_sessions=change_password(db, user, body.old_password, body.new_password,
                                                        keep_session=session_token(request)))


users = APIRouter(prefix="/api/v1/users", tags=["Tài khoản"], dependencies=[Depends(check_csrf)])


class GeneratedPassword(BaseModel):
    password: str
    must_change_password: bool


def _target(db: Session, user_id: int) -> User:
    target = db.get(User, user_id)
    if target is None:
        raise NotFound(f"Không tìm thấy tài khoản số {user_id}.")
    return target


@users.post("/{user_id}/reset-password", response_model=GeneratedPassword,
            summary="Đặt lại mật khẩu: mật khẩu sinh ngẫu nhiên, hiện một lần, phải đổi khi đăng nhập")
def api_reset_password(user_id: int, db: Session = DB_SESSION, user: User = Depends(current_user)) -> GeneratedPassword:
    return GeneratedPassword(password=reset_password(db, user, _target(db, user_id)), must_change_password=True)


@users.post("/{user_id}/end-sessions", response_model=SessionsEnded, summary="Kết thúc mọi phiên đăng nhập của tài khoản")
def api_end_sessions(user_id: int, db: Session = DB_SESSION, user: User = Depends(current_user)) -> SessionsEnded:
    return SessionsEnded(ended_sessions=end_sessions(db, user, _target(db, user_id)))


# ---- account management: what each administrator may grant is the matrix's (cells nguoi_dung.cap.*) -----------
class AccountOut(UserOut):
    """What an administrator sees of an account: the user, and its unit's code, contacts and state."""

    unit_code: str | None
    email: str
    phone: str
    active: bool

    @classmethod
    def of(cls, user: User) -> "AccountOut":
        return cls(**UserOut.of(user).model_dump(), unit_code=user.unit.code if user.unit else None,
                   email=user.email, phone=user.phone, active=user.active)


class AccountCreated(AccountOut):
    password: str
    must_change_password: bool


class AccountIn(BaseModel):
    username: str
    full_name: str
    role: str
    unit_code: str | None = None
    email: str = ""
    phone: str = ""


class AccountPatch(BaseModel):
    """Only what is sent changes; unit_code null or "" means no unit (Quản trị hệ thống, công dân)."""

    role: str | None = None
    unit_code: str | None = None
    full_name: str | None = None
    email: str | None = None
    phone: str | None = None
    active: bool | None = None


def _unit_id(db: Session, code: str | None) -> int | None:
    from cchc.units.service import resolve_unit
    from cchc.errors import ValidationError

    if not code:
        return None
    try:
        return resolve_unit(db, code).id
    except NotFound as exc:
        raise ValidationError(exc.message, field="unit_code") from None


def _manager(db: Session, user: User) -> User:
    from cchc.auth import permissions
    from cchc.errors import PermissionDenied

    if not any(permissions.scope_of(user.role, f"nguoi_dung.cap.{r.value}") != "none" for r in Role):
        raise PermissionDenied(f"{Role(user.role).label} không được quản lý tài khoản người dùng.")
    return user


@users.get("", response_model=list[AccountOut], summary="Tài khoản trong phạm vi quản trị (tìm theo tên đăng nhập, họ tên)")
def api_users(q: str = "", db: Session = DB_SESSION, user: User = Depends(current_user)) -> list[AccountOut]:
    from sqlalchemy import or_, select

    from cchc.auth import permissions
    from cchc.auth.scope import scope_units_query

    _manager(db, user)
    stmt = select(User).order_by(User.username).limit(200)
    if permissions.scope_of(user.role, "nguoi_dung.cap.quan_tri_he_thong") != "system":
        units = scope_units_query(db, user)
        grantable = [r.value for r in Role if permissions.scope_of(user.role, f"nguoi_dung.cap.{r.value}") != "none"]
        stmt = stmt.where(User.unit_id.in_(units), User.role.in_(grantable))
    if q.strip():
        stmt = stmt.where(or_(User.username.contains(q.strip().lower(), autoescape=True),
                              User.full_name.contains(q.strip(), autoescape=True)))
    return [AccountOut.of(u) for u in db.scalars(stmt)]


@users.post("", response_model=AccountCreated, status_code=201,
            summary="Tạo tài khoản: vai trò và đơn vị trong phạm vi quản trị; mật khẩu sinh ngẫu nhiên, hiện một lần")
def api_create_user(body: AccountIn, db: Session = DB_SESSION, user: User = Depends(current_user)) -> AccountCreated:
    _manager(db, user)
    password = generated_password()
    created = create_user(db, user, username=body.username, full_name=body.full_name, password=password, role=body.role,
                          unit_id=_unit_id(db, body.unit_code), email=body.email, phone=body.phone, must_change_password=True)
    db.refresh(created)
    return AccountCreated(**AccountOut.of(created).model_dump(), password=password, must_change_password=True)


@users.patch("/{user_id}", response_model=AccountOut, summary="Đổi vai trò, đơn vị, họ tên, liên hệ; khóa hoặc mở khóa tài khoản")
def api_update_user(user_id: int, body: AccountPatch, db: Session = DB_SESSION, user: User = Depends(current_user)) -> AccountOut:
    _manager(db, user)
    target = _target(db, user_id)
    sent = body.model_fields_set
    changes: dict = {k: getattr(body, k) for k in ("role", "full_name", "email", "phone", "active") if k in sent and getattr(body, k) is not None}
    if "unit_code" in sent:
        changes["unit_id"] = _unit_id(db, body.unit_code)
    update_user(db, user, target, **changes)
    db.refresh(target)
    return AccountOut.of(target)
