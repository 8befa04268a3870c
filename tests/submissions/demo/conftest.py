"""The demo province of tests/verify/demo/world.py, once for this package."""

from __future__ import annotations

import pytest

from tests.verify.demo.world import savepoint_session, small_demo


@pytest.fixture(scope="package")
def demo(engine, tmp_path_factory):
    with small_demo(engine, tmp_path_factory.mktemp("files")) as built:
        yield built


@pytest.fixture
def demo_db(demo):
    connection, _ = demo
    with savepoint_session(connection) as session:
        yield session


@pytest.fixture
def no_charts(monkeypatch):
    from cchc.reports import charts

    monkeypatch.setattr(charts, "render_charts", lambda report, directory: [])
