"""Fixtures of the notification tests: a small province (the dossier tests' world), a real SMTP server (aiosmtpd)
and a local HTTP receiver standing for the SMS / Zalo provider, each on a free port of 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from cchc import clock, config
from cchc.jobs import queue
from tests.dossiers.factories import MONDAY, World, make_world


@pytest.fixture(autouse=True)
def test_queue(tmp_path):
    """A queue of the test's own: what a commit hands to the queue is seen here, never in the var folder."""
    h = queue.ClaimingSqliteHuey("cchc-notifications-test", filename=str(tmp_path / "queue.sqlite3"), results=False, utc=True)
    queue.use(h)
    yield h
    queue.use(None)
    h.storage.close()


@pytest.fixture
def world(db) -> World:
    return make_world(db)


@pytest.fixture
def monday():
    with clock.frozen(MONDAY):
        yield MONDAY


class Inbox:
    """What the SMTP server received: (envelope sender, recipients, parsed message)."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)))
        return "250 OK"


@contextmanager
def smtp_inbox(monkeypatch) -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on a free port, cchc's settings pointed at it; what it received."""
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd checks its server by connecting to the port it was given
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setattr(config, "settings", dataclasses.replace(
            config.settings, smtp_host="127.0.0.1", smtp_port=port, smtp_from="motcua@dongthap.gov.vn",
            public_url="https://dichvucong.dongthap.gov.vn"))
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(monkeypatch):
    with smtp_inbox(monkeypatch) as inbox:
        yield inbox


class Provider:
    """A provider that answers each POST with the next scripted (status, body), then 200; keeps what it got."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict]] = []
        self.received: list[tuple[str, dict, dict]] = []  # (path, headers, JSON body)
        self.url = ""

    def handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
                provider.received.append((self.path, dict(self.headers), body))
                status, answer = provider.script.pop(0) if provider.script else (200, {"id": f"MSG-{len(provider.received)}"})
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def provider(monkeypatch):
    p = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), p.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    p.url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr(config, "settings", dataclasses.replace(
        config.settings, sms_url=f"{p.url}/sms", sms_token="sms-secret", zalo_url=f"{p.url}/zns",
        zalo_token="zalo-secret", public_url="https://dichvucong.dongthap.gov.vn"))
    try:
        yield p
    finally:
        server.shutdown()
        server.server_close()
