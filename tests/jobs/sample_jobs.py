"""Jobs the tests run through the queue (and that `cchc worker --import tests.jobs.sample_jobs` runs in the
processes of the Redis test): each records its run under a unique key in `job_test_runs`."""

from __future__ import annotations

import os
import time

from sqlalchemy import text

from cchc.jobs import job, periodic

TABLE_DDL = ("CREATE TABLE IF NOT EXISTS job_test_runs (run_key VARCHAR(64) PRIMARY KEY, pid INTEGER NOT NULL, "
             "ran_at DOUBLE PRECISION NOT NULL)")

# tests.flaky fails while this is set (in-process tests only); the moment of each attempt is kept
FAILING = {"on": True}
ATTEMPTS: list[float] = []


def record(session, key: str, pause: float = 0.0) -> None:
    if pause:
        time.sleep(pause)
    session.execute(text("INSERT INTO job_test_runs (run_key, pid, ran_at) VALUES (:k, :p, :t)"),
                    {"k": key, "p": os.getpid(), "t": time.time()})


def flaky(session, key: str) -> None:
    ATTEMPTS.append(time.monotonic())
    if FAILING["on"]:
        raise RuntimeError("Cổng DVCQG không trả lời (thử)")
    record(session, key)


job("tests.record", record, retries=0)
job("tests.flaky", flaky, retries=2, backoff=1, max_delay=1.5)


def slow_once(session) -> None:
    record(session, f"exclusive-{time.monotonic_ns()}", pause=1.0)


# never due by itself (30 February): the tests enqueue it by name
periodic("tests.exclusive", slow_once, minute="0", hour="0", day="30", month="2", retries=0)
