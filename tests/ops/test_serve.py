"""`cchc serve` as deployed: several processes on one database, logins valid in every one of them."""

from __future__ import annotations

import http.cookiejar
import json
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ops.conftest import PASSWORD, Server


def _browser() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _login(opener, base: str) -> None:
    request = urllib.request.Request(base + "/api/v1/auth/login", data=json.dumps({"username": "quantri", "password": PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    with opener.open(request, timeout=10) as r:
        assert r.status == 200


def _me(opener, base: str) -> str:
    with opener.open(base + "/api/v1/auth/me", timeout=10) as r:
        return json.load(r)["username"]


def test_a_login_is_valid_in_every_serving_process(deployment):
    first, second = Server(deployment), Server(deployment)
    try:
        opener = _browser()
        _login(opener, first.url)
        assert _me(opener, first.url) == "quantri"
        assert _me(opener, second.url) == "quantri"  # the other process knows the session too
    finally:
        first.stop(), second.stop()


def test_serve_with_two_workers(deployment):
    server = Server(deployment, "--workers", "2")
    try:
        assert len(server.children()) >= 2  # uvicorn's supervisor starts one process per worker
        opener = _browser()
        _login(opener, server.url)
        # Every request on a new connection: the kernel hands them to either worker.
        assert {_me(opener, server.url) for _ in range(30)} == {"quantri"}
    finally:
        out = server.stop()
    assert "với 2 tiến trình" in out


def test_a_new_database_is_served_while_its_demo_is_built(deployment):
    server = Server(deployment, "--demo", "40")
    log = Path(deployment["CCHC_VAR_DIR"]) / "demo.log"
    try:
        deadline = time.monotonic() + 120
        while "Xong." not in (log.read_text(encoding="utf-8") if log.exists() else ""):
            assert time.monotonic() < deadline and server.process.poll() is None, log.read_text(encoding="utf-8")
            time.sleep(0.5)
        opener = _browser()
        request = urllib.request.Request(server.url + "/api/v1/auth/login", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"username": "motcua.stp", "password": "demo123"}).encode())
        with opener.open(request, timeout=10) as r:
            assert r.status == 200
    finally:
        out = " ".join(server.stop().split())
    assert "Cơ sở dữ liệu chưa có hồ sơ: đang tạo tỉnh mẫu (40 hồ sơ) ở nền" in out
    assert "Tài khoản dùng thử (mật khẩu: demo123)" in out and "motcua.stp" in out
    text = log.read_text(encoding="utf-8")
    assert "Đơn vị, thủ tục và tài khoản đã sẵn sàng: đăng nhập được." in text and "Hồ sơ: 40/40 (100%)" in text
    again = Server(deployment, "--demo", "40")  # the database has dossiers now: nothing more is built
    assert "đang tạo tỉnh mẫu" not in again.stop()


def test_the_connection_pools_of_all_workers_stay_within_the_budget(monkeypatch):
    import dataclasses

    from cchc import config
    from cchc.db import make_engine

    for workers, size in ((1, 20), (2, 10), (4, 5), (16, 2)):
        settings = dataclasses.replace(config.settings, workers=workers, db_connections=40)
        assert settings.pool_size == size
        assert workers * 2 * size <= 40 or size == 2  # two connections a process at the least
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, workers=4))
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")  # no connection is made
    assert (engine.pool.size(), engine.pool._max_overflow) == (5, 5)
    engine.dispose()
    monkeypatch.setenv("CCHC_WORKERS", "nhiều")
    with pytest.raises(SystemExit, match="CCHC_WORKERS='nhiều' không hợp lệ"):
        config.load_settings()


def test_no_signing_key_no_service(deployment, monkeypatch):
    import dataclasses

    from cchc import config
    from cchc.app.main import SecretMissing, create_app
    from tests.ops.conftest import cchc

    keyless = {k: v for k, v in deployment.items() if k != "CCHC_SECRET_KEY"}
    refused = cchc(keyless, "serve", "--port", "9")
    assert refused.returncode == 2 and "Không chạy: chưa có khóa bí mật" in " ".join(refused.stderr.split())
    public = cchc(keyless, "serve", "--host", "0.0.0.0", "--port", "9", "--dev")
    assert public.returncode == 2 and "--dev chỉ dùng được khi nghe ở 127.0.0.1" in " ".join(public.stderr.split())
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, secret_key=""))
    with pytest.raises(SecretMissing, match="Chưa có khóa bí mật"):
        create_app()
    developer = Server(keyless, "--dev")  # on 127.0.0.1: a throw-away key, said out loud
    assert "Chế độ phát triển: dùng khóa bí mật tạm" in " ".join(developer.stop().split())


def test_make_run_writes_the_key_once(deployment):
    from tests.ops.conftest import cchc

    keyless = {k: v for k, v in deployment.items() if k != "CCHC_SECRET_KEY"}
    first = cchc(keyless, "secret", "init")
    key_file = Path(deployment["CCHC_VAR_DIR"]) / "secret_key"
    assert "Đã tạo khóa bí mật mới" in first.stdout and (key_file.stat().st_mode & 0o777) == 0o600
    key = key_file.read_text()
    assert "Đã có khóa bí mật" in cchc(keyless, "secret", "init").stdout and key_file.read_text() == key
    server = Server(keyless)  # the file is the key: no flag needed
    server.stop()
