"""The server killed with SIGKILL in the middle of a burst of receipts, then restarted: every receipt acknowledged
to an officer (201) reaches the portal's receiver exactly once, after `cchc sync send`, and its applicant's
"received" e-mail is sent exactly once, by delivery passes run after the restart (twice, as two passes of the
queue would) — the outbox row and the message were committed with the receipt, or none of them was."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cchc.db import make_engine
from cchc.sync.models import ACKNOWLEDGED, OutboxRow
from tests.dossiers.factories import APPLICANT, make_world
from tests.ops.conftest import Server, cchc, deployment  # noqa: F401 — the deployment fixture
from tests.ops.test_crash import _counter
from tests.webclient import with_passwords

from .receiver import DROP, FAIL, Receiver

# A deployment on its own SQLite file, whatever the suite's database: run once, in the SQLite suite.
pytestmark = pytest.mark.slow

CLIENTS = 4
TOKEN = "bi-mat-dong-bo-thu"


def _burst(server: Server, username: str, body: dict, acknowledged: list[str], until: int, kill: bool) -> None:
    stop = threading.Event()
    threads = [threading.Thread(target=_counter, args=(server.url, username, body, acknowledged, stop))
               for _ in range(CLIENTS)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 180
        while len(acknowledged) < until and time.monotonic() < deadline:
            time.sleep(0.05)
        if kill:
            os.killpg(server.process.pid, signal.SIGKILL)  # no shutdown, no flush
            server.process.wait(timeout=30)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        server.stop()


def test_sigkill_in_a_burst_every_acknowledged_receipt_reaches_the_portal_once(deployment, monkeypatch):
    engine = make_engine(deployment["CCHC_DATABASE_URL"])
    with Session(engine, expire_on_commit=False) as s:
        world = with_passwords(make_world(s, prefix="x"))
        s.commit()
        body = {"procedure_code": world.procedure.code, "applicant": APPLICANT,
                "components": [{"component_id": c.id} for c in world.procedure.components]}
    env = deployment | {"CCHC_PDF_CONVERTER": "cold"}
    acknowledged: list[str] = []
    _burst(Server(env, "--workers", "2", "--no-access-log"), world.receiver.username, body, acknowledged, 24, kill=True)
    killed_at = len(acknowledged)
    _burst(Server(env, "--no-access-log"), world.receiver.username, body, acknowledged, killed_at + 8, kill=False)
    assert killed_at >= 24 and len(acknowledged) >= killed_at + 8
    with Receiver(TOKEN, [DROP, FAIL, DROP]) as r:
        sync_env = env | {"CCHC_DVCQG_SYNC_URL": r.url, "CCHC_DVCQG_SYNC_TOKEN": TOKEN}
        runs = [cchc(sync_env, "sync", "send") for _ in range(2)]
        with Session(engine) as s:  # the failed rows wait out their back-off: make them due now
            s.execute(OutboxRow.__table__.update().values(next_attempt_at=None))
            s.commit()
        runs.append(cchc(sync_env, "sync", "send"))
        assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
        assert "Không kết nối được Cổng DVCQG" in runs[0].stdout
        receipts = Counter(b["HoSo"]["MaHoSo"] for b in r.received.values() if b["HanhDong"] == "receive")
        assert r.invalid == []
    with Session(engine) as s:
        pending = s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.state != ACKNOWLEDGED))
        rows = s.scalar(select(func.count()).select_from(OutboxRow))
    assert pending == 0 and rows == len(r.received)
    assert set(acknowledged) <= set(receipts), f"acknowledged, never synced: {sorted(set(acknowledged) - set(receipts))[:5]}"
    assert set(receipts.values()) == {1}  # each receipt once

    received_mail = _deliver_twice(engine, monkeypatch)
    engine.dispose()
    mailed = Counter(code for code in receipts if any(code in text for text in received_mail))
    assert set(acknowledged) <= set(mailed), f"acknowledged, never mailed: {sorted(set(acknowledged) - set(mailed))[:5]}"
    assert all(sum(code in text for text in received_mail) == 1 for code in receipts)  # each applicant told once


def _deliver_twice(engine, monkeypatch) -> list[str]:
    """Two delivery passes against a real SMTP server: the texts (subject and body) of the messages it received."""
    from cchc.notifications.service import deliver_pending
    from tests.notifications.conftest import smtp_inbox

    with smtp_inbox(monkeypatch) as inbox:
        for _ in range(2):
            with Session(engine) as s:
                deliver_pending(s, limit=10_000)
    return [f"{m['subject']}\n{m.get_content()}" for _sender, _to, m in inbox.messages]
