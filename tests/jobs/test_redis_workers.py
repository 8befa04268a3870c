"""Two `cchc worker` processes against the local Redis share a burst of jobs, and none runs twice: each job records
its run under a unique key, and the count equals the burst (issue #15, "Done when")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from cchc import migrate
from cchc.db import make_engine
from cchc.jobs import enqueue, queue
from tests.jobs import sample_jobs

REDIS_URL = os.environ.get("CCHC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REPO = Path(__file__).resolve().parents[2]
BURST = 300


@pytest.fixture
def redis_name():
    """A queue name of this test's own; every key under it removed afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"không có Redis tại {REDIS_URL}: {exc}")
    name = f"cchc-test-{uuid.uuid4().hex[:10]}"
    yield name
    for key in client.scan_iter(match=f"*{name}*"):
        client.delete(key)
    client.close()


def _start_worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from cchc.cli import main; main()", "worker", "--workers", "2", "--no-periodic",
         "--import", "tests.jobs.sample_jobs"],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def test_two_workers_share_a_burst_without_running_a_job_twice(tmp_path, redis_name):
    url = f"sqlite:///{tmp_path / 'cchc.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text(sample_jobs.TABLE_DDL))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCHC_")} | {
        "CCHC_DATABASE_URL": url, "CCHC_VAR_DIR": str(tmp_path), "CCHC_QUEUE": "redis", "CCHC_REDIS_URL": REDIS_URL,
        "CCHC_QUEUE_NAME": redis_name, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    workers = [_start_worker(env), _start_worker(env)]
    h = queue.ClaimingRedisHuey(redis_name, url=REDIS_URL, results=False, utc=True)
    queue.use(h)
    try:
        for i in range(BURST):
            enqueue("tests.record", key=f"k{i:04d}", pause=0.01)
        deadline = time.monotonic() + 120
        count = 0
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                count = conn.scalar(text("SELECT count(*) FROM job_test_runs"))
            if count >= BURST or any(w.poll() is not None for w in workers):
                break
            time.sleep(0.2)
        time.sleep(1.0)  # a job run twice would show up now
        with engine.connect() as conn:
            count, keys = conn.execute(text("SELECT count(*), count(DISTINCT run_key) FROM job_test_runs")).one()
            by_process = dict(conn.execute(text("SELECT pid, count(*) FROM job_test_runs GROUP BY pid")).all())
            letters = conn.scalar(text("SELECT count(*) FROM job_dead_letters"))
        assert (count, keys, letters) == (BURST, BURST, 0)
        assert set(by_process) == {w.pid for w in workers}, by_process  # both took a share
        assert h.pending_count() == 0 and h.scheduled_count() == 0
        assert queue.health()["running"] == 0
    finally:
        queue.use(None)
        outputs = []
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGTERM)  # as systemd stops it: the jobs in hand finish first
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(w.pid, signal.SIGKILL)
                w.wait()
            outputs.append(w.stdout.read())
        engine.dispose()
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert all(f"Hàng đợi redis" in out and redis_name in out for out in outputs), outputs
