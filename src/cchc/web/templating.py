"""Jinja2 templates with the Vietnamese formatting filters.

One loader for every domain's templates (templates/<domain>/…). The words of the domains (states, roles,
channels…) and the navigation are registered into `env` by the application above (cchc.app.jinja): this
module knows no domain.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from cchc import vn
from cchc.web.deps import csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"  # the stylesheet and the script the templates link to
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
env = templates.env
env.filters["so"] = vn.fmt_int
env.filters["thapphan"] = vn.fmt_decimal
env.filters["phantram"] = vn.fmt_percent
env.filters["ngay"] = vn.fmt_date
env.filters["ngaygio"] = vn.fmt_datetime
env.filters["ngaydai"] = vn.fmt_long_date


def render(request: Request, name: str, context: dict | None = None, status_code: int = 200):
    ctx = dict(context or {})
    ctx["user"] = getattr(request.state, "user", None)  # the snapshot, never the ORM object
    ctx["csrf_token"] = csrf_token(request)
    if "flash" not in ctx and "flash" in request.session:
        ctx["flash"], ctx["flash_kind"] = request.session.pop("flash"), request.session.pop("flash_kind", "ok")
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def page_count(total: int, size: int) -> int:
    """How many pages of `size` rows a list of `total` rows fills (at least one, even when empty)."""
    return max(1, -(-total // size))


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page (after a redirect)."""
    request.session["flash"] = message
    request.session["flash_kind"] = kind
