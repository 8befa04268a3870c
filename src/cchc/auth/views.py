"""API: log in and out with the session cookie; the CSRF token comes back for later writes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.service import authenticate, change_password, end_sessions, reset_password
from cchc.errors import NotFound
from cchc.web.deps import DB_SESSION, SESSION_CSRF, check_csrf, current_user, login, logout, session_token, signed_in

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


@router.post("/login", response_model=LoginOut, summary="Đăng nhập")
def api_login(body: LoginIn, request: Request, db: Session = DB_SESSION) -> LoginOut:
    client = request.client.host if request.client else ""
    try:
        user = authenticate(db, body.username, body.password, client=client)
    except Exception:
        db.commit()  # keep the failed attempt for throttling
        raise
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
