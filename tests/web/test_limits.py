"""The request body limit and streamed uploads: a 200 MB request costs the server no memory.

The application is driven as an ASGI server drives it (a `receive` that hands the body over in chunks), because
a test client reads the whole body into memory before it sends it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tracemalloc

import pytest
from sqlalchemy import func, select

from cchc import config
from cchc.db import session_factory
from cchc.dossiers import service
from cchc.dossiers.models import DossierFile
from cchc.vn import fmt_int
from cchc.web import limits
from tests.asyncrun import run
from tests.dossiers.factories import APPLICANT, make_world
from tests.webclient import login_api, with_passwords

CHUNK = 64 * 1024
MB = 1024 * 1024
BOUNDARY = "cchc-test-boundary"


@pytest.fixture
def world(committed, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, files_dir=tmp_path / "files"))
    with session_factory()() as s:
        w = with_passwords(make_world(s))
        d = service.receive(s, w.receiver, procedure=w.procedure, unit=w.commune, channel=1, applicant=APPLICANT)
        s.commit()
        w.code = d.code
        return w


def _scope(method: str, path: str, headers: dict[str, str]) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }


class Body:
    """`size` bytes of a multipart upload, made as they are asked for; counts what the application read."""

    def __init__(self, size: int, filename: str = "quet.pdf"):
        self.head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nthanh_phan\r\n"
                     f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
                     "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n").encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.size = size
        self.sent = 0
        self.calls = 0
        self.zeros = b"0" * CHUNK

    async def receive(self) -> dict:
        self.calls += 1
        if self.sent == 0:
            self.sent = len(self.head)
            return {"type": "http.request", "body": self.head, "more_body": True}
        left = self.size - self.sent - len(self.tail)
        if left > 0:
            chunk = self.zeros[: min(CHUNK, left)]
            self.sent += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": True}
        if self.sent < self.size:
            self.sent = self.size
            return {"type": "http.request", "body": self.tail, "more_body": False}
        return {"type": "http.disconnect"}  # asked again after the whole body: the client has gone


def _drive(app, method: str, path: str, headers: dict[str, str], body: Body) -> tuple[int, dict, bytes]:
    messages: list[dict] = []

    async def send(message):
        messages.append(message)

    run(app(_scope(method, path, headers), body.receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, content


def _officer(client, w) -> dict[str, str]:
    token = login_api(client, w.receiver.username)
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return {"cookie": cookie, "x-csrf-token": token, "content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def _files() -> int:
    with session_factory()() as s:
        return s.scalar(select(func.count()).select_from(DossierFile))


def test_a_declared_200_mb_body_is_refused_before_it_is_read(app, client, world):
    headers = _officer(client, world) | {"content-length": str(200 * MB)}
    body = Body(200 * MB)
    status, response_headers, content = _drive(app, "POST", f"/api/v1/dossiers/{world.code}/files", headers, body)
    assert status == 413 and body.calls == 0
    detail = json.loads(content)["detail"]
    assert f"vượt giới hạn {fmt_int(limits.body_limit())} byte" in detail and "tệp nhỏ hơn" in detail
    assert _files() == 0


def test_a_chunked_200_mb_upload_is_cut_off_at_the_limit_with_flat_memory(app, client, world):
    """No Content-Length: the body is counted while it streams in and cut off at the limit."""
    headers = _officer(client, world)
    body = Body(200 * MB)
    tracemalloc.start()
    try:
        status, _, content = _drive(app, "POST", f"/api/v1/dossiers/{world.code}/files", headers, body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status == 413, content[:300]
    assert f"vượt giới hạn {fmt_int(limits.body_limit())} byte" in json.loads(content)["detail"]
    assert body.sent <= limits.body_limit() + CHUNK  # ~11 MB read of 200 MB
    assert peak < 8 * MB, f"peak {peak} bytes"  # less than the 11 MB the limit lets in: nothing held whole
    assert _files() == 0


def test_a_page_gets_the_limit_as_a_vietnamese_error_page(app, client, world):
    size = limits.body_limit() + MB
    headers = _officer(client, world) | {"content-length": str(size), "accept": "text/html"}
    status, response_headers, content = _drive(app, "POST", f"/can-bo/ho-so/{world.code}/thao-tac/attach_file", headers, Body(size))
    text = content.decode()
    assert status == 413 and response_headers["content-type"].startswith("text/html")
    assert "Dữ liệu gửi lên vượt giới hạn" in text and "<html" in text.lower()


def test_a_file_over_its_own_limit_inside_the_body_limit_is_refused_naming_it(app, client, world, monkeypatch):
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, upload_max_bytes=256 * 1024))
    headers = _officer(client, world)
    status, _, content = _drive(app, "POST", f"/api/v1/dossiers/{world.code}/files", headers, Body(1 * MB, "to-khai.pdf"))
    assert status == 413
    assert re.search(r"Tệp «to-khai\.pdf» vượt giới hạn 262\.144 byte", json.loads(content)["detail"])
    assert _files() == 0
    assert not [p for p in (config.settings.files_dir).rglob("*") if p.is_file()]


def test_an_upload_within_the_limits_is_stored(app, client, world):
    headers = _officer(client, world)
    body = Body(3 * MB, "ban-quet.pdf")
    status, _, content = _drive(app, "POST", f"/api/v1/dossiers/{world.code}/files", headers, body)
    assert status == 201, content[:300]
    size = body.size - len(body.head) - len(body.tail) + len(b"%PDF-1.4\n")
    with session_factory()() as s:
        row = s.scalar(select(DossierFile))
        assert (row.filename, row.content_type, row.size) == ("ban-quet.pdf", "application/pdf", size)


def test_a_submission_of_several_files_fits_the_request_limit():
    """An online submission sends several component files at once: the request holds five full-size files."""
    assert limits.body_limit() >= 5 * config.settings.upload_max_bytes
