"""Security headers on every response (pages, API, static files, errors), and a policy the templates keep."""

from __future__ import annotations

import dataclasses
import re

import pytest
from fastapi.testclient import TestClient

from cchc import config
from cchc.app.main import create_app
from cchc.web.templating import TEMPLATES_DIR

REQUIRED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


def _policy(response) -> dict[str, list[str]]:
    header = response.headers.get("content-security-policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_secure(response) -> None:
    for name, value in REQUIRED.items():
        assert response.headers.get(name) == value, f"{response.request.url}: {name}={response.headers.get(name)!r}"
    assert response.headers.get("referrer-policy") in ("same-origin", "no-referrer", "strict-origin", "strict-origin-when-cross-origin")
    assert "camera=()" in response.headers.get("permissions-policy", "")
    csp = _policy(response)
    assert csp.get("default-src") == ["'self'"], csp
    assert csp.get("script-src") == ["'self'"], csp
    assert csp.get("style-src") == ["'self'"], csp
    assert csp.get("object-src") == ["'none'"] and csp.get("frame-ancestors") == ["'none'"], csp
    assert csp.get("base-uri") == ["'self'"] and csp.get("form-action") == ["'self'"], csp
    assert not any("unsafe" in v for values in csp.values() for v in values), csp


@pytest.mark.parametrize("path, status", [
    ("/", 200),
    ("/tra-cuu", 200),
    ("/dang-nhap", 200),
    ("/api/v1/procedures", 200),
    ("/static/cchc.css", 200),
    ("/vendor/htmx/htmx.min.js", 200),
    ("/khong-co-trang-nay", 404),
    ("/api/v1/khong-co", 404),
    ("/api/v1/lookup/KHONG-CO?x=1", 404),
    ("/can-bo", 303),
    ("/openapi.json", 200),
    ("/api/docs", 200),
])
def test_every_kind_of_response_carries_the_headers(client, path, status):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == status
    assert_secure(response)
    assert "strict-transport-security" not in response.headers  # plain HTTP: HSTS would be ignored, or worse, stick


def test_validation_errors_and_refused_writes_carry_the_headers(client):
    assert_secure(client.post("/api/v1/auth/login", json={"username": "x"}))  # 422
    assert_secure(client.post("/dang-xuat"))  # 403, no CSRF token


def test_an_unexpected_error_page_carries_the_headers(committed):
    app = create_app()

    @app.get("/__loi-thu")
    def broken():
        raise RuntimeError("hỏng")

    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/__loi-thu")
    assert response.status_code == 500 and "lỗi không mong đợi" in response.text
    assert_secure(response)


def test_hsts_only_when_served_over_tls(committed, monkeypatch):
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, https=True))
    with TestClient(create_app()) as c:
        response = c.get("/")
        assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        assert c.get("/khong-co").headers["strict-transport-security"].startswith("max-age=")


INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "thuộc tính style"),
    (re.compile(r"<style", re.I), "khối <style>"),
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "script nội tuyến"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "trình xử lý sự kiện nội tuyến"),
    (re.compile(r"javascript:", re.I), "địa chỉ javascript:"),
    (re.compile(r"hx-on", re.I), "hx-on (cần eval)"),
]


def test_templates_have_nothing_inline_that_the_policy_refuses():
    found = []
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for pattern, what in INLINE:
                if pattern.search(line):
                    found.append(f"{path.relative_to(TEMPLATES_DIR)}:{number}: {what}")
    assert not found, "\n".join(found)


def test_htmx_is_told_not_to_inject_styles_or_eval(client):
    page = client.get("/").text
    meta = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page)
    assert meta, "no htmx-config meta tag"
    import json

    settings = json.loads(meta.group(1))
    assert settings["includeIndicatorStyles"] is False and settings["allowEval"] is False
    css = client.get("/static/cchc.css").text
    assert ".htmx-indicator" in css  # the indicator styles htmx no longer injects


def test_a_bare_asgi_response_gets_the_headers_too():
    """An ASGI app may send http.response.start without a headers list at all."""
    from cchc.web.security import SecurityHeaders
    from tests.asyncrun import run

    async def bare(scope, receive, send):
        await send({"type": "http.response.start", "status": 204})
        await send({"type": "http.response.body", "body": b""})

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    run(SecurityHeaders(bare, https=False)({"type": "http", "path": "/"}, receive, send))
    names = {name for name, _ in sent[0]["headers"]}
    assert {b"content-security-policy", b"x-content-type-options", b"x-frame-options"} <= names
