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
