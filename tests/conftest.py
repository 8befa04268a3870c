"""Test harness: every test runs on the database named by CCHC_TEST_DATABASE_URL.

`make test` runs the suite twice: on SQLite (CCHC_TEST_DATABASE_URL=sqlite, a fresh file) and on
the local PostgreSQL. On PostgreSQL each test run gets its own schema, so parallel runs on one
machine never see each other's tables.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

# cchc has no default signing key: the test process gets a random one before cchc.config is read.
os.environ.setdefault("CCHC_SECRET_KEY", secrets.token_urlsafe(48))
# No LibreOffice kept warm by each application a test starts: PDFs convert cold; tests/test_pdf_warm.py tests the
# warm one on a port of its own.
os.environ.setdefault("CCHC_PDF_CONVERTER", "cold")

from cchc import db as cchc_db  # noqa: E402
from cchc.db import Base, make_engine  # noqa: E402
from cchc.models import import_all_models  # noqa: E402

import_all_models()

# On CI the property tests draw the same examples every run: a gate must not turn red by the luck of a draw (a
# property a random draw breaks is found on a developer's machine, where the draws differ from run to run).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def pytest_configure(config):
    """CCHC_TEST_UTC_TIME=HH:MM runs the suite with the process clock set to that time (UTC) of today, ticking.

    CI runs the suite at 18:30 UTC (01:30 the next day in Việt Nam) and at 16:59 UTC (23:59): a test or a
    page that takes the machine's date instead of cchc.clock's fails there, not in somebody's evening.
    """
    at = os.environ.get("CCHC_TEST_UTC_TIME")
    if at:
        import time_machine

        hour, minute = (int(part) for part in at.split(":"))
        start = datetime.now(timezone.utc).replace(hour=hour, minute=minute, second=0, microsecond=0)
        config._cchc_time_travel = time_machine.travel(start, tick=True)
        config._cchc_time_travel.start()


def pytest_collection_modifyitems(config, items):
    """With the process clock moved, a test whose other party keeps the machine's own time in another process (its
    tokens and cookies expire by that clock) cannot agree with this one: it runs in the suites at the real time."""
    if getattr(config, "_cchc_time_travel", None) is None:
        return
    skip = pytest.mark.skip(reason="the other process keeps the machine's time; run at the real time in make test")
    for item in items:
        if item.get_closest_marker("real_clock"):
            item.add_marker(skip)


def pytest_report_header(config):
    if getattr(config, "_cchc_time_travel", None) is not None:
        return f"đồng hồ của tiến trình đặt lúc {os.environ['CCHC_TEST_UTC_TIME']} UTC"


def _test_url(tmp_dir: Path) -> tuple[str, str | None]:
    url = os.environ.get("CCHC_TEST_DATABASE_URL", "sqlite")
    if url == "sqlite":
        return f"sqlite:///{tmp_dir / 'test.db'}", None
    return url, f"cchc_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"


def make_test_engine(url: str, schema: str | None):
    if schema is None:
        return make_engine(url)
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 at production cost takes ~0.5 s a hash on a 2-core machine; tests hash hundreds of passwords."""
    from argon2 import PasswordHasher

    from cchc.auth import passwords

    saved = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = saved


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    url, schema = _test_url(tmp_path_factory.mktemp("db"))
    eng = make_test_engine(url, schema)
    Base.metadata.create_all(eng)
    cchc_db.set_engine(eng)
    yield eng
    cchc_db.set_engine(None)
    eng.dispose()
    if schema is not None:
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def rolled_back_connection(engine) -> Iterator[Connection]:
    """A connection in one real transaction, rolled back at the end, in which sessions' commits are savepoints.

    pysqlite (Python < 3.12) emits no BEGIN of its own before a SAVEPOINT, so RELEASE of the outermost
    savepoint — what `session.commit()` does in create_savepoint mode — would commit for good. On SQLite
    the driver is therefore put in autocommit mode and the transaction is opened with an explicit BEGIN.
    """
    connection = engine.connect()
    driver = connection.connection.driver_connection if engine.dialect.name == "sqlite" else None
    saved = driver.isolation_level if driver is not None else None
    if driver is not None:
        driver.isolation_level = None
    outer = connection.begin()
    if driver is not None:
        connection.exec_driver_sql("BEGIN")
    try:
        yield connection
    finally:
        outer.rollback()
        if driver is not None:
            driver.isolation_level = saved
        connection.close()


@pytest.fixture
def db(engine):
    """A session whose commits are savepoints inside one transaction rolled back after the test."""
    with rolled_back_connection(engine) as connection:
        session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()


@pytest.fixture
def committed(engine):
    """For tests that need real commits (CLI, web server, concurrency): tables emptied afterwards."""
    yield engine
    with engine.begin() as conn:
        empty_database(conn)


AUDIT_TABLES = ("audit_log", "audit_head")


def empty_database(conn: Connection) -> None:
    """Every table emptied; the append-only audit log with its triggers set aside, as only the database owner can."""
    tables = [t for t in Base.metadata.sorted_tables if t.name not in AUDIT_TABLES]
    if conn.dialect.name == "postgresql":  # one statement instead of row-by-row foreign-key checks
        conn.exec_driver_sql(f"TRUNCATE {', '.join(chr(34) + t.name + chr(34) for t in tables)} RESTART IDENTITY CASCADE")
    else:
        # dossier_day_counts last: deleting dossiers fires the triggers that write to it.
        for table in sorted(reversed(tables), key=lambda t: t.name == "dossier_day_counts"):
            conn.execute(table.delete())
    empty_audit_log(conn)


def empty_audit_log(conn: Connection) -> None:
    from cchc.audit import service as audit
    from cchc.audit.models import GENESIS

    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {audit.TRIGGER}_upd")
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {audit.TRIGGER}_del")
        conn.exec_driver_sql("DELETE FROM audit_log")
    else:
        conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        conn.exec_driver_sql("DELETE FROM audit_log")
        conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")
    conn.exec_driver_sql(f"UPDATE audit_head SET seq = 0, last_hash = '{GENESIS}'")
    audit.install(conn)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright, one for the whole run wherever its tests are (a second sync Playwright
    in the same process fails). Never `playwright install`: the browser is /usr/bin/chromium, the Debian package."""
    import shutil

    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing: `make install` installs it (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def shared_dir() -> Path:
    return SHARED


from tests.webclient import app, client, make_user  # noqa: E402,F401 — web fixtures for every package
