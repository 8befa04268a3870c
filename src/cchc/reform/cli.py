"""`cchc reform import|figures`: the CCHC registers (plan, directive documents, inspections, communication)
from the command line."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True, help="Sổ cải cách hành chính: kế hoạch CCHC năm, văn bản chỉ đạo, kiểm tra, tuyên truyền.")


@app.command("import")
def import_(
    register: str = typer.Argument(..., help="Sổ: ke-hoach, van-ban, kiem-tra hoặc tuyen-truyen."),
    path: Path = typer.Argument(..., help="Tệp CSV, XLSX hoặc JSON (dòng 1 là tiêu đề cột)."),
    unit: str = typer.Option(..., "--unit", help="Mã đơn vị sở hữu sổ."),
    year: int | None = typer.Option(None, "--year", help="Năm của kế hoạch khi tệp không có cột «Năm»."),
) -> None:
    """Nhập một sổ từ tệp: kiểm tra hết, một dòng sai thì không nhập gì (báo dòng, cột)."""
    from rich.progress import Progress

    from cchc import vn
    from cchc.console import console
    from cchc.db import session_scope
    from cchc.reform import service
    from cchc.reform.importer import import_file, register_for

    with Progress(transient=True, console=console) as progress:
        progress.add_task("Đang kiểm tra và nhập tệp…", total=None)
        with session_scope() as session:
            r = register_for(register)
            u = service.find_unit(session, unit)
            added = import_file(session, None, register, u, path, year=year)
            name = u.name
    console.print(f"Đã nhập {vn.fmt_int(added)} dòng vào sổ {r.title} của {name}.")


@app.command("figures")
def figures(
    unit: str = typer.Option(..., "--unit", help="Mã đơn vị."),
    period: str | None = typer.Option(None, "--period", help="Kỳ (2023-H1, 2024-Q3 …); mặc định quý hiện tại."),
) -> None:
    """Số liệu các sổ của đơn vị trong kỳ: kế hoạch, văn bản chỉ đạo, kiểm tra, tuyên truyền."""
    from rich.table import Table

    from cchc import vn
    from cchc.console import console
    from cchc.db import session_scope
    from cchc.periods import resolve_period
    from cchc.reform import service
    from cchc.reform.figures import reform_figures

    p = resolve_period(period)
    with session_scope() as session:
        u = service.find_unit(session, unit, p.end)
        f = reform_figures(session, u, p.start, p.end)
        name = u.name
    table = Table(title=f"{name} — {p.label}")
    table.add_column("Chỉ tiêu")
    table.add_column("Số liệu", justify="right")
    pct = lambda v: vn.fmt_percent(v) if v is not None else "—"  # noqa: E731
    rows = [
        (f"Nhiệm vụ kế hoạch CCHC năm {f['plan']['year']} đã hoàn thành", f"{vn.fmt_int(f['plan']['done'])}/{vn.fmt_int(f['plan']['total'])} ({pct(f['plan']['rate'])})"),
        ("Văn bản chỉ đạo CCHC đã ban hành", vn.fmt_int(f["directives"]["count"])),
        ("Sở, ngành đã kiểm tra", vn.fmt_int(f["inspections"]["departments"])),
        ("UBND cấp huyện đã kiểm tra", vn.fmt_int(f["inspections"]["districts"])),
        ("UBND cấp xã đã kiểm tra", vn.fmt_int(f["inspections"]["communes"])),
        ("Vấn đề phát hiện / đã xử lý", f"{vn.fmt_int(f['inspections']['issues_found'])}/{vn.fmt_int(f['inspections']['issues_resolved'])} ({pct(f['inspections']['rate'])})"),
        ("Tin, bài", vn.fmt_int(f["communication"]["articles"])),
        ("Cuộc tuyên truyền / lượt tham dự", f"{vn.fmt_int(f['communication']['meetings'])} / {vn.fmt_int(f['communication']['meeting_participants'])}"),
    ]
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
