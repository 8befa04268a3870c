"""`cchc check-report FILE`: print each arithmetic problem of a report; exit 1 when any, 0 when none."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console

from cchc.verify.rules import KINDS, WORDED, check_report_file


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def check_report(
    file: Path = typer.Argument(..., help="Tệp báo cáo: .txt, .md, .docx hoặc .pdf."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text (từng chỗ sai, dễ đọc) hoặc json."),
) -> None:
    """Kiểm tra một báo cáo CCHC: tổng và thành phần, tỷ lệ, số liệu ghi hai lần, phụ lục và phần lời, ngày tháng, đánh số mục, kỳ báo cáo."""
    problems = check_report_file(file)
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
