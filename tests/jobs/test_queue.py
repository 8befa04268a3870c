"""Jobs through a real consumer (SQLite storage, Huey's worker threads): a job runs and commits; a failing job is
retried with an exponential back-off, then kept as a dead letter, and replaying it succeeds."""

from __future__ import annotations

import os
import time
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from cchc import clock
from cchc.audit.models import AuditEntry
from cchc.db import session_factory, session_scope
from cchc.errors import ValidationError
from cchc.jobs import dead_letters, enqueue, enqueue_after_commit, queue, registry
from cchc.jobs.models import PENDING, REPLAYED, DeadLetter
from tests.jobs import sample_jobs


def _runs(engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT run_key, pid FROM job_test_runs ORDER BY run_key"))]


def _wait_for(predicate, timeout: float = 20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("không xong trong thời hạn")


def test_the_back_off_doubles_up_to_its_cap():
    spec = registry.JobSpec("x", lambda s: None, retries=8, backoff=30, max_delay=3600)
    assert [spec.delay(n) for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]


def test_a_job_runs_in_the_worker_and_commits(runs, consumer):
    job_id = enqueue("tests.record", key="mot")
    assert job_id
    assert _wait_for(lambda: _runs(runs)) == [("mot", os.getpid())]  # a worker thread of this process
    assert queue.wait_until_empty(10)
    assert queue.health() | {"oldest_waiting_seconds": None} == {
        "waiting": 0, "scheduled": 0, "running": 0, "oldest_waiting_seconds": None, "storage": "sqlite"}


def test_a_failing_job_backs_off_then_lands_in_the_dead_letters_and_replays(runs, consumer):
    sample_jobs.FAILING["on"] = True
    sample_jobs.ATTEMPTS.clear()
    try:
        enqueue("tests.flaky", key="hai")
        letter = _wait_for(lambda: _letters(runs))[0]
        assert len(sample_jobs.ATTEMPTS) == 3  # the first run and two retries
        gaps = [b - a for a, b in zip(sample_jobs.ATTEMPTS, sample_jobs.ATTEMPTS[1:])]
        assert gaps[0] >= 1.0 and gaps[1] >= 1.5, gaps  # 1 s, then 2 s capped at 1,5 s
        assert (letter.job, letter.arguments, letter.attempts, letter.state) == ("tests.flaky", {"key": "hai"}, 3, PENDING)
        assert "RuntimeError: Cổng DVCQG không trả lời (thử)" in letter.error and "sample_jobs.py" in letter.error
        assert _runs(runs) == []
        assert queue.wait_until_empty(10)

        sample_jobs.FAILING["on"] = False
        with session_scope() as session:
            dead_letters.replay(session, letter.id, "quantri")
            assert queue.health()["waiting"] == 0  # enqueued once the replay is committed, not before
        assert [k for k, _ in _wait_for(lambda: _runs(runs))] == ["hai"]
        with session_factory()() as session:
            replayed = session.get(DeadLetter, letter.id)
            assert (replayed.state, replayed.handled_by) == (REPLAYED, "quantri")
            changes = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "job_dead_letters")).all()
            assert [c.action for c in changes] == ["them", "sua"]  # recorded, then replayed: both audited
            with pytest.raises(ValidationError, match="đã được xử lý"):
                dead_letters.replay(session, letter.id, "quantri")
    finally:
        sample_jobs.FAILING["on"] = True


def _letters(engine) -> list[DeadLetter]:
    with session_factory()() as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def test_a_job_enqueued_after_commit_waits_for_the_commit_and_a_rollback_drops_it(runs, sqlite_queue):
    with session_scope() as session:
        enqueue_after_commit(session, "tests.record", key="ba")
        enqueue_after_commit(session, "tests.record", key="bon")
        assert sqlite_queue.pending_count() == 0
    assert sqlite_queue.pending_count() == 2
    session = session_factory()()
    enqueue_after_commit(session, "tests.record", key="nam")
    session.rollback()
    session.commit()  # a later commit of the same session does not send what was rolled back
    session.close()
    assert sqlite_queue.pending_count() == 2


def test_arguments_and_names_are_refused_in_vietnamese(sqlite_queue):
    with pytest.raises(ValidationError, match="Không có việc nào tên «khong.co»"):
        enqueue("khong.co")
    with pytest.raises(ValidationError, match="phải là giá trị JSON"):
        enqueue("tests.record", key=object())
    assert sqlite_queue.pending_count() == 0


def test_health_counts_what_waits_and_how_long_the_oldest_has_waited(runs, sqlite_queue):
    with clock.frozen(datetime(2026, 3, 2, 8, 0, 0)):
        enqueue("tests.record", key="a")
    with clock.frozen(datetime(2026, 3, 2, 8, 1, 0)):
        enqueue("tests.record", key="b")
        enqueue("tests.record", key="c")
    with clock.frozen(datetime(2026, 3, 2, 8, 3, 30)):
        state = queue.health()
    assert (state["waiting"], state["scheduled"], state["running"], state["oldest_waiting_seconds"]) == (3, 0, 0, 210)
    with session_factory()() as session:
        assert dead_letters.pending_count(session) == 0
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == 0


def test_a_periodic_job_never_runs_twice_at_once(runs, consumer, sqlite_queue):
    enqueue("tests.exclusive")
    enqueue("tests.exclusive")  # taken by the second worker thread while the first still runs: it skips its turn
    _wait_for(lambda: _runs(runs))
    time.sleep(2.0)  # a second run would have ended by now
    assert len(_runs(runs)) == 1 and sqlite_queue.pending_count() == 0
    enqueue("tests.exclusive")  # the hold was released: the next turn runs
    _wait_for(lambda: len(_runs(runs)) == 2)


def test_a_hold_lapses_after_its_time(sqlite_queue):
    assert sqlite_queue.hold("tests.hold", 3600)
    assert not sqlite_queue.hold("tests.hold", 3600)
    time.sleep(0.05)
    assert sqlite_queue.hold("tests.hold", 0)  # its holder died: taken over
    sqlite_queue.release("tests.hold")
    assert sqlite_queue.hold("tests.hold", 3600)


def test_a_queue_that_does_not_answer_never_undoes_the_committed_action(runs, sqlite_queue, monkeypatch, caplog):
    def down(spec, kwargs):
        raise ConnectionError("Redis không trả lời")

    monkeypatch.setattr(queue, "enqueue", down)
    with session_scope() as session:
        sample_jobs.record(session, "hanh-dong")  # the action itself
        enqueue_after_commit(session, "tests.record", key="sau")
    assert _runs(runs) == [("hanh-dong", os.getpid())]
    assert "không đưa được việc tests.record vào hàng đợi" in caplog.text
