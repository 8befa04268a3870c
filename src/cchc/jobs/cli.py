"""`cchc worker`: consumers of the job queue. Start any number, on any machine that reaches the database and
(with CCHC_QUEUE=redis) Redis; each takes jobs as they come, and every worker's scheduler offers the periodic
jobs, each due minute claimed once among them."""

from __future__ import annotations

import importlib
import logging
import sys

import typer


def worker(
    workers: int = typer.Option(2, "--workers", min=1, max=64, help="Số luồng chạy việc trong tiến trình này."),
    periodic: bool = typer.Option(True, "--periodic/--no-periodic", help="Đưa các việc định kỳ vào hàng đợi khi đến giờ."),
    also: list[str] = typer.Option([], "--import", help="Nạp thêm mô-đun khai báo việc (có thể nhắc lại)."),
) -> None:
    """Chạy hàng đợi việc: gửi thông báo, đồng bộ Cổng DVCQG, việc định kỳ (nhắc hạn, đối chiếu số liệu)."""
    from cchc import config
    from cchc.console import console
    from cchc.errors import ValidationError
    from cchc.jobs import queue, registry

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(process)d %(name)s %(levelname)s: %(message)s")
    loaded = registry.load_background_modules()
    for name in also:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ValidationError(f"Không nạp được mô-đun «{name}» (--import): {exc}.") from exc
    h = queue.huey()
    where = config.settings.redis_url.split("@")[-1] if config.settings.queue == "redis" else str(config.settings.var_dir / "queue.sqlite3")
    console.print(f"Hàng đợi {config.settings.queue} ({where}), tên {config.settings.queue_name}: "
                  f"{len(registry.JOBS)} việc, {sum(1 for s in registry.JOBS.values() if s.cron)} việc định kỳ; "
                  f"{workers} luồng; nạp {', '.join(loaded + list(also)) or 'các việc của cchc'}.")
    queue.requeue_interrupted(h)
    # SIGTERM (systemd, `make run`) and SIGINT: finish the jobs in hand, then stop; a second signal stops at once
    # and the jobs it interrupted go back into the queue.
    # Redis hands a job over as it arrives (a blocking pop); SQLite is polled, at most every 2 s when idle.
    consumer = h.create_consumer(workers=workers, worker_type="thread", periodic=periodic, check_worker_health=True,
                                 graceful_signal="TERM", max_delay=2.0)
    consumer.run()
