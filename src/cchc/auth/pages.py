"""Pages: log in, log out, register as a citizen."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from cchc.auth import oidc
from cchc.auth.deps import login, logout, optional_user, session_token, signed_in
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.service import LoginThrottled, authenticate, change_password, register_citizen
from cchc.errors import CchcError, FieldErrors, ValidationError
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str | None:
    # Only local paths: never redirect to another site after login.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


# Where each role's work is: after login and on "/" (cchc.app.pages.home) a user lands there, not on an empty inbox.
LANDING = {
    Role.CITIZEN: "/ca-nhan",  # Hồ sơ của tôi
    Role.REPORTING: "/bao-cao",  # reports, with the submissions beside them in the menu
    Role.UNIT_ADMIN: "/quan-tri",
    Role.SYSTEM_ADMIN: "/quan-tri",
}


def home_for(user) -> str:
    """The page a signed-in user lands on; leaders, specialists and receiving officers on their inbox."""
    return LANDING.get(Role(user.role), "/can-bo")


@router.get("/dang-nhap")
def login_page(request: Request, next: str | None = None, user=Depends(optional_user)):
    if user is not None:
        return RedirectResponse(_safe_next(next) or home_for(user), status_code=303)
    return render(request, "auth/login.html", {"next": next, "sign_on": oidc.enabled()})


@router.post("/dang-nhap", dependencies=[Depends(check_csrf)])
def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form(""),
    db: Session = DB_SESSION,
):
    client = request.client.host if request.client else ""
    try:
        user = authenticate(db, username, password, client=client)
    except CchcError as exc:
        db.commit()  # keep the failed attempt for throttling
        page = render(
            request,
            "auth/login.html",
            {"error": exc.message, "error_field": exc.field, "username": username, "next": next, "sign_on": oidc.enabled()},
            status_code=exc.http_status,
        )
        if isinstance(exc, LoginThrottled):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    login(request, db, user)
    if user.must_change_password:
        return RedirectResponse("/doi-mat-khau", status_code=303)
    return RedirectResponse(_safe_next(next) or home_for(user), status_code=303)


@router.post("/dang-xuat", dependencies=[Depends(check_csrf)])
def logout_submit(request: Request, db: Session = DB_SESSION):
    method, id_token = logout(request, db)
    # A sign-on is ended at its provider too, which sends the browser back to the home page.
    provider_logout = oidc.logout_url(method, id_token, str(request.base_url)) if method in oidc.KINDS else None
    return RedirectResponse(provider_logout or "/", status_code=303)


REGISTER_FIELDS = ("full_name", "id_number", "phone", "email", "username", "password")


@router.get("/dang-ky")
def register_page(request: Request):
    return render(request, "auth/register.html", {"form": {}, "errors": {}})


@router.post("/dang-ky", dependencies=[Depends(check_csrf)])
async def register_submit(request: Request, db: Session = DB_SESSION):
    raw = await request.form()
    form = {k: str(raw.get(k) or "") for k in REGISTER_FIELDS}
    try:
        user = register_citizen(db, username=form["username"], full_name=form["full_name"], password=form["password"],
                                id_number=form["id_number"], phone=form["phone"], email=form["email"])
    except CchcError as exc:
        found = exc.errors if isinstance(exc, FieldErrors) else {exc.field or "_": exc.message}
        errors = {(k if k in REGISTER_FIELDS else "_"): v for k, v in found.items()}
        return render(request, "auth/register.html", {"form": form, "errors": errors}, status_code=exc.http_status)
    login(request, db, user)
    return RedirectResponse("/ca-nhan", status_code=303)


@router.get("/doi-mat-khau")
def password_page(request: Request, user: User = Depends(signed_in)):
    return render(request, "auth/password.html", {"forced": user.must_change_password})


@router.post("/doi-mat-khau", dependencies=[Depends(check_csrf)])
def password_submit(
    request: Request,
    old_password: str = Form(""),
    new_password: str = Form(""),
    confirm: str = Form(""),
    db: Session = DB_SESSION,
    user: User = Depends(signed_in),
):
    try:
        if new_password != confirm:
            raise ValidationError("Hai lần nhập mật khẩu mới không giống nhau.", field="confirm")
        ended = change_password(db, user, old_password, new_password, keep_session=session_token(request))
    except CchcError as exc:
        return render(request, "auth/password.html", {"forced": user.must_change_password, "error": exc.message,
                                                       "error_field": exc.field}, status_code=exc.http_status)
    others = f" {ended} phiên đăng nhập khác của tài khoản đã kết thúc." if ended else ""
    flash(request, "Đã đổi mật khẩu." + others)
    return RedirectResponse(home_for(user), status_code=303)
