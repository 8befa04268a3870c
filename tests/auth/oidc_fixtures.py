"""A real OpenID provider (tests/auth/oidc_provider.mjs, the npm package oidc-provider) started for a test, with
keys the test made (so that it can forge tokens too), and the browser's side of its login as plain HTTP."""

from __future__ import annotations

import dataclasses
import json
import re
import select
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey

from cchc import config
from cchc.auth import oidc
from tests.liveserver import free_port

SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
REPO = Path(__file__).resolve().parents[2]
CITIZEN_ID = "079085001234"
ACCOUNTS = {
    CITIZEN_ID: {"name": "Nguyễn Thị Định Danh", "so_dinh_danh": CITIZEN_ID, "birthdate": "1985-03-14", "email": "dinhdanh@example.vn"},
    "079090009999": {"name": "Trần Văn Mới", "so_dinh_danh": "079090009999", "birthdate": "1990-01-02"},
    "can-bo-1": {"name": "Cán Bộ Một", "preferred_username": "lanhdao_xa"},
    "can-bo-la": {"name": "Người Ngoài", "preferred_username": "khong_co_tai_khoan"},
    "so-sai": {"name": "Sai Số", "so_dinh_danh": "12ab"},
}


@dataclasses.dataclass
class RunningProvider:
    issuer: str
    key: RSAKey
    process: subprocess.Popen

    def provider_settings(self, kind: str, base: str) -> config.OidcProvider:
        return config.OidcProvider(kind=kind, issuer=self.issuer, client_id=f"cchc-{kind}", client_secret=f"bi-mat-{kind}-kiem-thu")


def _clients(base: str) -> list[dict]:
    return [{
        "client_id": f"cchc-{kind}", "client_secret": f"bi-mat-{kind}-kiem-thu",
        "redirect_uris": [f"{base}/dang-nhap/{slug}/ket-qua"], "post_logout_redirect_uris": [f"{base}/"],
        "grant_types": ["authorization_code"], "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    } for kind, slug in (("citizen", "vneid"), ("officer", "cong-vu"))]


def start_provider(base: str) -> RunningProvider:
    if not (REPO / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("Thiếu gói npm oidc-provider: chạy `make install`.")
    problems = []
    for _attempt in range(3):  # a free port may be taken by another process before node binds it
        started = _start_provider(base, problems)
        if started is not None:
            return started
    pytest.fail("oidc-provider did not start:\n" + "\n".join(problems))


def _start_provider(base: str, problems: list[str]) -> RunningProvider | None:
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    key = RSAKey.generate_key(2048, parameters={"kid": "khoa-1", "use": "sig", "alg": "RS256"})
    cfg = {"issuer": issuer, "port": port, "clients": _clients(base), "accounts": ACCOUNTS,
           "jwks": {"keys": [key.as_dict(private=True)]}}
    process = subprocess.Popen(["node", str(SCRIPT)], env={"OIDC_CONFIG": json.dumps(cfg), "PATH": "/usr/bin:/bin",
                                                            "NODE_ENV": "test"},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 1)
        line = process.stdout.readline() if ready else ""
        seen.append(line)
        if line.startswith("listening"):
            return RunningProvider(issuer, key, process)
        if process.poll() is not None:
            break
    process.kill()
    problems.append(f"exit {process.wait()}: {''.join(seen)}")
    return None


@pytest.fixture
def provider_for(monkeypatch):
    """provider_for(base) → a running provider whose clients come back to `base`; cchc is configured for it."""
    running: list[RunningProvider] = []

    def start(base: str = "http://testserver") -> RunningProvider:
        p = start_provider(base)
        running.append(p)
        monkeypatch.setattr(config, "settings", dataclasses.replace(
            config.settings, oidc={k: p.provider_settings(k, base) for k in ("citizen", "officer")}))
        oidc.forget_documents()
        return p

    yield start
    oidc.forget_documents()
    for p in running:
        p.process.terminate()
        try:
            p.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.process.kill()


def log_in_at_provider(authorize_url: str, account: str, *, back_to: str) -> str:
    """The browser's part at the provider: follow its redirects, type the account in its login form, and return
    the address it sends the browser back to (on `back_to`)."""
    with httpx.Client(follow_redirects=False, timeout=15) as browser:
        url = authorize_url
        for _ in range(12):
            answer = browser.get(url)
            if answer.status_code in (302, 303):
                url = str(answer.url.join(answer.headers["location"]))
                if url.startswith(back_to):
                    return url
                continue
            form = re.search(r'<form[^>]*action="([^"]+)"', answer.text)
            assert form, answer.text[:500]
            fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', answer.text))
            fields.update({"login": account, "password": "khong-dung"})
            posted = browser.post(str(answer.url.join(form.group(1))), data=fields)
            assert posted.status_code in (302, 303), posted.text[:500]
            url = str(posted.url.join(posted.headers["location"]))
            if url.startswith(back_to):
                return url
    raise AssertionError("the provider never sent the browser back")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def forge(key: RSAKey, claims: dict, *, alg: str = "RS256", kid: str = "khoa-1") -> str:
    from joserfc import jwt

    return jwt.encode({"alg": alg, "kid": kid}, claims, key)


def now() -> int:
    return int(time.time())
