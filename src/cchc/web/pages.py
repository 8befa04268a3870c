"""The portal's front page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from cchc.web.deps import optional_user
from cchc.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, user=Depends(optional_user)):
    return render(request, "home.html", {})
