"""A small deployment for the tests of serving and checking: its own SQLite file, schema and one officer,
and `cchc serve` run as a separate process the way an operator runs it."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from cchc import migrate
from cchc.auth.service import create_user
from cchc.db import make_engine

PASSWORD = "matkhau-rat-dai-123"


@pytest.fixture
def deployment(tmp_path) -> dict[str, str]:
    """The environment of a deployment whose database is at the newest schema with one administrator."""
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        create_user(session, None, username="quantri", full_name="Quản trị hệ thống", password=PASSWORD, role="quan_tri_he_thong")
        session.commit()
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCHC_")}
    return env | {"CCHC_DATABASE_URL": url, "CCHC_VAR_DIR": str(tmp_path), "CCHC_SECRET_KEY": secrets.token_urlsafe(48)}


def cchc(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`cchc args…` in a process of its own, as an operator types it."""
    return subprocess.run([sys.executable, "-c", "from cchc.cli import main; main()", *args], env=env | {"COLUMNS": "200"},
                          capture_output=True, text=True, timeout=300, check=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str], *args: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from cchc.cli import main; main()", "serve", "--port", str(self.port), *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/", timeout=5).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"cchc serve did not start: {self.process.stdout.read()}")
                time.sleep(0.2)

    def children(self) -> list[int]:
        """The processes the server started (uvicorn's workers), from /proc."""
        found = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            except OSError:
                continue
            if fields.get("PPid", "").strip() == str(self.process.pid):
                found.append(int(status.parent.name))
        return found

    def stop(self) -> str:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 2)  # Ctrl+C, as a person stops it
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
        return self.process.stdout.read()


