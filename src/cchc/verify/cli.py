"""`cchc check-report FILE`: print each problem of a report (its arithmetic, dates, numbering, period; with --unit
and --period, its text against the figures the system computed); exit 1 when any, 0 when none."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console

from cchc.errors import ValidationError
from cchc.verify.rules import KINDS, WORDED, check_report_file


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def check_report(
    file: Path = typer.Argument(..., help="Tệp báo cáo: .txt, .md, .docx hoặc .pdf."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text (từng chỗ sai, dễ đọc) hoặc json."),
    unit: str | None = typer.Option(None, "--unit", help="Mã đơn vị của báo cáo: đối chiếu phần lời với số liệu hệ thống tính được."),
    period: str | None = typer.Option(None, "--period", help="Kỳ báo cáo (cùng --unit), ví dụ 2023-Q3."),
) -> None:
    """Kiểm tra một báo cáo CCHC: tổng và thành phần, tỷ lệ, số liệu ghi hai lần, phụ lục và phần lời, ngày tháng, đánh số mục, kỳ báo cáo."""
    if (unit is None) != (period is None):
        raise ValidationError("Đối chiếu với số liệu hệ thống cần cả mã đơn vị (--unit) và kỳ báo cáo (--period).")
    system = None
    if unit is not None:
        from cchc.db import session_scope
        from cchc.periods import resolve_period
        from cchc.reform.service import find_unit
        from cchc.verify.system import system_rows

        p = resolve_period(period)
        with session_scope() as session:
            system = system_rows(session, find_unit(session, unit, p.end), p)
    problems = check_report_file(file, system)
    console = Console(soft_wrap=True)
    if output_format is OutputFormat.json:
        typer.echo(json.dumps({"file": str(file), "problems": [p.as_dict() for p in problems]}, ensure_ascii=False,
                              indent=2))
    elif problems:
        console.print(f"[bold]Kiểm tra số học «{file.name}»[/]")
        for i, p in enumerate(problems, 1):
            console.print(f"\n[bold]{i}. {KINDS[p.kind]}[/] ({p.where})", highlight=False)
            console.print(f"   Câu: {p.sentence}", highlight=False, markup=False)
            if p.kind in WORDED:
                console.print(f"   Ghi: {p.stated_text} — đúng ra: {p.computed_text}", highlight=False)
            else:
                console.print(f"   Số ghi: {p.stated_text} — số tính được: {p.computed_text}", highlight=False)
            console.print(f"   {p.explanation}", highlight=False, markup=False)
        console.print(f"\nTìm thấy {len(problems)} chỗ không khớp trong «{file.name}».", highlight=False)
    else:
        console.print(f"Không thấy chỗ nào sai số học trong «{file.name}».", highlight=False)
    if problems:
        sys.exit(1)
