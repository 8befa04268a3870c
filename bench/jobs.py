"""The job queue's throughput: N jobs drained by K `cchc worker` processes (each with T threads), on the embedded
SQLite queue and on Redis.

    .venv/bin/python bench/jobs.py --jobs 2000 --queue sqlite --processes 1
    .venv/bin/python bench/jobs.py --jobs 2000 --queue redis --processes 2

Each job opens its session, inserts one row (a unique key) into a SQLite database of the run and commits, as a
sweep of the outbox or of pending notifications does in its smallest form; the audit listeners are in place as
in production. The workers are started first and the clock runs from the first enqueue to the last row written.
Printed: enqueue rate, drain time, jobs per second, the load average at the time; one JSON line appended to
bench/results/jobs.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

REPO = Path(__file__).resolve().parents[1]
TABLE = "CREATE TABLE bench_job_runs (run_key VARCHAR(64) PRIMARY KEY, pid INTEGER NOT NULL)"


def record(session, key: str) -> None:
    session.execute(text("INSERT INTO bench_job_runs (run_key, pid) VALUES (:k, :p)"), {"k": key, "p": os.getpid()})


def _register() -> None:
    from cchc.jobs import job

    job("bench.record", record, retries=0)


if __name__ != "__main__":  # imported by `cchc worker --import bench.jobs`
    _register()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--queue", choices=("sqlite", "redis"), default="sqlite")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    from cchc import migrate
    from cchc.db import make_engine

    tmp = Path(tempfile.mkdtemp(prefix="cchc-bench-jobs-"))
    url = f"sqlite:///{tmp / 'cchc.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text(TABLE))
    name = f"cchc-bench-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCHC_")} | {
        "CCHC_DATABASE_URL": url, "CCHC_VAR_DIR": str(tmp), "CCHC_QUEUE": args.queue, "CCHC_QUEUE_NAME": name,
        "PYTHONPATH": str(REPO), "COLUMNS": "200"} | ({"CCHC_REDIS_URL": args.redis_url} if args.queue == "redis" else {})
    os.environ.update({k: v for k, v in env.items() if k.startswith("CCHC_")})

    from cchc import config

    config.settings = config.load_settings()
    from cchc.audit import service as _audit  # noqa: F401
    from cchc.jobs import enqueue, queue

    _register()
    logs = [tmp / f"worker-{i}.log" for i in range(args.processes)]
    workers = [subprocess.Popen([sys.executable, "-c", "from cchc.cli import main; main()", "worker", "--workers",
                                 str(args.threads), "--no-periodic", "--import", "bench.jobs"],
                                env=env, cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
               for log in logs]
    try:
        deadline = time.monotonic() + 60
        while not all("Hàng đợi" in log.read_text(encoding="utf-8", errors="replace") for log in logs):
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                raise SystemExit("cchc worker did not start:\n" + "\n".join(log.read_text() for log in logs))
            time.sleep(0.1)
        time.sleep(1.0)
        started = time.perf_counter()
        for i in range(args.jobs):
            enqueue("bench.record", key=f"k{i}")
        enqueued = time.perf_counter() - started
        done = 0
        while done < args.jobs:
            time.sleep(0.05)
            with engine.connect() as conn:
                done = conn.scalar(text("SELECT count(*) FROM bench_job_runs"))
        drained = time.perf_counter() - started
        with engine.connect() as conn:
            shares = sorted(n for (n,) in conn.execute(text("SELECT count(*) FROM bench_job_runs GROUP BY pid")))
    finally:
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGTERM)
        for w in workers:
            w.wait(timeout=60)
        if args.queue == "redis":
            import redis

            client = redis.Redis.from_url(args.redis_url)
            for key in client.scan_iter(match=f"*{name}*"):
                client.delete(key)
        queue.use(None)
    load = os.getloadavg()
    result = {"queue": args.queue, "jobs": args.jobs, "processes": args.processes, "threads": args.threads,
              "enqueue_s": round(enqueued, 3), "drain_s": round(drained, 3), "jobs_per_s": round(args.jobs / drained, 1),
              "shares": shares, "load": [round(x, 2) for x in load], "cpus": os.cpu_count()}
    print(f"{args.queue}: {args.jobs} việc, {args.processes} tiến trình × {args.threads} luồng — đưa vào {enqueued:.2f} s, "
          f"xong sau {drained:.2f} s ({args.jobs / drained:.0f} việc/s); chia {shares}; tải {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    with (out / "jobs.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
