"""Fixtures of the units tests: the official lists loaded once per module, inside a rolled-back transaction."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from cchc.units.models import Unit, UnitSuccession
from cchc.units.service import create_unit, load_official


@pytest.fixture(scope="module")
def official_counts(engine):
    """The official lists loaded (committed) once for a module, and removed at its end.

    Committed rather than held in an open transaction, so that the module's other tests (each in its own
    rolled-back `db` session) are not blocked by a writer on SQLite.
    """
    with Session(engine) as session:
        counts = load_official(session)
        session.commit()
    yield counts
    with engine.begin() as conn:
        conn.execute(UnitSuccession.__table__.delete())
        conn.execute(Unit.__table__.delete())


@pytest.fixture
def official(engine, official_counts):
    """(session, counts) on the loaded lists; whatever the test writes is rolled back."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session, official_counts
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def province(db):
    """A small province of its own for the tree and import tests (no official lists needed)."""
    return create_unit(db, code="T99", name="Tỉnh Thử Nghiệm", level="tinh", kind="tinh")
