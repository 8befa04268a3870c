"""The pages that belong to no single domain: the portal's front page and the administration menu, which
leads to each domain's administration pages (procedures, units, users, calendar, the audit log)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from cchc.auth.deps import administrator, optional_user
from cchc.auth.models import User
from cchc.auth.pages import home_for
from cchc.web.templating import render

router = APIRouter(include_in_schema=False)
admin = APIRouter(prefix="/quan-tri", include_in_schema=False)


@router.get("/")
def home(request: Request, user=Depends(optional_user)):
    """The portal for everyone not signed in; a signed-in user lands where their work is (auth.pages.home_for),
    as after login — the portal's pages stay in their menu."""
    if user is not None:
        return RedirectResponse(home_for(user), status_code=303)
    return render(request, "home.html", {})


@admin.get("")
def admin_index(request: Request, user: User = Depends(administrator)):
    return render(request, "admin/index.html", {})
