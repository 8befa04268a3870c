"""A small demo province for the tests that need real data end to end (the own-report check, the consolidation):
Quảng Trị after 1/7/2025 with 4 new communes and their predecessors, 400 dossiers over two years played through
the real actions, and a few PAKN — some received by communes dissolved on 30/6/2025.

Built once per test package inside one transaction that is rolled back at the end; each test works in a
savepoint of its own, rolled back after it, so what a test writes (an XLSX unit, a submission) never leaks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy.orm import Session

from cchc import config
from cchc.synth.generator import DemoOptions, run_demo
from tests.conftest import rolled_back_connection

TODAY = date(2026, 11, 20)
OPTIONS = dict(dossiers=400, seed=7, province="44", today=TODAY, max_communes=4, max_procedures=80, batch=100)


@contextmanager
def small_demo(engine, files_dir) -> Iterator:
    """(connection, demo result) with the demo written in the connection's transaction."""
    old_files = config.settings.files_dir
    object.__setattr__(config.settings, "files_dir", files_dir)
    try:
        with rolled_back_connection(engine) as connection:
            session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
            try:
                result = run_demo(session, DemoOptions(**OPTIONS))
            finally:
                session.close()
            yield connection, result
    finally:
        object.__setattr__(config.settings, "files_dir", old_files)


@contextmanager
def savepoint_session(connection) -> Iterator[Session]:
    """A session whose work is rolled back after the test (the demo itself stays)."""
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
