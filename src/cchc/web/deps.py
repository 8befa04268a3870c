"""Request dependencies of the web framework: the database session of a request, and CSRF.

Nothing here knows a domain: who is signed in and what their role lets them open is cchc.auth.deps, which
builds on these; what every request's session must carry (the audit log's client address and request id)
is set by the application above (cchc.app.main) through `app.state.session_setup`.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable

import anyio

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from cchc.db import session_factory
from cchc.errors import PermissionDenied

SESSION_CSRF = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"

SessionSetup = Callable[[Request, Session], None]


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One session per request: committed when the handler succeeds, rolled back on any error. Each of the
    application's `session_setup` functions is told of the request first.

    Async on purpose: opening a session and the setups do no I/O, so they run on the event loop, and only the
    commit (or rollback) and close go to a worker thread — one thread hop per request instead of two (a sync
    generator dependency is entered and left in the thread pool, each a hop)."""
    setups: list[SessionSetup] = getattr(request.app.state, "session_setup", [])
    session = session_factory()()
    try:
        for setup in setups:
            setup(request, session)
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):  # a client that went away still gets its transaction rolled back
            await run_in_threadpool(_rollback_and_close, session)
        raise
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(_commit_and_close, session)


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


# Every route takes its session through this one declaration. scope="function": the session commits when the
# handler has returned and its response is built, but BEFORE the response is sent (FastAPI's default for a
# dependency with yield ends it after sending): a 201 with a dossier code is never sent for a rolled-back
# receipt, and a commit that fails answers with an error instead.
DB_SESSION = Depends(get_db, scope="function")


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the session's token (form field or X-CSRF-Token header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get(SESSION_CSRF)
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        sent = form.get(CSRF_FIELD)
    if not expected or not sent or not secrets.compare_digest(str(expected), str(sent)):
        raise PermissionDenied("Phiên làm việc đã hết hạn hoặc yêu cầu không hợp lệ (thiếu mã CSRF). Vui lòng tải lại trang và thử lại.")


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""
