"""The sign-on pages: /dang-nhap/vneid (citizens, through Cổng DVCQG) and /dang-nhap/cong-vu (officers, the
province's provider) send the browser to the provider; …/ket-qua is where it comes back (cchc.auth.oidc)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from cchc import config
from cchc.auth import oidc
from cchc.auth.deps import login
from cchc.auth.pages import _safe_next, home_for
from cchc.errors import CchcError, NotFound
from cchc.web.deps import DB_SESSION
from cchc.web.templating import render

router = APIRouter(tags=["Đăng nhập một lần (OpenID Connect)"])

SLUGS = {slug: kind for kind, slug in oidc.SLUGS.items()}


def _kind(slug: str) -> str:
    kind = SLUGS.get(slug)
    if kind is None:
        raise NotFound(f"Không có cách đăng nhập «{slug}» (vneid, cong-vu).")
    return kind


def _callback(request: Request, slug: str) -> str:
    url = str(request.url_for("oidc_callback", slug=slug))
    return url.replace("http://", "https://", 1) if config.settings.https else url


def _refused(request: Request, exc: CchcError, next_page: str = ""):
    return render(request, "auth/login.html", {"error": exc.message, "next": next_page, "sign_on": oidc.enabled()},
                  status_code=exc.http_status)


@router.get("/dang-nhap/{slug}", name="oidc_begin", include_in_schema=False)
def begin(request: Request, slug: str, next: str | None = None):
    if slug not in SLUGS:
        return _refused(request, NotFound(f"Không có cách đăng nhập «{slug}» (vneid, cong-vu)."))
    flow: dict = {}
    try:
        url = oidc.begin(_kind(slug), _callback(request, slug), flow, _safe_next(next) or "")
    except CchcError as exc:
        return _refused(request, exc, next or "")
    request.session[oidc.FLOW_KEY] = flow
    return RedirectResponse(url, status_code=303)


@router.get("/dang-nhap/{slug}/ket-qua", name="oidc_callback", include_in_schema=False)
def callback(request: Request, slug: str, db: Session = DB_SESSION):
    flow = request.session.pop(oidc.FLOW_KEY, None) or {}  # one use: a replayed answer finds no flow
    try:
        kind = _kind(slug)
        identity = oidc.finish(kind, dict(request.query_params), flow, _callback(request, slug))
        user = oidc.account_for(db, identity)
    except CchcError as exc:
        db.rollback()
        return _refused(request, exc, flow.get("next", ""))
    login(request, db, user, method=kind, id_token=identity.id_token)
    return RedirectResponse(flow.get("next") or home_for(user), status_code=303)
