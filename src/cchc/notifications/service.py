"""Notifications: a message is a row written in the transaction of the action that caused it (so it never blocks
nor rolls back the action, and a refused action leaves none), delivered after commit from the queue.

The domains below do not import this package: it registers itself where they let a package above listen —
`cchc.dossiers.journal.on_log` (every dossier action) and `cchc.feedback.service.on_event` (every PAKN event) —
when imported (by `cchc.models`, the application and the worker). Delivery claims a waiting message for a few
minutes before sending it and marks it sent or failed after, so a message is sent once however many workers,
retries or periodic passes reach it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import and_, event, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from cchc import clock, config, vn
from cchc.auth.models import User
from cchc.dossiers import journal
from cchc.dossiers.enums import OPEN_STATES
from cchc.dossiers.models import Dossier, DossierEvent, DossierStep
from cchc.dossiers.transitions import Change
from cchc.errors import FieldErrors, ValidationError
from cchc.feedback import service as feedback_service
from cchc.feedback.models import Feedback, FeedbackEvent
from cchc.notifications import channels, http_sms, smtp, zalo
from cchc.procedures.models import Procedure
from cchc.units.models import Unit
from cchc.notifications.models import EMAIL, FAILED, SENT, SMS, WAITING, ZALO, Notification, Preference

log = logging.getLogger("cchc.notifications")

TEMPLATES_FILE = Path(__file__).with_name("templates.yaml")
MAX_ATTEMPTS = 8  # then the message is recorded as failed with its last reason
CLAIM = timedelta(minutes=5)  # a delivery that takes longer is assumed dead: the message may be claimed again
# a message whose delivery failed is held this long, doubled with each attempt (at most MAX_DELAY): the queue's own
# retry of the job (same back-off) finds it free, the periodic pass does not send it sooner
RETRY_AFTER = timedelta(minutes=2)
MAX_DELAY = timedelta(hours=1)
REPLAY_HORIZON = timedelta(days=2)  # an action dated further back is the past replayed (demo, import): nobody is told
STEP_NOTICE = timedelta(hours=24)  # officers are told of a step's deadline this long before it
SENDERS = {EMAIL: smtp.send, SMS: http_sms.send, ZALO: zalo.send}
DELIVER_JOB = "notifications.deliver"

# dossier action → the template telling the applicant
DOSSIER_TEMPLATES = {
    "receive": "dossier_received",
    "accept": "dossier_received",
    "request_supplement": "dossier_supplement",
    "apologize": "dossier_apology",
    "refuse": "dossier_refused",
    "reject_submission": "dossier_refused",
    "finish": "dossier_result_ready",
}
FEEDBACK_TEMPLATES = {"tra_loi": "feedback_answered", "cong_khai": "feedback_published"}


# ---- templates ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    short: str


_jinja = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=1)
def templates() -> dict[str, dict[str, str]]:
    loaded = yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))
    for key, parts in loaded.items():
        missing = {"subject", "body", "short"} - set(parts)
        if missing:
            raise ValidationError(f"Mẫu thông báo «{key}» thiếu {', '.join(sorted(missing))} ({TEMPLATES_FILE.name}).")
    return loaded


def render(key: str, values: dict[str, Any]) -> Rendered:
    parts = templates().get(key)
    if parts is None:
        raise ValidationError(f"Không có mẫu thông báo «{key}».")
    return Rendered(*(_jinja.from_string(parts[p]).render(values).strip() for p in ("subject", "body", "short")))


def lookup_link(code: str) -> str:
    return f"{config.settings.public_url}/tra-cuu?ma={code}"


# ---- who is told, on which channels -------------------------------------------------------------------------
def preference(session: Session, user_id: int) -> Preference | None:
    return session.get(Preference, user_id)


def set_preference(session: Session, user: User, *, email: bool, phone_channel: str) -> Preference:
    """The citizen's choice: e-mail and/or SMS or Zalo; refused in Vietnamese when the account lacks the address."""
    if phone_channel not in ("", SMS, ZALO):
        raise FieldErrors({"phone_channel": "Kênh tin nhắn phải là SMS, Zalo hoặc không nhận."})
    if email and not user.email:
        raise FieldErrors({"email": "Tài khoản chưa có địa chỉ thư điện tử nên không thể nhận thông báo qua thư."})
    if phone_channel and not user.phone:
        raise FieldErrors({"phone_channel": "Tài khoản chưa có số điện thoại nên không thể nhận thông báo qua SMS hoặc Zalo."})
    pref = session.get(Preference, user.id) or Preference(user_id=user.id)
    pref.email, pref.phone_channel, pref.updated_at = email, phone_channel, clock.now()
    session.add(pref)
    session.flush()
    return pref


def addresses(session: Session, user: User | None, email: str = "", phone: str = "") -> list[tuple[str, str]]:
    """(channel, address) for a person: their account's choice, else e-mail if they have an address."""
    email = (user.email if user is not None and user.email else email or "").strip()
    phone = (user.phone if user is not None and user.phone else phone or "").strip()
    pref = preference(session, user.id) if user is not None and user.id is not None else None
    if pref is None:
        return [(EMAIL, email)] if email else []
    chosen = [(EMAIL, email)] if pref.email and email else []
    if pref.phone_channel and phone:
        chosen.append((pref.phone_channel, phone))
    return chosen


# ---- writing a message (in the action's transaction) --------------------------------------------------------
def notify(session: Session, template: str, values: dict[str, Any], *, user: User | None = None, name: str = "",
           email: str = "", phone: str = "", dossier: Dossier | None = None, feedback_id: int | None = None,
           dedupe_key: str = "", at: datetime | None = None) -> list[Notification]:
    """One row per chosen channel, added to `session` (the caller's transaction); delivered after it commits."""
    rendered = render(template, values)
    rows = []
    for channel, address in addresses(session, user, email, phone):
        row = Notification(
            created_at=at or clock.now(), user_id=user.id if user is not None else None,
            recipient_name=(name or (user.full_name if user is not None else ""))[:255], channel=channel,
            address=address[:255], template=template, subject=rendered.subject[:255],
            body=rendered.body if channel == EMAIL else rendered.short,
            data=json.dumps(values, ensure_ascii=False), dossier=dossier, feedback_id=feedback_id,
            dedupe_key=dedupe_key, state=WAITING, attempts=0, last_error="", provider_ref="",
        )
        session.add(row)
        rows.append(row)
    if rows:
        session.info.setdefault("cchc.notifications.new", []).extend(rows)
        if not event.contains(session, "after_commit", _deliver_after_commit):
            event.listen(session, "after_commit", _deliver_after_commit)
            event.listen(session, "after_soft_rollback", _forget_after_rollback)
    return rows


def _deliver_after_commit(session: Session) -> None:
    """Hand the committed messages to the queue; a queue that does not answer delays them, never the action
    (the periodic `deliver_pending` sends what waits)."""
    rows = session.info.pop("cchc.notifications.new", [])
    ids = [key[1][0] for key in (inspect(r).identity_key for r in rows) if key is not None]
    if not ids:
        return
    try:
        from cchc.jobs import enqueue

        enqueue(DELIVER_JOB, notification_ids=ids)
    except Exception as exc:  # noqa: BLE001 — the action is committed; the periodic pass delivers these
        log.warning("notifications %s not queued (%s); deliver_pending will send them", ids, exc)


def _forget_after_rollback(session: Session, _previous) -> None:
    if not session.in_transaction():
        session.info.pop("cchc.notifications.new", None)


def _dossier_values(session: Session, d: Dossier, change: Change | None = None) -> dict[str, Any]:
    # by id: a dossier received in this action has its keys set but not yet its relationships
    procedure, unit = session.get(Procedure, d.procedure_id), session.get(Unit, d.unit_id)
    return {
        "code": d.code, "name": d.applicant_name, "procedure": procedure.name if procedure else "",
        "unit": unit.name if unit else "", "received": vn.fmt_date(d.received_at), "due": vn.fmt_date(d.due_at),
        "new_due": vn.fmt_date(d.extended_due_at), "reason": (change.note if change is not None else "") or d.end_reason or "",
        "link": lookup_link(d.code),
    }


def on_dossier_event(session: Session, dossier: Dossier, ev: DossierEvent, change: Change) -> None:
    template = DOSSIER_TEMPLATES.get(change.action)
    if template is None or ev.at < clock.now() - REPLAY_HORIZON:
        return
    # no flush from these reads: the action writes (and checks its version) in journal.flush, not here
    with session.no_autoflush:
        owner = session.get(User, dossier.owner_user_id) if dossier.owner_user_id else None
        notify(session, template, _dossier_values(session, dossier, change), user=owner, name=dossier.applicant_name,
               email=dossier.applicant_email, phone=dossier.applicant_phone, dossier=dossier, at=ev.at)


def _email_of(contact: str) -> str:
    contact = (contact or "").strip()
    return contact if "@" in contact else ""


def _phone_of(contact: str) -> str:
    digits = "".join(c for c in contact or "" if c.isdigit() or c == "+")
    return digits if "@" not in (contact or "") and len(digits) >= 9 else ""


def on_feedback_event(session: Session, feedback: Feedback, ev: FeedbackEvent) -> None:
    template = FEEDBACK_TEMPLATES.get(ev.action)
    if template is None or ev.at < clock.now() - REPLAY_HORIZON:
        return
    sender = session.get(User, feedback.sender_user_id) if feedback.sender_user_id else None
    values = {"code": feedback.code, "name": feedback.sender_name, "title": feedback.title,
              "received": vn.fmt_date(ev.at), "link": f"{config.settings.public_url}/phan-anh/{feedback.code}"}
    notify(session, template, values, user=sender, name=feedback.sender_name, email=_email_of(feedback.sender_contact),
           phone=_phone_of(feedback.sender_contact), feedback_id=feedback.id, at=ev.at)


journal.on_log(on_dossier_event)
feedback_service.on_event(on_feedback_event)


def announce_step_deadlines(session: Session, at: datetime | None = None) -> int:
    """Tell each officer holding an open dossier's step whose deadline falls within STEP_NOTICE; once per step and
    deadline (the dedupe key). Returns how many officers were told."""
    now = at or clock.now()
    rows = session.execute(
        select(Dossier, DossierStep.name, User)
        .join(DossierStep, and_(DossierStep.dossier_id == Dossier.id, DossierStep.step_seq == Dossier.current_step_seq))
        .join(User, User.id == Dossier.current_assignee_id)
        .where(Dossier.state.in_([s.value for s in OPEN_STATES]), Dossier.current_step_due_at.is_not(None),
               Dossier.current_step_due_at > now, Dossier.current_step_due_at <= now + STEP_NOTICE, User.active.is_(True))
    ).all()
    told = 0
    for dossier, step_name, officer in rows:
        key = f"step:{dossier.id}:{dossier.current_step_seq}:{dossier.current_step_due_at:%Y%m%d%H%M}:{officer.id}"
        if session.scalar(select(func.count()).select_from(Notification).where(Notification.dedupe_key == key)):
            continue
        values = _dossier_values(session, dossier) | {"name": officer.full_name, "step": step_name,
                                             "step_due": vn.fmt_datetime(dossier.current_step_due_at)}
        if notify(session, "step_deadline", values, user=officer, dossier=dossier, dedupe_key=key, at=now):
            told += 1
    return told


# ---- delivery (after commit, from the queue) ----------------------------------------------------------------
def _claim(session: Session, notification_id: int, now: datetime) -> bool:
    """Hold a waiting message for CLAIM; committed at once so another worker sees it held."""
    won = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.state == WAITING,
               or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now))
        .values(claimed_until=now + CLAIM, attempts=Notification.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return bool(won)


def deliver(session: Session, notification_id: int) -> str:
    """Send one message if it still waits and nobody holds it; record the outcome. Returns its state after.
    A failure worth retrying raises (the queue retries it with back-off) once the attempt is recorded."""
    now = clock.now()
    if not _claim(session, notification_id, now):
        row = session.get(Notification, notification_id)
        return row.state if row is not None else ""
    row = session.get(Notification, notification_id)
    session.refresh(row)
    outgoing = channels.Outgoing(row.id, row.address, row.subject, row.body, row.template, json.loads(row.data or "{}"))
    try:
        reference = SENDERS[row.channel](outgoing)
    except channels.NotConfigured as exc:
        row.attempts -= 1  # not an attempt: the message waits for its channel's settings
        row.last_error, row.claimed_until = str(exc), None
        session.commit()
        return row.state
    except channels.DeliveryFailed as exc:
        row.last_error = exc.reason
        if exc.permanent or row.attempts >= MAX_ATTEMPTS:
            row.state, row.claimed_until = FAILED, None
            session.commit()
            return row.state
        row.claimed_until = clock.now() + min(RETRY_AFTER * 2 ** (row.attempts - 1), MAX_DELAY) - timedelta(seconds=5)
        session.commit()
        raise
    row.state, row.sent_at, row.provider_ref, row.last_error, row.claimed_until = SENT, clock.now(), reference[:255], "", None
    session.commit()
    return row.state


def deliver_many(session: Session, notification_ids: list[int]) -> dict[str, int]:
    """Each message in turn; one that should be retried is retried by the next pass, not by failing the others."""
    counts: dict[str, int] = {}
    failed: channels.DeliveryFailed | None = None
    for notification_id in notification_ids:
        try:
            state = deliver(session, notification_id)
        except channels.DeliveryFailed as exc:
            failed, state = exc, WAITING
        counts[state] = counts.get(state, 0) + 1
    if failed is not None and len(notification_ids) == 1:
        raise failed
    return counts


def configured_channels(settings: config.Settings | None = None) -> list[str]:
    s = settings or config.settings
    ready = {EMAIL: bool(s.smtp_host and s.smtp_from), SMS: bool(s.sms_url and s.sms_token),
             ZALO: bool(s.zalo_url and s.zalo_token)}
    return [channel for channel, ok in ready.items() if ok]


def deliver_pending(session: Session, limit: int = 200) -> dict[str, int]:
    """The periodic pass: every waiting message nobody holds, oldest first, on the channels that have their settings
    (the others' messages wait without holding back the rest)."""
    now = clock.now()
    ids = session.scalars(
        select(Notification.id)
        .where(Notification.state == WAITING, Notification.channel.in_(configured_channels()),
               or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now))
        .order_by(Notification.created_at, Notification.id).limit(limit)
    ).all()
    counts: dict[str, int] = {}
    for notification_id in ids:
        try:
            state = deliver(session, notification_id)
        except channels.DeliveryFailed:
            state = WAITING
        counts[state] = counts.get(state, 0) + 1
    return counts


def figures(session: Session) -> list[tuple[str, str]]:
    """The messages on the IT page and in `cchc doctor`, counted in SQL."""
    by_state = dict(session.execute(select(Notification.state, func.count()).group_by(Notification.state)).all())
    oldest = session.scalar(select(func.min(Notification.created_at)).where(Notification.state == WAITING))
    return [
        ("Đã gửi", vn.fmt_int(by_state.get(SENT, 0))),
        ("Chờ gửi", vn.fmt_int(by_state.get(WAITING, 0))),
        ("Lỗi", vn.fmt_int(by_state.get(FAILED, 0))),
        ("Tin chờ lâu nhất từ", vn.fmt_datetime(oldest) if oldest else "—"),
    ]
