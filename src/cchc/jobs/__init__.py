"""The job queue: work that happens by itself, on one machine or many (issue #15).

Huey runs the jobs: its SQLite storage in the var folder by default (`queue.sqlite3`, one machine), Redis in
production (`CCHC_QUEUE=redis`, `CCHC_REDIS_URL`, keys prefixed by `CCHC_QUEUE_NAME`), where any number of
`cchc worker` processes on any machine that reaches the database and Redis share the work.

The API other packages use (import from `cchc.jobs`, never from Huey):

    from cchc.jobs import job, periodic, enqueue, enqueue_after_commit, register_figures

    @job("notifications.send", retries=5)                 # a job: fn(session, **kwargs), kwargs JSON values
    def send(session, message_id: int) -> None: ...

    enqueue("notifications.send", message_id=7)          # now, into the queue
    enqueue_after_commit(session, "notifications.send", message_id=7)   # once `session` commits (never if it
                                                          # rolls back): an action is never blocked by its job
    periodic("notifications.deliver_pending", deliver_pending, minute="*")      # fn(session), every minute
    periodic("sync.send_pending", send_pending, minute="*/2", retries=3)        # crontab fields in Việt Nam time

    register_figures("sync", "Đồng bộ Cổng DVCQG", outbox_figures)  # fn(session) -> [(label, value text)]
                                                                     # shown on /quan-tri/hang-doi, in `cchc doctor`

- A job gets a session of its own, committed when it returns, rolled back when it raises. Its arguments are
  keyword arguments of JSON values (they are kept with a dead letter and replayed from it).
- Retries: a job that raises is run again after an exponential back-off (`backoff` seconds, doubled each time,
  capped at `max_delay`), `retries` times; after the last, a dead letter is recorded (`job_dead_letters`: name,
  arguments, error, attempts, when) which an administrator replays or discards on /quan-tri/hang-doi (audited).
- Periodic jobs are crontab fields read in Việt Nam time (`cchc.clock.zone()`), whatever the machines' zone;
  each due minute is claimed once in the queue's storage, so two workers' schedulers never both enqueue it.
- Where jobs are declared: a package puts its registrations in a module named `background.py`
  (`cchc/<package>/background.py`); the worker, the IT page and `cchc doctor` import every such module
  (`load_background_modules`). The jobs of the dossiers, tasks, reports and statistics are in
  `cchc/jobs/schedule.py`.
"""

from __future__ import annotations

from cchc.jobs.registry import (
    enqueue,
    enqueue_after_commit,
    job,
    load_background_modules,
    periodic,
    register_figures,
)

__all__ = ["enqueue", "enqueue_after_commit", "job", "load_background_modules", "periodic", "register_figures"]
