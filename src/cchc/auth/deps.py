"""Who is signed in, for the web: the user of a request, role guards, logging in and out.

Built on the framework's dependencies (cchc.web.deps: the request's session, CSRF); every domain's pages and
API routes take their user from here. `install` sends a person who must log in, or change a password first,
to the page that does it (the API gets the error as JSON).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from cchc.audit import service as audit
from cchc.auth import sessions
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.errors import CchcError, PermissionDenied
from cchc.web.deps import DB_SESSION, SESSION_CSRF, client_address
from cchc.web.errors import cchc_error_response, wants_json

SESSION_TOKEN = "sid"  # the token of the server-side session (cchc.auth.sessions), inside the signed cookie


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


# The administration pages (/quan-tri: procedures, units, users, calendar) of every domain.
administrator = require_roles(Role.SYSTEM_ADMIN, Role.UNIT_ADMIN)


def login(request: Request, db: Session, user: User, *, method: str = "mat_khau", id_token: str = "") -> None:
    """A new server-side session and a new CSRF token: nothing of the anonymous session carries over. `method`
    is how the user proved who they are (a password, or a sign-on provider's kind with its ID token)."""
    request.session.clear()
    request.session[SESSION_TOKEN] = sessions.start(
        db, user, client=client_address(request), user_agent=request.headers.get("user-agent", ""),
        login_method=method, id_token=id_token,
    )
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


def logout(request: Request, db: Session) -> tuple[str, str]:
    """End the session; returns how it was opened and the ID token of a sign-on (for the provider's logout)."""
    row = sessions.of_token(db, request.session.get(SESSION_TOKEN))
    method, id_token = (row.login_method, row.id_token) if row is not None else ("", "")
    sessions.end(db, request.session.get(SESSION_TOKEN))
    request.session.clear()
    return method, id_token


def login_method(request: Request, db: Session) -> str:
    """How the signed-in user of this request proved who they are (mat_khau, citizen, officer), "" if nobody."""
    row = sessions.of_token(db, request.session.get(SESSION_TOKEN))
    return row.login_method if row is not None and row.revoked_at is None else ""


def session_token(request: Request) -> str | None:
    return request.session.get(SESSION_TOKEN)


def install(app: FastAPI) -> None:
    """A person who must log in goes to the login page (and comes back); one whose password was set by someone
    else goes to the password page, except inside an htmx fragment. The API gets the error itself."""

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if wants_json(request):
            return cchc_error_response(request, exc)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/dang-nhap?next={quote(target)}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change_required(request: Request, exc: PasswordChangeRequired):
        if wants_json(request) or request.headers.get("hx-request"):
            return cchc_error_response(request, exc)
        return RedirectResponse("/doi-mat-khau", status_code=303)
