"""The pages that belong to no single domain: the portal's front page and the administration menu, which
leads to each domain's administration pages (procedures, units, users, calendar, the audit log)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from cchc.auth.deps import administrator, optional_user
from cchc.auth.models import User
from cchc.web.templating import render

router = APIRouter(include_in_schema=False)
admin = APIRouter(prefix="/quan-tri", include_in_schema=False)


@router.get("/")
def home(request: Request, user=Depends(optional_user)):
    return render(request, "home.html", {})


@admin.get("")
def admin_index(request: Request, user: User = Depends(administrator)):
    return render(request, "admin/index.html", {})
