"""The notifications' pages: a person chooses how to be told (/ca-nhan/thong-bao: e-mail and/or SMS or Zalo) and
sees the messages sent to them; officers of the one-stop desk and administrators see every message of their units'
dossiers (/quan-tri/thong-bao: to whom, what, when, delivered or failed and why)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cchc.auth.deps import current_user, require_roles
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.scope import scope_units_query
from cchc.dossiers.models import Dossier
from cchc.errors import FieldErrors
from cchc.notifications import background  # noqa: F401 — the web process enqueues the delivery job
from cchc.notifications import service
from cchc.notifications.models import CHANNEL_LABELS, SMS, STATE_LABELS, ZALO, Notification
from cchc.web.deps import DB_SESSION, check_csrf
from cchc.web.templating import flash, page_count, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
OFFICERS = require_roles(Role.RECEIVING, Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN)
PHONE_CHOICES = [("", "Không nhận tin nhắn"), (SMS, "Tin nhắn SMS"), (ZALO, "Zalo (ZNS)")]


def _mine(db: Session, user: User) -> list[Notification]:
    return list(db.scalars(select(Notification).where(Notification.user_id == user.id)
                           .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(20)))


def _choice_page(request: Request, db: Session, user: User, email: bool, phone_channel: str,
                 error: FieldErrors | None = None, status_code: int = 200):
    field, message = next(iter(error.errors.items())) if error is not None else (None, None)
    return render(request, "notifications/choice.html", {
        "account": db.get(User, user.id), "email": email, "phone_channel": phone_channel, "choices": PHONE_CHOICES,
        "messages": _mine(db, user), "channels": CHANNEL_LABELS, "states": STATE_LABELS,
        "error_field": field, "error": message,
    }, status_code=status_code)


@router.get("/ca-nhan/thong-bao")
def choice_page(request: Request, db: Session = DB_SESSION, user: User = Depends(current_user)):
    pref = service.preference(db, user.id)
    account = db.get(User, user.id)
    email = pref.email if pref is not None else bool(account.email)
    return _choice_page(request, db, user, email, pref.phone_channel if pref is not None else "")


@router.post("/ca-nhan/thong-bao", dependencies=[Depends(check_csrf)])
def choose(request: Request, email: str = Form(""), phone_channel: str = Form(""), db: Session = DB_SESSION,
           user: User = Depends(current_user)):
    wants_email = email == "1"
    try:
        service.set_preference(db, db.get(User, user.id), email=wants_email, phone_channel=phone_channel)
    except FieldErrors as exc:
        return _choice_page(request, db, user, wants_email, phone_channel, exc, status_code=422)
    flash(request, "Đã lưu cách nhận thông báo.")
    return RedirectResponse("/ca-nhan/thong-bao", status_code=303)


@router.get("/quan-tri/thong-bao")
def messages_page(request: Request, trang_thai: str = "", trang: int = 1, db: Session = DB_SESSION,
                  user: User = Depends(OFFICERS)):
    trang = max(1, trang)
    q = select(Notification)
    if user.role != Role.SYSTEM_ADMIN:
        units = scope_units_query(db, db.get(User, user.id))
        in_units = Notification.dossier_id.in_(select(Dossier.id).where(Dossier.unit_id.in_(units))) if units is not None \
            else Notification.id.is_(None)
        q = q.where(or_(in_units, Notification.user_id == user.id))
    if trang_thai in STATE_LABELS:
        q = q.where(Notification.state == trang_thai)
    total = db.scalar(select(func.count()).select_from(q.subquery()))
    rows = list(db.scalars(q.order_by(Notification.created_at.desc(), Notification.id.desc())
                           .limit(PAGE_SIZE).offset((trang - 1) * PAGE_SIZE)))
    return render(request, "notifications/list.html", {
        "rows": rows, "total": total, "trang": trang, "pages": page_count(total, PAGE_SIZE), "trang_thai": trang_thai,
        "channels": CHANNEL_LABELS, "states": STATE_LABELS,
    })
