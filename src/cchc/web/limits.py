"""The request body limit: no request carries more than the files of one submission and their form fields.

A pure ASGI middleware, outside everything else: a request whose Content-Length is over the limit is
answered 413 before a byte of its body is read; a body sent without Content-Length (chunked) is counted
while it streams in and cut off at the limit, so a 200 MB upload costs the server nothing but the limit —
Starlette spools the parts it has read to a temporary file beyond 1 MB, and the dossier files are copied
from there to disk in chunks (cchc.dossiers.files).

The limit is read from the settings at each request: config.settings.request_max_bytes (CCHC_REQUEST_MAX_MB,
50 MB: an online submission sends several component files at once), and never less than one file
(upload_max_bytes) plus FORM_MARGIN_BYTES for the form fields and the multipart framing around it.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cchc import config
from cchc.vn import fmt_int
from cchc.web.errors import wants_json
from cchc.web.templating import render

# Room for the text fields of a form and the multipart boundaries and headers, beyond one file.
FORM_MARGIN_BYTES = 1024 * 1024


def body_limit() -> int:
    return max(config.settings.request_max_bytes, config.settings.upload_max_bytes + FORM_MARGIN_BYTES)


def too_large_message(limit: int) -> str:
    return (
        f"Dữ liệu gửi lên vượt giới hạn {fmt_int(limit)} byte ({_megabytes(limit)}) của một yêu cầu. "
        f"Mỗi tệp đính kèm tối đa {fmt_int(config.settings.upload_max_bytes)} byte; hãy gửi tệp nhỏ hơn "
        "(quét ở độ phân giải thấp hơn, hoặc chia thành nhiều lần gửi)."
    )


def _megabytes(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{fmt_int(round(mb))} MB" if mb >= 10 else f"{mb:.1f} MB".replace(".", ",")


class RequestTooLarge(HTTPException):
    """The body went over the limit while it was being read: the app's own handler answers 413."""

    def __init__(self, limit: int):
        super().__init__(status_code=413, detail=too_large_message(limit))


class BodyLimitMiddleware:
    """Refuse (413) a request body over `limit` bytes (default: body_limit() at each request)."""

    def __init__(self, app: ASGIApp, limit: int | None = None):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit if self.limit is not None else body_limit()
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await refuse(scope, receive, send, 413, too_large_message(limit))
            return

        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit)
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except RequestTooLarge as exc:
            # Read outside a route (a middleware, a handler that let it through): answered here.
            if started:
                raise
            await refuse(scope, receive, send, 413, exc.detail)


async def refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    """Answer before the application runs, in the shape the application itself would: JSON for the API,
    the error page for a person."""
    request = Request({**scope, "session": {}}, receive)
    if wants_json(request):
        response = JSONResponse({"detail": message}, status_code=status)
    else:
        response = render(request, "error.html", {"message": message, "status": status}, status_code=status)
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


def install(app) -> None:
    """Register the body limit on the application (outside the middlewares added before it)."""
    app.add_middleware(BodyLimitMiddleware)
