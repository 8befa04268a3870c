"""`cchc report …` (the CCHC report) and `cchc figures template|import` (Biểu mẫu filled in by hand)."""

from __future__ import annotations

from pathlib import Path

import typer

from cchc import clock, vn
from cchc.errors import ValidationError

figures_app = typer.Typer(no_args_is_help=True, help="Số liệu Biểu mẫu 1–7 do đơn vị nhập (tải mẫu Excel, nhập lại).")


def _period(period: str | None, start: str | None, end: str | None):
    from cchc.periods import resolve_period

    if not period and not (start or end):
        raise ValidationError("Cần chọn kỳ báo cáo: --period (ví dụ 2023-Q3) hoặc --from và --to.")
    return resolve_period(period, start, end)


def report(
    unit: str = typer.Option(..., "--unit", help="Mã đơn vị, ví dụ 000.00.01.H87."),
    period: str | None = typer.Option(None, "--period", help="Kỳ báo cáo: 2023-Q3, 2024-H1, 2022-9M, 2023-Y."),
    start: str | None = typer.Option(None, "--from", help="Ngày bắt đầu khoảng tùy chọn (15/6/2023 hoặc 2023-06-15)."),
    end: str | None = typer.Option(None, "--to", help="Ngày kết thúc khoảng tùy chọn."),
    fmt: str | None = typer.Option(None, "--format", help="docx, pdf, xlsx hoặc md (mặc định theo đuôi tệp --out)."),
    out: Path = typer.Option(..., "--out", help="Tệp kết quả."),
    narrative: Path | None = typer.Option(None, "--narrative", help="Tệp Markdown nội dung các mục (# I, ## II.1, … # V)."),
    on: str | None = typer.Option(None, "--date", help="Ngày ký báo cáo (mặc định hôm nay)."),
) -> None:
    """Viết báo cáo công tác cải cách hành chính (DOCX/PDF theo Nghị định 30/2020, XLSX, Markdown)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from cchc.console import console
    from cchc.db import session_scope
    from cchc.reports.assembly import build_report
    from cchc.reports.output import guess_format, write_report

    chosen = _period(period, start, end)
    fmt_name = guess_format(out, fmt)
    if fmt_name == "pdf":
        from cchc.pdf import soffice

        soffice()  # say so before computing anything when LibreOffice is missing
    text = None
    if narrative is not None:
        if not narrative.exists():
            raise ValidationError(f"Không tìm thấy tệp nội dung «{narrative}».")
        text = narrative.read_text(encoding="utf-8")
    report_date = vn.parse_date(on, what="ngày ký (--date)") if on else clock.today()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console, transient=True) as progress:
        task = progress.add_task("Tính số liệu từ cơ sở dữ liệu…", total=None)
        with session_scope() as session:
            built = build_report(session, unit, chosen, narrative=text, report_date=report_date)
        progress.update(task, description=f"Ghi tệp {fmt_name.upper()}…")
        files = write_report(built, out, fmt_name)
    console.print(f"Đã ghi báo cáo {built.header.subject} ({built.header.window.strip('()')}): {files[0]}")
    for extra in files[1:]:
        console.print(f"  kèm {extra}")


@figures_app.command("template")
def template(
    unit: str = typer.Option(..., "--unit", help="Mã đơn vị."),
    period: str | None = typer.Option(None, "--period", help="Kỳ báo cáo: 2023-Q3, 2024-H1 …"),
    start: str | None = typer.Option(None, "--from", help="Ngày bắt đầu khoảng tùy chọn."),
    end: str | None = typer.Option(None, "--to", help="Ngày kết thúc khoảng tùy chọn."),
    out: Path = typer.Option(..., "--out", help="Tệp Excel (.xlsx) để đơn vị điền."),
) -> None:
    """Tải mẫu Excel Biểu mẫu 1–7: số liệu hệ thống đã điền sẵn (khóa), ô trắng để đơn vị nhập."""
    from cchc.console import console
    from cchc.db import session_scope
    from cchc.reports.assembly import forms_context
    from cchc.reports.xlsx import write_forms

    if out.suffix.lower() != ".xlsx":
        raise ValidationError(f"Tệp mẫu phải có đuôi .xlsx (nhận «{out.name}»).")
    chosen = _period(period, start, end)
    with session_scope() as session:
        ctx = forms_context(session, unit, chosen)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_forms(ctx, out, template=True)
    console.print(f"Đã ghi mẫu Biểu mẫu 1–7 của {ctx.unit_name}, {chosen.label}: {out}")


@figures_app.command("import")
def import_(
    path: Path = typer.Argument(..., help="Tệp Excel đã điền (tải bằng «cchc figures template»)."),
    unit: str | None = typer.Option(None, "--unit", help="Mã đơn vị (mặc định: ghi trong tệp, ô E3)."),
    period: str | None = typer.Option(None, "--period", help="Kỳ báo cáo (mặc định: ghi trong tệp, ô E4)."),
) -> None:
    """Nhập số liệu Biểu mẫu từ tệp Excel: kiểm tra hết, lỗi thì không nhập gì."""
    from cchc.console import console
    from cchc.db import session_scope
    from cchc.reports.xlsx import import_figures

    with session_scope() as session:
        u, p, written = import_figures(session, None, path, unit_code=unit, period_spec=period)
        name = u.name
    console.print(f"Đã nhập {written} chỉ tiêu cho {name}, {p.label}.")


@figures_app.command("narrative")
def narrative_(
    path: Path = typer.Argument(..., help="Tệp Markdown: mỗi mục bắt đầu bằng «# I», «## II.1» … hoặc tiêu đề mục."),
    unit: str = typer.Option(..., "--unit", help="Mã đơn vị."),
    period: str | None = typer.Option(None, "--period", help="Kỳ báo cáo: 2023-Q3, 2024-H1 …"),
    start: str | None = typer.Option(None, "--from", help="Ngày bắt đầu khoảng tùy chọn."),
    end: str | None = typer.Option(None, "--to", help="Ngày kết thúc khoảng tùy chọn."),
) -> None:
    """Lưu nội dung các mục báo cáo (công tác chỉ đạo, đánh giá, phương hướng, kiến nghị …) vào cơ sở dữ liệu."""
    from cchc.console import console
    from cchc.db import session_scope
    from cchc.reform import service as reform

    if not path.exists():
        raise ValidationError(f"Không tìm thấy tệp nội dung «{path}».")
    chosen = _period(period, start, end)
    text = path.read_text(encoding="utf-8")
    with session_scope() as session:
        u = reform.find_unit(session, unit, chosen.end)
        count = reform.import_narratives(session, None, u, chosen.start, chosen.end, text)
        name = u.name
    console.print(f"Đã lưu nội dung {count} mục báo cáo của {name}, {chosen.label}.")
