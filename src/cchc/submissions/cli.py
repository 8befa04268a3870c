"""`cchc submissions …`: prepare, send, accept or return a unit's report; the overview of a province;
reminders to units that have not reported; the consolidated provincial report. The command line acts
as the system (no user), every rule of state still applies."""

from __future__ import annotations

from pathlib import Path

import typer

from cchc import clock, vn
app = typer.Typer(no_args_is_help=True, help="Báo cáo gửi cấp trên.")


def _ctx(session, unit_code: str, period_spec: str):
    from cchc.periods import resolve_period
    from cchc.reform.service import find_unit

    period = resolve_period(period_spec)
    return find_unit(session, unit_code, period.end), period


def _provinces(session, code: str | None, period):
    from sqlalchemy import select

    from cchc.reform.service import find_unit
    from cchc.units.models import Unit

    if code:
        return [find_unit(session, code, period.end)]
    return list(session.scalars(select(Unit).where(Unit.level == "tinh", Unit.parent_id.is_(None)).order_by(Unit.code)))


@app.command("prepare")
def prepare(unit: str = typer.Option(..., "--unit", help="Mã đơn vị."),
            period: str = typer.Option(..., "--period", help="Kỳ báo cáo, ví dụ 2025-Q3."),
            xlsx: Path | None = typer.Option(None, "--xlsx", help="Biểu mẫu XLSX đã điền (đơn vị không báo cáo trên cchc).")) -> None:
    """Lập (hoặc lập lại) dự thảo báo cáo gửi của đơn vị."""
    from cchc.console import console
    from cchc.db import session_scope
    from cchc.submissions import service

    with session_scope() as session:
        u, p = _ctx(session, unit, period)
        if xlsx is not None:
            sub = service.prepare_from_xlsx(session, None, u, p, xlsx)
        else:
            sub = service.prepare_from_cchc(session, None, u, p)
        console.print(f"Đã lập dự thảo báo cáo {p.label} của {u.name} ({'Biểu mẫu XLSX' if sub.source == 'xlsx' else 'số liệu cchc'}); "
                      f"{len(sub.problems)} cảnh báo khi kiểm tra.")
        for problem in sub.problems:
            console.print(f"  - {problem.get('where', '')}: {problem.get('explanation', '')}", soft_wrap=True)


@app.command("submit")
def submit(unit: str = typer.Option(..., "--unit"), period: str = typer.Option(..., "--period"),
           acknowledge: bool = typer.Option(False, "--acknowledge", help="Vẫn gửi dù kiểm tra có cảnh báo.")) -> None:
    """Gửi báo cáo của đơn vị lên cấp trên."""
    from cchc.console import console
    from cchc.db import session_scope
    from cchc.submissions import service

    with session_scope() as session:
        u, p = _ctx(session, unit, period)
        sub = service.submit(session, None, u, p, acknowledge=acknowledge)
        console.print(f"Đã gửi báo cáo {p.label} của {u.name} ({'muộn' if sub.late else 'đúng hạn'}, hạn {vn.fmt_date(sub.deadline)}).")


@app.command("decide")
def decide(unit: str = typer.Option(..., "--unit"), period: str = typer.Option(..., "--period"),
           accept: bool = typer.Option(..., "--accept/--return", help="Duyệt hoặc trả lại."),
           comment: str = typer.Option("", "--comment", help="Ý kiến (bắt buộc khi trả lại).")) -> None:
    """Duyệt hoặc trả lại báo cáo đã gửi."""
    from cchc.console import console
    from cchc.db import session_scope
    from cchc.errors import NotFound
    from cchc.submissions import service

    with session_scope() as session:
        u, p = _ctx(session, unit, period)
        sub = service.get_submission(session, u, p)
        if sub is None:
            raise NotFound(f"{u.name} chưa có báo cáo {p.label}.")
        if accept:
            service.accept(session, None, sub, comment)
        else:
            service.return_(session, None, sub, comment)
        console.print(f"Báo cáo {p.label} của {u.name}: {service.STATE_LABELS[sub.state].lower()}.")


@app.command("status")
def status(period: str = typer.Option(..., "--period"), province: str | None = typer.Option(None, "--province", help="Mã tỉnh (mặc định: mọi tỉnh)."),
           level: str | None = typer.Option(None, "--level", help="tinh, huyen hoặc xa (mặc định: đơn vị trực thuộc).")) -> None:
    """Tình hình gửi báo cáo của các đơn vị: đúng hạn, muộn, chưa gửi, đã duyệt, bị trả lại."""
    from rich.table import Table

    from cchc.console import console
    from cchc.db import session_scope
    from cchc.periods import resolve_period
    from cchc.submissions import service

    p = resolve_period(period)
    with session_scope() as session:
        for prov in _provinces(session, province, p):
            rows = service.overview(session, prov, p, level=level)
            table = Table(title=f"{prov.name} — báo cáo {p.label} (hạn {vn.fmt_date(service.deadline_for(p))})")
            for col in ("Mã đơn vị", "Đơn vị", "Cách báo cáo", "Tình trạng", "Gửi lúc", "Nhắc nhở"):
                table.add_column(col)
            for r in rows:
                sent = r.submission.submitted_at if r.submission is not None and r.submission.submitted_at else None
                table.add_row(r.unit.code, r.unit.name, "cchc" if r.on_cchc else "Biểu mẫu XLSX", r.label,
                              vn.fmt_datetime(sent) if sent else "", vn.fmt_int(r.reminders))
            console.print(table)
            c = service.counts(rows)
            console.print(", ".join(f"{label}: {vn.fmt_int(c[key])}" for key, label in service.STATUS_LABELS.items()) + f"; tổng: {vn.fmt_int(c['total'])}.")


@app.command("remind")
def remind(period: str = typer.Option(..., "--period"), province: str | None = typer.Option(None, "--province", help="Mã tỉnh (mặc định: mọi tỉnh)."),
           level: str | None = typer.Option(None, "--level"), on: str | None = typer.Option(None, "--date", help="Ngày nhắc (mặc định hôm nay).")) -> None:
    """Nhắc mọi đơn vị chưa gửi (hoặc bị trả lại) báo cáo của kỳ; chạy lại trong ngày không nhắc lần nữa."""
    from cchc.console import console
    from cchc.db import session_scope
    from cchc.periods import resolve_period
    from cchc.submissions import service

    p = resolve_period(period)
    day = vn.parse_date(on, what="ngày nhắc (--date)") if on else None
    total = 0
    with session_scope() as session:
        for prov in _provinces(session, province, p):
            created = service.remind(session, None, prov, p, level=level, today=day)
            total += len(created)
            for r in created:
                console.print(f"- {r.message}", soft_wrap=True)
    console.print(f"Đã ghi {vn.fmt_int(total)} lời nhắc." if total else "Không có đơn vị nào cần nhắc thêm hôm nay.")


@app.command("source")
def source(unit: str = typer.Option(..., "--unit"), on_cchc: bool = typer.Option(..., "--cchc/--xlsx", help="Báo cáo từ số liệu cchc hay gửi Biểu mẫu XLSX.")) -> None:
    """Đặt cách báo cáo của đơn vị (trên cchc hoặc gửi Biểu mẫu XLSX)."""
    from cchc.console import console
    from cchc.db import session_scope
    from cchc.reform.service import find_unit
    from cchc.submissions import service

    with session_scope() as session:
        u = find_unit(session, unit)
        service.set_on_cchc(session, None, u, on_cchc)
        console.print(f"{u.name}: {'báo cáo trên cchc' if on_cchc else 'gửi Biểu mẫu XLSX'}.")


@app.command("consolidate")
def consolidate_command(province: str = typer.Option(..., "--province"), period: str = typer.Option(..., "--period"),
                        out: Path = typer.Option(..., "--out", help="Tệp kết quả (.docx, .xlsx, .md, .pdf)."),
                        level: str | None = typer.Option(None, "--level"), on: str | None = typer.Option(None, "--date", help="Ngày ký.")) -> None:
    """Báo cáo tổng hợp của tỉnh: số liệu cchc của các đơn vị trên hệ thống cộng Biểu mẫu đã duyệt của các đơn vị khác."""
    from cchc.console import console
    from cchc.db import session_scope
    from cchc.reports.output import guess_format, write_report
    from cchc.submissions.consolidate import consolidated_report

    fmt = guess_format(out, None)
    report_date = vn.parse_date(on, what="ngày ký (--date)") if on else clock.today()
    with session_scope() as session:
        u, p = _ctx(session, province, period)
        built = consolidated_report(session, u, p, level=level, report_date=report_date)
        missing = [c["unit_name"] for c in built.figures.get("consolidation", []) if c["source"] == "missing"]
    files = write_report(built, out, fmt)
    console.print(f"Đã ghi báo cáo tổng hợp {p.label} của {u.name}: {files[0]}")
    if missing:
        console.print(f"Chưa có báo cáo được duyệt của: {', '.join(missing)} (không cộng vào tổng).", soft_wrap=True)
