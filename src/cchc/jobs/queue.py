"""The Huey instance of this deployment and how a job runs in it.

Built on first use from the settings: SqliteHuey in `<var>/queue.sqlite3`, or RedisHuey at CCHC_REDIS_URL; its
name (CCHC_QUEUE_NAME) prefixes every key. Results are not kept: a job's effect is in the database.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from huey import RedisHuey, SqliteHuey
from huey.api import Huey

from cchc import config
from cchc.jobs import registry
from cchc.jobs.registry import JobSpec

log = logging.getLogger("cchc.jobs")

RUNNING_KEY = "cchc:running"
ENQUEUED_AT = "_enqueued_at"  # kept beside a job's arguments: the age of the oldest waiting job
CLAIM_SECONDS = 600

_lock = threading.Lock()
_huey: Huey | None = None
_tasks: dict[str, Any] = {}


class _Claiming:
    """Each due minute of a periodic job is claimed in the shared storage before it is enqueued, so the
    schedulers of several workers (on several machines) enqueue it once."""

    def read_periodic(self, timestamp=None):
        if timestamp is None:  # the consumer's scheduler passes None: the queue's own clock (UTC)
            timestamp = self._get_timestamp()
        minute = timestamp.strftime("%Y%m%d%H%M")
        return [task for task in super().read_periodic(timestamp) if self.claim(f"{task.name}:{minute}", timestamp)]


class ClaimingSqliteHuey(_Claiming, SqliteHuey):
    def hold(self, key: str, seconds: int) -> bool:
        """Take the hold `key` unless another holder took it less than `seconds` ago."""
        full = f"cchc:hold:{key}"
        if self.storage.put_if_empty(full, repr(time.time()).encode()):
            return True
        taken = self.storage.peek_data(full)
        if isinstance(taken, bytes) and time.time() - float(taken.decode()) > seconds:
            self.storage.delete_data(full)  # a holder that died: its hold lapses
            return self.storage.put_if_empty(full, repr(time.time()).encode())
        return False

    def release(self, key: str) -> None:
        self.storage.delete_data(f"cchc:hold:{key}")

    def claim(self, key: str, timestamp: datetime) -> bool:
        won = self.storage.put_if_empty(f"cchc:periodic:{key}", b"1")
        # the claims of a few minutes ago are no longer contested: keep the store small
        name = key.rsplit(":", 1)[0]
        for minutes in range(10, 13):
            self.storage.delete_data(f"cchc:periodic:{name}:{(timestamp - timedelta(minutes=minutes)):%Y%m%d%H%M}")
        return won


class ClaimingRedisHuey(_Claiming, RedisHuey):
    def hold(self, key: str, seconds: int) -> bool:
        return bool(self.storage.conn.set(f"huey.cchc.{self.name}.hold:{key}", 1, nx=True, ex=seconds))

    def release(self, key: str) -> None:
        self.storage.conn.delete(f"huey.cchc.{self.name}.hold:{key}")

    def claim(self, key: str, timestamp: datetime) -> bool:
        # SET NX EX: Huey's own put_if_empty needs Redis 7.4 for an expiry
        return bool(self.storage.conn.set(f"huey.cchc.{self.name}.periodic:{key}", 1, nx=True, ex=CLAIM_SECONDS))


def build(settings: config.Settings | None = None) -> Huey:
    s = settings or config.settings
    if s.queue == "redis":
        if not s.redis_url:
            raise RuntimeError("CCHC_QUEUE=redis cần CCHC_REDIS_URL.")
        return ClaimingRedisHuey(s.queue_name, url=s.redis_url, results=False, utc=True)
    s.var_dir.mkdir(parents=True, exist_ok=True)
    return ClaimingSqliteHuey(s.queue_name, filename=str(s.var_dir / "queue.sqlite3"), results=False, utc=True)


def huey() -> Huey:
    """The queue, with every registered job (built once per process)."""
    with _lock:
        if _huey is None:
            _attach(build())
        return _huey


def use(instance: Huey | None) -> None:
    """Point this process at another queue (tests); None: built again from the settings when next used."""
    global _huey
    with _lock:
        if instance is None:
            _huey = None
            _tasks.clear()
        else:
            _attach(instance)


def _attach(instance: Huey) -> None:
    global _huey
    _huey = instance
    _tasks.clear()
    if _register in registry._listeners:
        for spec in list(registry.JOBS.values()):
            _register(spec)
    else:
        registry.on_register(_register)


def _register(spec: JobSpec) -> None:
    h = _huey
    if h is None or spec.name in _tasks:
        return

    def run(task=None, **kwargs):
        return execute(spec, kwargs, task)

    run.__name__ = spec.name
    # retry_delay is set by execute() before each retry: the exponential back-off, capped.
    _tasks[spec.name] = h.task(retries=spec.retries, retry_delay=0, context=True, name=spec.name)(run)
    if spec.cron is not None:
        from cchc.jobs.schedule_time import matcher

        def tick(task=None):
            return execute(spec, {}, task)

        tick.__name__ = spec.name + "@cron"
        h.periodic_task(matcher(spec.cron), retries=spec.retries, retry_delay=0, context=True,
                        name=spec.name + "@cron")(tick)


def requeue_interrupted(h: Huey) -> None:
    """A job a stopping worker interrupted goes back into the queue (jobs are written to run again safely)."""
    from huey.signals import SIGNAL_INTERRUPTED

    @h.signal(SIGNAL_INTERRUPTED)
    def _again(_signal, task, *args, **kwargs):
        h.enqueue(task)


def enqueue(spec: JobSpec, kwargs: dict[str, Any]) -> str:
    huey()
    from cchc import clock

    task = _tasks[spec.name].s(**kwargs, **{ENQUEUED_AT: clock.now().isoformat()})
    _huey.enqueue(task)
    return task.id


def execute(spec: JobSpec, kwargs: dict[str, Any], task) -> Any:
    """Run one attempt of a job in a session of its own; on failure set the back-off of the next attempt, or
    after the last record a dead letter, then let Huey see the error."""
    from cchc import db
    from cchc.audit import service as _audit  # noqa: F401 — sessions open only with the audit listeners
    from cchc.jobs import dead_letters

    kwargs = {k: v for k, v in kwargs.items() if k != ENQUEUED_AT}
    left = task.retries if task is not None else 0
    attempt = spec.retries - left + 1
    h = _huey
    held = False
    if spec.exclusive and h is not None:
        held = h.hold(spec.name, spec.lock_seconds)
        if not held:
            log.info("việc %s đang chạy ở nơi khác: bỏ lượt này", spec.name)
            return None
    if h is not None:
        h.storage.incr(RUNNING_KEY, 1)
    try:
        session = db.session_factory()()
        try:
            value = spec.func(session, **kwargs)
            session.commit()
            return value
        except Exception as exc:
            session.rollback()
            if left > 0:
                if task is not None:
                    task.retry_delay = spec.delay(attempt)
                log.warning("việc %s lỗi lần %d, chạy lại sau %ss: %s", spec.name, attempt, spec.delay(attempt), exc)
            else:
                dead_letters.record(spec.name, kwargs, exc, attempt)
            raise
        finally:
            session.close()
    finally:
        if h is not None:
            h.storage.incr(RUNNING_KEY, -1)
        if held:
            h.release(spec.name)


def health() -> dict[str, Any]:
    """What waits in the queue: waiting, scheduled (retries and delayed jobs), running, and how long the oldest
    waiting job has waited (seconds; None when nothing waits)."""
    from cchc import clock

    h = huey()
    waiting = h.pending_count()
    oldest = None
    if waiting:
        for task in _oldest_pending(h):
            stamp = (task.kwargs or {}).get(ENQUEUED_AT)
            if stamp:
                oldest = max(0.0, (clock.now() - datetime.fromisoformat(stamp)).total_seconds())
    running = h.storage.incr(RUNNING_KEY, 0)
    return {"waiting": waiting, "scheduled": h.scheduled_count(), "running": max(0, int(running or 0)),
            "oldest_waiting_seconds": oldest, "storage": config.settings.queue}


def _oldest_pending(h: Huey):
    """The job taken next, the oldest (Huey lists the queue in the order it is taken)."""
    return h.pending(limit=1)


def wait_until_empty(timeout: float = 30.0) -> bool:
    """For tests and benchmarks: True once nothing waits, is scheduled or runs (a job just popped and not yet
    started counts as none of them: wait for its effect when that matters)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        state = health()
        if not state["waiting"] and not state["scheduled"] and not state["running"]:
            return True
        time.sleep(0.1)
    return False
