"""One small demo shared by the tests of cchc.synth (building the province is the slow part)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from cchc import config
from cchc.synth.generator import DemoOptions, run_demo
from tests.conftest import empty_database

TODAY = date(2026, 11, 20)
OPTIONS = dict(dossiers=300, seed=7, province="44", today=TODAY, max_communes=4, max_procedures=80, batch=100)


@pytest.fixture(scope="package")
def demo(engine, tmp_path_factory):
    """A committed demo of 300 dossiers (Quảng Trị, 4 new communes and their predecessors, the 80 most used
    procedures); emptied afterwards."""
    files = tmp_path_factory.mktemp("files")
    old_files = config.settings.files_dir
    object.__setattr__(config.settings, "files_dir", files)
    session = Session(bind=engine, expire_on_commit=False)
    try:
        result = run_demo(session, DemoOptions(**OPTIONS))
        yield result, session
    finally:
        session.close()
        object.__setattr__(config.settings, "files_dir", old_files)
        with engine.begin() as conn:
            empty_database(conn)
