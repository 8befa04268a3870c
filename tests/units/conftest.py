"""Fixtures of the units tests: the official lists loaded once per module, inside a rolled-back transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from cchc.units.service import create_unit, load_official


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
