"""A queue of the test's own (SQLite storage in the test's folder) and, where a test asks, real Huey consumer
threads taking jobs from it."""

from __future__ import annotations

import signal

import pytest
from sqlalchemy import text

from cchc.jobs import queue
from tests.jobs import sample_jobs  # noqa: F401 — registers tests.record and tests.flaky


@pytest.fixture
def sqlite_queue(tmp_path):
    h = queue.ClaimingSqliteHuey("cchc-test", filename=str(tmp_path / "queue.sqlite3"), results=False, utc=True)
    queue.use(h)
    yield h
    queue.use(None)
    h.storage.close()


@pytest.fixture
def consumer(sqlite_queue):
    """Two worker threads and the scheduler (retries wait in the schedule), as `cchc worker` runs them."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    c = sqlite_queue.create_consumer(workers=2, worker_type="thread", periodic=False, max_delay=0.2,
                                     check_worker_health=False)
    c.start()  # installs the consumer's signal handlers: put back pytest's afterwards
    try:
        yield c
    finally:
        c.stop(graceful=True)
        for s, handler in saved.items():
            signal.signal(s, handler)


@pytest.fixture
def runs(committed):
    """The table where sample jobs record their runs, in the committed test database."""
    with committed.begin() as conn:
        conn.execute(text(sample_jobs.TABLE_DDL))
    yield committed
    with committed.begin() as conn:
        conn.execute(text("DROP TABLE job_test_runs"))
