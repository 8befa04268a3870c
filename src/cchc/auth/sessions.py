"""Server-side sessions: a login is a row of `auth_sessions`, the cookie carries only a random token.

The signed session cookie (Starlette's SessionMiddleware) still carries the CSRF token and flash messages
of anonymous visitors; who is logged in is decided here, on every request, from the row the token names.
So logging out, changing a password, deactivating an account or an administrator's «end all sessions»
take effect at once on every server process, and a leaked signing key opens no account.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cchc import clock, config
from cchc.auth.models import AuthSession, User

# last_seen_at is written at most this often: a page that loads ten htmx fragments costs one write.
TOUCH_EVERY = timedelta(minutes=1)

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user: User, *, client: str = "", user_agent: str = "", login_method: str = "mat_khau",
          id_token: str = "") -> str:
    """Open a session for `user`; returns the token for the cookie (stored only as its hash). `login_method` says
    how they proved who they are (a password, or a sign-on provider whose ID token is kept for its logout)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(AuthSession(
        token_hash=_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
        expires_at=now + timedelta(hours=config.settings.session_max_hours),
        client=client[:64], user_agent=user_agent[:255], login_method=login_method, id_token=id_token,
    ))
    session.flush()
    return token


def resolve(session: Session, token: str | None) -> User | None:
    """The active user behind `token`, or None when it is unknown, revoked, idle too long or too old."""
    if not token:
        return None
    # The session row and its user in one query: this runs on every signed-in request.
    found = session.execute(
        select(AuthSession, User).join(User, User.id == AuthSession.user_id).where(AuthSession.token_hash == _hash(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None:
        return None
    now = clock.now()
    idle = timedelta(minutes=config.settings.session_idle_minutes)
    if now >= row.expires_at or now - row.last_seen_at >= idle:
        return None  # timed out: derived from the row on every request, nothing to write
    if not user.active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.flush()
    return user


def of_token(session: Session, token: str | None) -> AuthSession | None:
    """The session row behind a cookie's token (how its user logged in), whatever its state."""
    return session.scalar(select(AuthSession).where(AuthSession.token_hash == _hash(token))) if token else None


def end(session: Session, token: str | None, reason: str = "dang_xuat") -> None:
    """End the session behind `token` (logout)."""
    if token:
        _revoke(session, AuthSession.token_hash == _hash(token), reason)


def end_all(session: Session, user_id: int, reason: str, *, keep: str | None = None) -> int:
    """End every open session of a user (all but `keep`, the caller's own, when given); how many ended."""
    condition = AuthSession.user_id == user_id
    if keep:
        condition = condition & (AuthSession.token_hash != _hash(keep))
    return _revoke(session, condition, reason)


def _revoke(session: Session, condition, reason: str) -> int:
    result = session.execute(
        update(AuthSession).where(condition, AuthSession.revoked_at.is_(None)).values(revoked_at=clock.now(), revoked_reason=reason)
    )
    session.flush()
    return result.rowcount or 0


def count_open(session: Session, user_ids: list[int]) -> dict[int, int]:
    """Open sessions per user, one query (the users list)."""
    if not user_ids:
        return {}
    now = clock.now()
    idle_since = now - timedelta(minutes=config.settings.session_idle_minutes)
    rows = session.execute(
        select(AuthSession.user_id, func.count())
        .where(AuthSession.user_id.in_(user_ids), AuthSession.revoked_at.is_(None), AuthSession.expires_at > now,
               AuthSession.last_seen_at > idle_since)
        .group_by(AuthSession.user_id)
    ).all()
    return dict(rows)
