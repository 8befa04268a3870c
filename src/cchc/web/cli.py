"""`cchc serve`: run the web application."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Địa chỉ lắng nghe."),
    port: int = typer.Option(8000, "--port", help="Cổng."),
) -> None:
    """Chạy ứng dụng web (cổng dịch vụ công và không gian làm việc của cán bộ)."""
    import uvicorn

    from cchc.cli import console
    from cchc.web.app import create_app

    console.print(f"Cổng dịch vụ công đang chạy tại http://{host}:{port}  (Ctrl+C để dừng)")
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
