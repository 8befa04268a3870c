"""Nothing acknowledged is lost: the server killed with SIGKILL in the middle of eight counters receiving."""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cchc.db import make_engine
from cchc.dossiers.models import Dossier
from tests.dossiers.factories import APPLICANT, make_world
from tests.ops.conftest import Server, cchc
from tests.webclient import PASSWORD, with_passwords

# A deployment on its own SQLite file, whatever the suite's database: run once, in the SQLite suite.
pytestmark = pytest.mark.slow

CLIENTS = 8


def _counter(base: str, username: str, procedure: dict, acknowledged: list[str], stop: threading.Event) -> None:
    """One officer at the counter: log in, then receive dossiers until the server is gone."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(path: str, body: dict, headers: dict | None = None, timeout: float = 10):
        request = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json", **(headers or {})})
        with opener.open(request, timeout=timeout) as r:
            return r.status, json.load(r)

    # Eight Argon2 verifications at production cost at once, maybe beside another suite: give the login time.
    _, login = post("/api/v1/auth/login", {"username": username, "password": PASSWORD}, timeout=120)
    csrf = {"X-CSRF-Token": login["csrf_token"]}
    while not stop.is_set():
        try:
            status, body = post("/api/v1/dossiers", procedure, csrf)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return  # the server died under us: this receipt was never acknowledged
        if status == 201:
            acknowledged.append(body["code"])


def test_sigkill_during_concurrent_receipts_loses_no_acknowledged_dossier(deployment):
    engine = make_engine(deployment["CCHC_DATABASE_URL"])
    with Session(engine, expire_on_commit=False) as s:
        world = with_passwords(make_world(s, prefix="x"))
        s.commit()
        body = {"procedure_code": world.procedure.code, "applicant": APPLICANT,
                "components": [{"component_id": c.id} for c in world.procedure.components]}
    server = Server(deployment, "--workers", "2", "--no-access-log")
    acknowledged: list[str] = []
    stop = threading.Event()
    threads = [threading.Thread(target=_counter, args=(server.url, world.receiver.username, body, acknowledged, stop))
               for _ in range(CLIENTS)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 180
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(server.process.pid, signal.SIGKILL)  # no shutdown, no flush: the power cord
        server.process.wait(timeout=30)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        server.stop()
    assert len(acknowledged) >= 40
    with Session(engine) as s:
        stored = set(s.scalars(select(Dossier.code)))
        first, last = s.execute(select(func.min(Dossier.received_at), func.max(Dossier.received_at))).one()
    engine.dispose()
    assert len(set(acknowledged)) == len(acknowledged), "a code was acknowledged twice"
    missing = set(acknowledged) - stored
    assert not missing, f"acknowledged but lost: {sorted(missing)[:5]}"
    check = cchc(deployment, "stats", "--unit", world.province.code, "--from", first.date().isoformat(),
                 "--to", last.date().isoformat(), "--check")
    assert check.returncode == 0 and "Khớp" in check.stdout, check.stdout + check.stderr
    chain = cchc(deployment, "audit", "verify")
    assert chain.returncode == 0 and "Nhật ký nguyên vẹn" in chain.stdout, chain.stdout + chain.stderr
