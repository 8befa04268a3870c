"""Request dependencies: the database session, the signed-in user, CSRF and role checks."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from cchc.audit import service as audit
from cchc.auth import sessions
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.db import session_scope
from cchc.errors import CchcError, PermissionDenied

SESSION_TOKEN = "sid"  # the token of the server-side session (cchc.auth.sessions), inside the signed cookie
SESSION_CSRF = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class UserView:
    """What pages show of the signed-in user."""

    id: int
    username: str
    full_name: str
    role: str
    unit_id: int | None


class LoginRequired(CchcError):
    http_status = 401


class PasswordChangeRequired(CchcError):
    """The account's password was set by someone else: nothing but changing it (or logging out) until then."""

    http_status = 403


def get_db(request: Request) -> Iterator[Session]:
    """One session per request: committed when the handler succeeds, rolled back on any error. The audit log
    learns from where the request came (and, through optional_user, who sent it)."""
    with session_scope() as session:
        audit.set_context(session, client=client_address(request), request_id=getattr(request.state, "request_id", ""))
        yield session


# Every route takes its session through this one declaration. scope="function": the session commits when the
# handler has returned and its response is built, but BEFORE the response is sent (FastAPI's default for a
# dependency with yield ends it after sending): a 201 with a dossier code is never sent for a rolled-back
# receipt, and a commit that fails answers with an error instead.
DB_SESSION = Depends(get_db, scope="function")


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the session's token (form field or X-CSRF-Token header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get(SESSION_CSRF)
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        sent = form.get(CSRF_FIELD)
    if not expected or not sent or not secrets.compare_digest(str(expected), str(sent)):
        raise PermissionDenied("Phiên làm việc đã hết hạn hoặc yêu cầu không hợp lệ (thiếu mã CSRF). Vui lòng tải lại trang và thử lại.")


def optional_user(request: Request, db: Session = DB_SESSION) -> User | None:
    token = request.session.get(SESSION_TOKEN)
    user = sessions.resolve(db, token)
    if user is None and token is not None:
        request.session.pop(SESSION_TOKEN, None)  # ended, expired, or the account was locked
    if user is not None:
        audit.set_context(db, actor=user)
    # The layout reads a plain snapshot: error pages render after the request's session has closed.
    request.state.user = UserView(user.id, user.username, user.full_name, user.role, user.unit_id) if user else None
    return user


def signed_in(user: User | None = Depends(optional_user)) -> User:
    """Any logged-in user, even one who must change a password first (the password page, logout)."""
    if user is None:
        raise LoginRequired("Vui lòng đăng nhập để tiếp tục.")
    return user


def current_user(user: User = Depends(signed_in)) -> User:
    if user.must_change_password:
        raise PasswordChangeRequired("Mật khẩu của bạn do quản trị đặt: hãy đổi mật khẩu trước khi tiếp tục.")
    return user


def officer(user: User = Depends(current_user)) -> User:
    if user.role == Role.CITIZEN:
        raise PermissionDenied("Trang này chỉ dành cho cán bộ.")
    return user


def require_roles(*roles: Role):
    allowed = {r.value for r in roles}

    def dependency(user: User = Depends(current_user)) -> User:
        if user.role not in allowed:
            names = ", ".join(Role(r).label for r in roles)
            raise PermissionDenied(f"Chức năng này chỉ dành cho: {names}.")
        return user

    return dependency


def login(request: Request, db: Session, user: User) -> None:
    """A new server-side session and a new CSRF token: nothing of the anonymous session carries over."""
    request.session.clear()
    request.session[SESSION_TOKEN] = sessions.start(
        db, user, client=client_address(request), user_agent=request.headers.get("user-agent", "")
    )
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


def logout(request: Request, db: Session) -> None:
    sessions.end(db, request.session.get(SESSION_TOKEN))
    request.session.clear()


def session_token(request: Request) -> str | None:
    return request.session.get(SESSION_TOKEN)


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""
