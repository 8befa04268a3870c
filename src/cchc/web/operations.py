"""Running cchc: a request id on every request, an access log, /healthz, and 503 while the database is down.

- Every request gets an id (the reverse proxy's X-Request-ID when it sends a sane one, else a new one). It is
  sent back in X-Request-ID, written in the access log and in the log of an unexpected error, and shown to
  the person who met the error, so that a call to the help desk finds the log line.
- The access log is the Combined Log Format that log tools read (plus the request id), on the logger
  `cchc.access`; `cchc serve` writes it to standard output.
- /healthz answers 200 when the database answers and its schema is the newest this code ships, else 503:
  for a load balancer, systemd or a monitoring probe. It needs no login and reveals no version of anything
  but the schema.
- A database that does not answer (refused connection, a restart, a locked SQLite file) is a 503 with a
  Vietnamese message and Retry-After, not a 500; the pool checks connections before use (pool_pre_ping) and
  discards broken ones, so the service recovers by itself when the database is back.
"""

from __future__ import annotations

import logging
import re
import secrets
from functools import cache

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cchc import clock

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID_KEY = REQUEST_ID_HEADER.encode()
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DATABASE_DOWN = "Cơ sở dữ liệu tạm thời không truy cập được. Thao tác chưa được thực hiện; vui lòng thử lại sau ít phút."
RETRY_AFTER_SECONDS = 10

access_log = logging.getLogger("cchc.access")
log = logging.getLogger("cchc.web")


def request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "")


class RequestContext:
    """Pure ASGI middleware: the request id, and one access-log line when the response is complete."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        sent = headers.get(_REQUEST_ID_KEY, b"").decode("latin-1")
        rid = sent if _SANE_ID.match(sent) else secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = rid
        status, size = 500, 0

        async def send_with_id(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (_REQUEST_ID_KEY, rid.encode())]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):  # `cchc serve --no-access-log`: not even the line is built
                access_log.info(_combined(scope, headers, status, size, rid))


def _combined(scope: Scope, headers: dict[bytes, bytes], status: int, size: int, rid: str) -> str:
    """host - user [time] "request" status bytes "referer" "user-agent" request-id"""
    client = scope.get("client")
    user = (scope.get("state") or {}).get("user")
    path = scope.get("raw_path", b"").decode("latin-1") or scope.get("path", "")
    query = scope.get("query_string", b"").decode("latin-1")
    line = f"{scope.get('method', '-')} {path}{'?' + query if query else ''} HTTP/{scope.get('http_version', '1.1')}"

    def quoted(value: bytes | str) -> str:
        text_ = value.decode("latin-1") if isinstance(value, bytes) else value
        return '"' + (text_ or "-").replace("\\", "\\\\").replace('"', '\\"') + '"'

    return (f"{client[0] if client else '-'} - {getattr(user, 'username', None) or '-'} "
            f"[{clock.aware_now():%d/%b/%Y:%H:%M:%S %z}] {quoted(line)} {status} {size or '-'} "
            f"{quoted(headers.get(b'referer', b''))} {quoted(headers.get(b'user-agent', b''))} {rid}")


@cache
def _newest_schema() -> str:
    from cchc import migrate

    return migrate.head()


router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz() -> JSONResponse:
    from cchc import migrate
    from cchc.db import get_engine

    headers = {"Cache-Control": "no-store"}
    try:
        engine = get_engine()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = migrate.current(engine)
    except sa_exc.SQLAlchemyError:
        return JSONResponse({"trang_thai": "loi", "chi_tiet": "Không kết nối được cơ sở dữ liệu."}, status_code=503, headers=headers)
    if current != _newest_schema():
        return JSONResponse({"trang_thai": "loi", "chi_tiet": f"Lược đồ ở phiên bản {current or '(chưa có)'}, cần "
                                                              f"{_newest_schema()}: chạy `cchc db upgrade`."},
                            status_code=503, headers=headers)
    return JSONResponse({"trang_thai": "tot", "luoc_do": current}, headers=headers)


def is_database_down(exc: BaseException) -> bool:
    """A connection that could not be made or was lost, or a database too busy to answer: not the request's fault."""
    return isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError)) or (
        isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
    )


def install(app: FastAPI) -> None:
    """/healthz, and RequestContext around the whole middleware stack: outside Starlette's error middleware,
    so a 500 carries its request id too (cchc.web.security wraps this in turn)."""
    app.include_router(router)
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: RequestContext(build())
