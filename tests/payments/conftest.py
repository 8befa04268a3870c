"""Fixtures of the payment tests: cchc served on a free port and VNPay's side of the protocol as a process of its own
(tests/payments/vnpay_simulator.py), the two talking real HTTP both ways; a citizen's dossier with a fee."""

from __future__ import annotations

import dataclasses
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from cchc import config
from cchc.db import session_factory
from cchc.dossiers import service as dossiers
from tests.dossiers.factories import APPLICANT, World, make_procedure, make_world
from tests.liveserver import free_port, serving
from tests.webclient import with_passwords

SIMULATOR = Path(__file__).with_name("vnpay_simulator.py")
TMN = "CCHCTEST"
FEE = 50000


@dataclass
class Gateway:
    url: str  # the simulator's base address
    secret: str
    app_url: str  # cchc's base address


@pytest.fixture
def vnpay_settings(monkeypatch):
    """cchc configured for the simulator; the hash secret is drawn for the run (no secret has a default)."""
    port = free_port()
    secret = secrets.token_hex(32)
    base = f"http://127.0.0.1:{port}"
    monkeypatch.setattr(config, "settings", dataclasses.replace(
        config.settings, vnpay_tmn_code=TMN, vnpay_hash_secret=secret, vnpay_url=f"{base}/paymentv2/vpcpay.html",
        vnpay_api_url=f"{base}/merchant_webapi/api/transaction"))
    return port, secret


@pytest.fixture
def app_url(committed, vnpay_settings):
    from cchc.app.main import create_app

    with serving(create_app()) as url:
        yield url


@pytest.fixture
def gateway(app_url, vnpay_settings):
    port, secret = vnpay_settings
    process = subprocess.Popen([sys.executable, str(SIMULATOR), "--port", str(port), "--tmn", TMN, "--secret", secret,
                                "--ipn", f"{app_url}/api/v1/payments/vnpay/ipn"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_control/txn?txn_ref=x", timeout=2)
            except urllib.error.HTTPError:  # 404: listening
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield Gateway(f"http://127.0.0.1:{port}", secret, app_url)
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class FeeWorld:
    world: World
    code: str  # the citizen's dossier, submitted online, with a fee of FEE đồng


@pytest.fixture
def fee_world(committed) -> FeeWorld:
    with session_factory()() as s:
        w = with_passwords(make_world(s))
        procedure = make_procedure(s, "1.000999", name="Cấp bản sao trích lục hộ tịch", fee=FEE)
        d = dossiers.submit_online(s, w.citizen, procedure=procedure, unit=w.commune, applicant=APPLICANT)
        s.commit()
        return FeeWorld(w, d.code)
