"""Fixtures of the units tests: the official lists loaded once per module, inside a rolled-back transaction."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from cchc.units.service import create_unit, load_official
from tests.conftest import rolled_back_connection


@pytest.fixture(scope="module")
def official_session(engine):
    """(session, counts): the official lists loaded once for a module inside one transaction, rolled back at
    its end (instant on both databases, where deleting 14k units row by row is not).

    On SQLite that transaction holds the write lock until the module ends, so a module puts the tests that
    use it AFTER its tests that write through the `db` fixture.
    """
    with rolled_back_connection(engine) as connection:
        session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        counts = load_official(session)
        session.commit()  # a savepoint inside the transaction that is rolled back
        try:
            yield session, counts
        finally:
            session.close()


@pytest.fixture
def official(official_session):
    """(session, counts) on the loaded lists; whatever the test writes is undone (savepoint)."""
    session, counts = official_session
    nested = session.begin_nested()
    try:
        yield session, counts
    finally:
        if nested.is_active:
            nested.rollback()
        session.expire_all()


@pytest.fixture
def province(db):
    """A small province of its own for the tree and import tests (no official lists needed)."""
    return create_unit(db, code="T99", name="Tỉnh Thử Nghiệm", level="tinh", kind="tinh")
