"""The public face: security headers on every response, and a small per-address rate limiter.

The headers are added by a plain ASGI wrapper placed *outside* Starlette's ServerErrorMiddleware, so that the
500 page of an unexpected error carries them too (a user middleware sits inside it and never sees that page).

Content-Security-Policy: nothing inline. Pages load /static/cchc.css, /static/cchc.js and htmx from 'self';
templates carry no style="" attribute, <style> block, inline script, on…= handler or javascript: link
(tests/web/test_security_headers.py reads every template); htmx is told not to inject its indicator <style>
nor to eval (meta htmx-config in base.html) and the indicator rule is in cchc.css. The one exception is the API
docs page: Swagger UI's stylesheet draws its icons with data: images, so that page alone adds `img-src data:`
(images cannot run script).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cchc import config

BASE_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
PERMISSIONS_POLICY = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"


def content_security_policy(*, data_images: bool = False) -> str:
    policy = [("img-src 'self' data:" if data_images and d.startswith("img-src") else d) for d in BASE_POLICY]
    return "; ".join(policy)


def security_headers(*, https: bool, data_images: bool = False) -> list[tuple[str, str]]:
    headers = [
        ("content-security-policy", content_security_policy(data_images=data_images)),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("permissions-policy", PERMISSIONS_POLICY),
        ("cross-origin-opener-policy", "same-origin"),
    ]
    if https:  # over plain HTTP the header is ignored by browsers, and must not pin a site that has no TLS yet
        headers.append(("strict-transport-security", HSTS))
    return headers


class SecurityHeaders:
    """Adds the security headers to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp, *, https: bool, data_image_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.default = security_headers(https=https)
        self.with_data_images = security_headers(https=https, data_images=True)
        self.data_image_paths = data_image_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chosen = self.with_data_images if scope.get("path") in self.data_image_paths else self.default

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])  # optional in ASGI
                headers = MutableHeaders(scope=message)
                for name, value in chosen:
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app, *, data_image_paths: tuple[str, ...] = ()) -> None:
    """Wrap the whole middleware stack of `app` (outside the error middleware) with SecurityHeaders."""
    build = app.build_middleware_stack
    https = config.settings.https
    paths = frozenset(data_image_paths)

    def build_with_headers() -> ASGIApp:
        return SecurityHeaders(build(), https=https, data_image_paths=paths)

    app.build_middleware_stack = build_with_headers


class SlidingWindow:
    """At most `limit` hits per `window` seconds for each key (a client address), counted in this process only.

    With `cchc serve --workers N` each process counts on its own, so one address gets up to N × limit; a
    stricter shared limit belongs in the reverse proxy (nginx `limit_req`, docs/deployment.md). Memory is
    bounded: idle keys are dropped when `max_keys` is reached, then the oldest keys if all are active.
    """

    def __init__(self, limit: int, window: float, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int:
        """Count one hit for `key`: 0 when allowed, else the whole seconds to wait (the refused hit is not counted)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self.max_keys:
                    self._prune(now)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            return 0

    def _prune(self, now: float) -> None:
        idle = [key for key, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for key in idle:
            del self._hits[key]
        if len(self._hits) >= self.max_keys:  # every key active: drop the tenth seen first (insertion order)
            for key in list(self._hits)[: max(1, self.max_keys // 10)]:
                del self._hits[key]
