"""API: log in and out with the session cookie; the CSRF token comes back for later writes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.service import authenticate
from cchc.web.deps import DB_SESSION, SESSION_CSRF, check_csrf, current_user, login, logout

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
def api_me(user: User = Depends(current_user)) -> UserOut:
    return UserOut.of(user)
