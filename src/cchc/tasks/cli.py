"""`cchc tasks …`: the daily job, XLSX import and figures of assigned tasks (nhiệm vụ được giao).

The daily job is meant for cron, once a day, e.g. /etc/cron.d/cchc:

    0 6 * * *  cchc  /opt/cchc/.venv/bin/cchc tasks daily

It is idempotent: a second run the same day marks and reminds nothing more.
"""

from __future__ import annotations

import json

import typer
from rich.table import Table

from cchc import vn
from cchc.db import session_scope

app = typer.Typer(no_args_is_help=True)


@app.command("daily")
def daily(today: str | None = typer.Option(None, "--today", help="Ngày chạy (mặc định: hôm nay), ví dụ 14/6/2024.")) -> None:
    """Việc hằng ngày: đánh dấu nhiệm vụ quá hạn, nhắc đơn vị chủ trì trước hạn (chạy bằng cron)."""
    from cchc.console import console
    from cchc import clock
    from cchc.tasks.jobs import run_daily

    day = vn.parse_date(today, what="ngày chạy (--today)") if today else clock.now().date()
    with session_scope() as session:
        result = run_daily(session, day)
    console.print(result.summary())


@app.command("import")
def import_command(
    path: str = typer.Argument(..., help="Tệp .xlsx (hoặc .csv, .json) có các cột SoVanBan, NgayVanBan, CoQuanGiao, …"),
    user: str | None = typer.Option(None, "--user", help="Nhập với tài khoản này (mặc định: quyền của người vận hành máy chủ)."),
) -> None:
    """Nhập nhiệm vụ được giao từ tệp: tất cả hoặc không dòng nào; lỗi ghi rõ dòng, cột."""
    from rich.progress import Progress

    from cchc.auth.models import User
    from cchc.console import console
    from cchc.errors import NotFound
    from cchc.tasks.importer import import_tasks
    from sqlalchemy import select

    with Progress(transient=True, console=console) as progress:
        progress.add_task("Đang kiểm tra và nhập tệp…", total=None)
        with session_scope() as session:
            actor = None
            if user:
                actor = session.scalar(select(User).where(User.username == user))
                if actor is None:
                    raise NotFound(f"Không tìm thấy tài khoản «{user}».")
            result = import_tasks(session, actor, path)
    console.print(result.summary())


@app.command("stats")
def stats(
    unit: str = typer.Option(..., "--unit", help="Mã đơn vị (tính cả các đơn vị trực thuộc)."),
    period: str | None = typer.Option(None, "--period", help="Kỳ báo cáo: 2024-H1, 2023-Q3, … hoặc 2023-12-15..2024-06-12."),
    date_from: str | None = typer.Option(None, "--from", help="Ngày bắt đầu (thay cho --period)."),
    date_to: str | None = typer.Option(None, "--to", help="Ngày kết thúc (thay cho --period)."),
    as_json: bool = typer.Option(False, "--json", help="In số liệu dạng JSON."),
) -> None:
    """Số liệu nhiệm vụ được giao của một đơn vị trong một kỳ, theo cách viết của báo cáo."""
    from cchc.console import console
    from cchc.errors import ValidationError
    from cchc.periods import resolve_period
    from cchc.tasks.stats import task_figures, task_sentences, window_label
    from cchc.units.service import resolve_unit

    if period is None and date_from is None and date_to is None:
        raise ValidationError("Chọn kỳ báo cáo (--period, ví dụ 2024-H1) hoặc khoảng ngày (--from và --to).")
    p = resolve_period(period, date_from, date_to)
    with session_scope() as session:
        u = resolve_unit(session, unit, on=p.end)
        figures = task_figures(session, u, p.start, p.end)
        name = u.name
    if as_json:
        typer.echo(json.dumps({"unit": unit, "start": p.start.isoformat(), "end": p.end.isoformat(), **figures},
                              ensure_ascii=False, default=str, indent=2))
        return
    label = window_label(p.start, p.end)
    table = Table(title=f"Nhiệm vụ được giao — {name}, {p.label}")
    for col in ("Chỉ tiêu", "Tổng", "Chính phủ, TTg giao", "UBND tỉnh, Chủ tịch giao"):
        table.add_column(col, justify="left" if col == "Chỉ tiêu" else "right")
    rows = (
        ("Tổng số nhiệm vụ đã giao", "assigned_total"), ("Chờ tiếp nhận", "waiting_acceptance"),
        ("Đang thực hiện", "in_progress"), ("Chờ xác nhận (chờ kết thúc)", "waiting_confirmation"),
        ("Đã hoàn thành", "done_total"), ("  đúng hạn", "done_on_time"), ("  hoàn thành chậm", "done_late"),
        ("Chưa hoàn thành", "not_done_total"), ("  trong hạn", "not_done_within"), ("  quá hạn", "not_done_overdue"),
        ("Bị trả lại (đang làm lại)", "returned"), ("Đã gia hạn", "extended"),
    )
    bs = figures["by_source"]
    for text, key in rows:
        table.add_row(text, vn.fmt_int(figures[key]), vn.fmt_int(bs["chinh_phu"][key]), vn.fmt_int(bs["ubnd_tinh"][key]))
    table.add_row("Tỷ lệ hoàn thành đúng hạn", vn.fmt_percent(figures["on_time_rate"]),
                  vn.fmt_percent(bs["chinh_phu"]["on_time_rate"]), vn.fmt_percent(bs["ubnd_tinh"]["on_time_rate"]))
    console.print(table)
    for sentence in task_sentences(figures, label):
        console.print(sentence)
