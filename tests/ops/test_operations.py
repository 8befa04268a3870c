"""Operations: request ids, the access log, /healthz, and a database that goes away and comes back."""

from __future__ import annotations

import logging
import os
import re
import socket
import threading

import pytest
from fastapi.testclient import TestClient

from cchc import db as cchc_db
from cchc import migrate
from cchc.db import make_engine
from cchc.app.main import create_app
from tests.webclient import login_api

COMBINED = re.compile(
    r'^(?P<host>\S+) - (?P<user>\S+) \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} \+0700\] "(?P<request>[^"]*)" '
    r'(?P<status>\d{3}) (?P<size>\d+|-) "(?P<referer>[^"]*)" "(?P<agent>[^"]*)" (?P<rid>[A-Za-z0-9._-]+)$'
)


def test_every_response_carries_a_request_id_and_one_access_log_line(client, make_user, caplog):
    caplog.set_level(logging.INFO, logger="cchc.access")
    r = client.get("/tra-cuu", headers={"User-Agent": "Thu nghiem/1.0", "Referer": "/"})
    rid = r.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", rid)
    assert client.get("/", headers={"X-Request-ID": "proxy-42.a"}).headers["x-request-id"] == "proxy-42.a"
    odd = client.get("/", headers={"X-Request-ID": 'x" injected\\'}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", odd)  # an id that would break the log line is replaced
    make_user("an")
    login_api(client, "an")
    client.get("/api/v1/auth/me")
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "cchc.access"]
    first = COMBINED.match(lines[0])
    assert first and first["request"] == "GET /tra-cuu HTTP/1.1" and first["status"] == "200" and first["rid"] == rid
    assert first["user"] == "-" and first["agent"] == "Thu nghiem/1.0" and first["referer"] == "/"
    me = COMBINED.match(lines[-1])
    assert me and me["request"] == "GET /api/v1/auth/me HTTP/1.1" and me["user"] == "an" and me["status"] == "200"
    assert all(COMBINED.match(line) for line in lines), lines


def test_an_unexpected_error_names_its_request_id_to_the_person_and_in_the_log(app, caplog):
    def boom():
        raise RuntimeError("hỏng")

    app.add_api_route("/api/v1/thu-loi", boom)
    app.add_api_route("/thu-loi", boom)
    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/api/v1/thu-loi")
    assert r.status_code == 500 and r.json()["request_id"] == r.headers["x-request-id"]
    page = client.get("/thu-loi")
    assert page.status_code == 500 and f"Mã tra cứu lỗi: <code>{page.headers['x-request-id']}</code>" in page.text
    logged = [rec for rec in caplog.records if rec.name == "cchc.web" and rec.levelno == logging.ERROR]
    assert any(r.headers["x-request-id"] in rec.getMessage() and rec.exc_info for rec in logged)


@pytest.fixture
def migrated(tmp_path, engine):
    """The application on a database built by the migrations (the test schema has no alembic_version)."""
    migrated = make_engine(f"sqlite:///{tmp_path / 'cchc.db'}")
    migrate.upgrade(migrated)
    cchc_db.set_engine(migrated)
    yield migrated
    cchc_db.set_engine(engine)
    migrated.dispose()


def test_healthz_reports_the_database_and_its_schema(migrated, engine):
    client = TestClient(create_app())
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"trang_thai": "tot", "luoc_do": migrate.head()}
    assert r.headers["cache-control"] == "no-store"
    with migrated.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0002'")
    behind = client.get("/healthz")
    assert behind.status_code == 503 and "cchc db upgrade" in behind.json()["chi_tiet"]
    cchc_db.set_engine(make_engine("postgresql+psycopg://postgres@127.0.0.1:9/khong_co"))
    down = client.get("/healthz")
    assert down.status_code == 503 and down.json()["chi_tiet"] == "Không kết nối được cơ sở dữ liệu."


class Gate:
    """A TCP relay to the test PostgreSQL that can be closed (connections refused, open ones cut) and opened."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = None
        self.listener: socket.socket | None = None
        self.pipes: list[socket.socket] = []
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def open(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (close alone does not, on Linux)
        except OSError:
            pass
        self.listener.close()
        for s in self.pipes:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self.pipes.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.pipes += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            try:
                b.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def test_the_database_goes_away_503_then_it_comes_back_by_itself(engine, make_user):
    url = os.environ.get("CCHC_TEST_DATABASE_URL", "sqlite")
    if not url.startswith("postgresql"):
        pytest.skip("a database server that can go away: the PostgreSQL pass of the suite")
    make_user("binh")
    gate = Gate((engine.url.host or "127.0.0.1", engine.url.port or 5432))
    with engine.connect() as conn:  # the test run's own schema
        search_path = conn.exec_driver_sql("SHOW search_path").scalar()
    through_gate = make_engine(engine.url.set(port=gate.port).render_as_string(hide_password=False),
                               connect_args={"options": f"-csearch_path={search_path}"})
    cchc_db.set_engine(through_gate)
    try:
        gate.open()
        client = TestClient(create_app(), raise_server_exceptions=False)
        login_api(client, "binh")
        assert client.get("/api/v1/auth/me").status_code == 200
        gate.close()  # the server restarts: open connections cut, new ones refused
        api = client.get("/api/v1/auth/me")
        assert api.status_code == 503 and api.headers["retry-after"] == "10"
        assert "Cơ sở dữ liệu tạm thời không truy cập được" in api.json()["detail"] and api.json()["request_id"]
        page = client.get("/tra-cuu", headers={"Accept": "text/html"})
        assert page.status_code == 503 and "Cơ sở dữ liệu tạm thời không truy cập được" in page.text
        gate.open()  # back: the pool throws the dead connections away, nobody restarts cchc
        assert client.get("/api/v1/auth/me").status_code == 200
    finally:
        gate.close()
        cchc_db.set_engine(engine)
        through_gate.dispose()
