"""`cchc doctor`: check a deployment and say in Vietnamese what is wrong."""

from __future__ import annotations

import typer


def doctor(
    no_counts: bool = typer.Option(False, "--no-counts", help="Bỏ qua đối chiếu bảng đếm theo ngày (đọc toàn bộ hồ sơ)."),
) -> None:
    """Kiểm tra một bản triển khai: cơ sở dữ liệu, lược đồ, khóa bí mật, LibreOffice, phông chữ, thư mục tệp, bảng đếm.

    Thoát với mã 1 nếu có lỗi.
    """
    from rich.table import Table

    from cchc.console import console
    from cchc.db import get_engine
    from cchc.doctor import ERROR, OK, examine

    findings = examine(get_engine(), counts=not no_counts)
    table = Table(title="Kiểm tra bản triển khai cchc")
    table.add_column("Hạng mục")
    table.add_column("Kết quả")
    table.add_column("Chi tiết")
    style = {OK: "green", ERROR: "bold red"}
    for f in findings:
        table.add_row(f.name, f"[{style.get(f.status, 'yellow')}]{f.status}[/]", f.message)
    console.print(table)
    errors = sum(f.status == ERROR for f in findings)
    if errors:
        console.print(f"[bold red]{errors} hạng mục cần sửa.[/]")
        raise typer.Exit(1)
    console.print("[green]Mọi hạng mục đều đạt.[/]")
