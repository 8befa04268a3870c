"""`cchc serve`: run the web application, in one process or several worker processes."""

from __future__ import annotations

import os
import subprocess
import sys

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Địa chỉ lắng nghe."),
    port: int = typer.Option(8000, "--port", help="Cổng."),
    workers: int = typer.Option(1, "--workers", min=1, max=64,
                                help="Số tiến trình phục vụ cùng một cơ sở dữ liệu (triển khai thật: bằng số nhân CPU)."),
    demo: int = typer.Option(0, "--demo", min=0,
                             help="Nếu cơ sở dữ liệu chưa có hồ sơ: tạo tỉnh mẫu với số hồ sơ này ở nền trong khi phục vụ "
                                  "(tiến độ ghi trong $CCHC_VAR_DIR/demo.log)."),
    access_log: bool = typer.Option(True, "--access-log/--no-access-log",
                                    help="Ghi nhật ký truy cập (định dạng Combined, kèm mã yêu cầu) ra đầu ra chuẩn."),
    dev: bool = typer.Option(False, "--dev", help="Phát triển trên máy mình: chưa có khóa bí mật thì dùng khóa tạm cho lần "
                                                  "chạy này (chỉ khi nghe ở 127.0.0.1)."),
) -> None:
    """Chạy ứng dụng web (cổng dịch vụ công và không gian làm việc của cán bộ).

    Cần khóa bí mật (CCHC_SECRET_KEY hoặc tệp do `cchc secret init` tạo); không có thì không chạy.
    """
    import uvicorn

    from cchc import config, pdf
    from cchc.console import console

    _ensure_secret(host, dev)
    # Kept by this process for every worker (they convert through it): Mẫu 01 as PDF in a fraction of a second.
    pdf.start_warm()
    builder = _start_demo(demo) if demo else None
    # Worker processes are started afresh and read the environment: each sizes its connection pool
    # to its share of CCHC_DB_CONNECTIONS (cchc.config.Settings.pool_size).
    os.environ["CCHC_WORKERS"] = str(workers)
    many = f" với {workers} tiến trình" if workers > 1 else ""
    console.print(f"Cổng dịch vụ công đang chạy tại http://{host}:{port}{many}  (Ctrl+C để dừng)")
    try:
        if workers > 1:
            uvicorn.run("cchc.app.main:create_app", factory=True, host=host, port=port, workers=workers,
                        log_config=logging_config(access_log))
        else:
            from cchc.app.main import create_app

            uvicorn.run(create_app(), host=host, port=port, log_config=logging_config(access_log))
    finally:
        pdf.stop_warm()
        if builder is not None and builder.poll() is None:
            builder.terminate()
            builder.wait(timeout=30)
            console.print(f"Đã dừng việc tạo tỉnh mẫu; các lô hồ sơ đã ghi được giữ lại (xem {config.settings.var_dir / 'demo.log'}).")


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def logging_config(access_log: bool) -> dict:
    """Applied by uvicorn in every worker process: cchc's access log (cchc.web.operations) on standard output,
    one line a request; warnings and errors (with their request id) on standard error; uvicorn's own access
    log off (ours has the user and the request id)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(message)s"},
            "timed": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "access": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stdout"},
            "errors": {"class": "logging.StreamHandler", "formatter": "timed", "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "cchc.access": {"handlers": ["access"] if access_log else [], "level": "INFO" if access_log else "CRITICAL",
                            "propagate": False},
            "cchc": {"handlers": ["errors"], "level": "WARNING", "propagate": False},
            "uvicorn": {"handlers": ["errors"], "level": "WARNING", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }


def _ensure_secret(host: str, dev: bool) -> None:
    """Refuse to serve without a signing key, except for a developer on their own machine who asks for a
    throw-away key (logins do not survive a restart then)."""
    import dataclasses
    import secrets

    from cchc import config
    from cchc.console import console
    from cchc.errors import ValidationError

    if config.settings.secret_key:
        return
    where = config.secret_path(config.settings.var_dir)
    if not dev or host not in LOOPBACK:
        hint = " (--dev chỉ dùng được khi nghe ở 127.0.0.1)" if dev else ""
        raise ValidationError(
            "Không chạy: chưa có khóa bí mật để ký phiên đăng nhập. Đặt biến môi trường CCHC_SECRET_KEY (ít nhất 32 "
            f"ký tự ngẫu nhiên) hoặc chạy `cchc secret init` để tạo tệp {where}; trên máy phát triển có thể dùng "
            f"`cchc serve --dev`{hint}."
        )
    key = secrets.token_urlsafe(48)
    os.environ["CCHC_SECRET_KEY"] = key  # worker processes read it from the environment
    config.settings = dataclasses.replace(config.settings, secret_key=key)
    console.print("[yellow]Chế độ phát triển: dùng khóa bí mật tạm cho lần chạy này; các phiên đăng nhập mất khi dừng.[/]")


def _start_demo(dossiers: int) -> subprocess.Popen | None:
    """Start `cchc demo` in a child process when the database has no dossier yet, so the portal answers
    at once: the accounts are printed as soon as they exist, the dossiers follow in the background."""
    from cchc import config
    from cchc.console import console
    from cchc.db import session_factory
    from cchc.synth.generator import has_dossiers
    from cchc.vn import fmt_int

    with session_factory()() as session:
        if has_dossiers(session):
            return None
    log = config.settings.var_dir / "demo.log"
    console.print(f"Cơ sở dữ liệu chưa có hồ sơ: đang tạo tỉnh mẫu ({fmt_int(dossiers)} hồ sơ) ở nền; "
                  f"tiến độ ở {log} (tail -f).")
    return subprocess.Popen(
        [sys.executable, "-c", "from cchc.cli import main; main()", "demo", "--dossiers", str(dossiers), "--log", str(log)],
    )
