"""`cchc stats`, `cchc index766` and `cchc periods`: figures of a unit and period on the command line."""

from __future__ import annotations

import json
import shutil
from enum import Enum

import typer
from rich.console import Console
from rich.table import Table

from cchc import clock
from cchc.db import session_scope
from cchc.errors import ValidationError
from cchc.periods import Period, presets_of_year, resolve_period
from cchc.procedures import models as _procedure_models  # noqa: F401 — the Dossier mapper names Procedure
from cchc.stats.dossiers import BUCKET_LABELS, KEYS, dossier_figures, explain
from cchc.units.scope import LEVEL_LABELS, resolve_unit
from cchc.vn import fmt_date, fmt_decimal, fmt_int, fmt_percent


class Format(str, Enum):
    json = "json"
    table = "table"


def _console() -> Console:
    return Console(width=max(shutil.get_terminal_size((200, 40)).columns, 200), highlight=False)


def _period(period: str | None, date_from: str | None, date_to: str | None) -> Period:
    if period is None and date_from is None and date_to is None:
        raise ValidationError("Chọn kỳ báo cáo (--period, ví dụ 2023-Q3) hoặc khoảng ngày (--from và --to).")
    return resolve_period(period, date_from, date_to)


def _echo_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _rate(x) -> str:
    return fmt_percent(x) if x is not None else "–"


def _figure(key: str, value) -> str:
    """A dossier figure as printed: the rate as a percentage, a count with thousands dots."""
    return _rate(value) if key == "on_time_rate" else fmt_int(value)


UnitOpt = typer.Option(..., "--unit", help="Mã đơn vị (ví dụ 000.00.00.H20): đơn vị và mọi đơn vị trực thuộc.")
PeriodOpt = typer.Option(None, "--period", help="Kỳ báo cáo: 2023-Q1 … 2023-Q4, 2023-H1, 2023-9M, 2023-Y.")
FromOpt = typer.Option(None, "--from", help="Ngày bắt đầu (2023-07-01 hoặc 01/07/2023).")
ToOpt = typer.Option(None, "--to", help="Ngày kết thúc (bao gồm).")
FormatOpt = typer.Option(Format.table, "--format", help="json hoặc table.")


def stats_command(
    unit: str = UnitOpt,
    period: str | None = PeriodOpt,
    date_from: str | None = FromOpt,
    date_to: str | None = ToOpt,
    fmt: Format = FormatOpt,
    explain_bucket: str | None = typer.Option(None, "--explain", help="Liệt kê mã hồ sơ của một nhóm số liệu (ví dụ in_progress_overdue)."),
    limit: int = typer.Option(200, "--limit", help="Số mã hồ sơ tối đa khi --explain."),
    check: bool = typer.Option(False, "--check", help="Đối chiếu bảng đếm theo ngày với việc đếm trực tiếp từng hồ sơ."),
) -> None:
    """Số liệu hồ sơ TTHC của một đơn vị trong một kỳ: tiếp nhận, đã giải quyết, đang giải quyết."""
    p = _period(period, date_from, date_to)
    with session_scope() as session:
        u = resolve_unit(session, unit, on=p.end)
        if check:
            _check_day_counts(session, u, p)
            return
        if explain_bucket:
            codes = explain(session, u, p.start, p.end, explain_bucket, limit)
            if fmt == Format.json:
                _echo_json({"bucket": explain_bucket, "period": p.as_dict(), "unit": u.code, "codes": codes})
            else:
                label = BUCKET_LABELS.get(explain_bucket, explain_bucket)
                typer.echo(f"{label} — {u.name}, {p.label} ({fmt_int(len(codes))} hồ sơ, tối đa {fmt_int(limit)}):")
                for code in codes:
                    typer.echo(code)
            return
        figures = dossier_figures(session, u, p.start, p.end)
        unit_info = {"code": u.code, "name": u.name, "level": u.level}
    if fmt == Format.json:
        _echo_json({"period": p.as_dict(), "unit": unit_info, **figures})
        return
    _print_dossier_tables(_console(), figures, unit_info, p)


def _check_day_counts(session, u, p: Period) -> None:
    """Compare the figures from the day counts with a direct count of the dossiers; exit 1 if they differ."""
    fast = dossier_figures(session, u, p.start, p.end)
    slow = dossier_figures(session, u, p.start, p.end, direct=True)
    diffs = [("", k, fast[k], slow[k]) for k in KEYS if fast[k] != slow[k]]
    fast_units = {r["unit_code"]: r for r in fast["by_unit"]}
    slow_units = {r["unit_code"]: r for r in slow["by_unit"]}
    for code in sorted(set(fast_units) | set(slow_units)):
        a, b = fast_units.get(code, {}), slow_units.get(code, {})
        diffs += [(f"{code} ", k, a.get(k, 0), b.get(k, 0)) for k in KEYS if a.get(k, 0) != b.get(k, 0)]
    if not diffs:
        typer.echo(f"Khớp: số liệu của {u.code}, {p.label}, từ bảng đếm theo ngày bằng số đếm trực tiếp từ hồ sơ "
                   f"({fmt_int(fast['received_total'])} hồ sơ tiếp nhận).")
        return
    typer.echo(f"Không khớp: {fmt_int(len(diffs))} số liệu của {u.code}, {p.label} khác nhau (bảng đếm / đếm trực tiếp):", err=True)
    for where, key, a, b in diffs[:50]:
        typer.echo(f"  {where}{key}: {_figure(key, a)} / {_figure(key, b)}", err=True)
    typer.echo("Chạy `cchc rebuild-counts` để tính lại bảng đếm từ hồ sơ.", err=True)
    raise typer.Exit(1)


def rebuild_counts_command() -> None:
    """Tính lại bảng đếm hồ sơ theo ngày (dossier_day_counts) từ toàn bộ hồ sơ.

    Bảng được các trigger cập nhật cùng mỗi thay đổi của hồ sơ; chỉ cần tính lại sau khi nạp dữ liệu
    trực tiếp vào cơ sở dữ liệu với trigger tắt, hoặc khi `cchc stats --check` báo không khớp.
    """
    import time

    from cchc.db import get_engine
    from cchc.stats import daily

    t0 = time.perf_counter()
    with get_engine().begin() as conn:
        with _console().status("Đang tính lại bảng đếm hồ sơ theo ngày…"):
            rows = daily.rebuild(conn)
            daily.install(conn)
    typer.echo(f"Đã tính lại bảng đếm hồ sơ theo ngày: {fmt_int(rows)} dòng, {fmt_decimal(time.perf_counter() - t0, 1)} giây.")


def _print_dossier_tables(console: Console, f: dict, unit: dict, p: Period) -> None:
    console.print(f"[bold]Số liệu hồ sơ TTHC — {unit['name']} ({unit['code']})[/]")
    # A custom window's label already names its days; a preset's ("quý III năm 2026") gets them in brackets.
    days = "" if p.kind == "tuy_chon" else f" (từ {fmt_date(p.start)} đến {fmt_date(p.end)})"
    console.print(f"Kỳ báo cáo: {p.label}{days}")
    summary = Table(title="Tổng hợp", show_lines=False)
    summary.add_column("Chỉ tiêu")
    summary.add_column("Số liệu", justify="right")
    rows = [
        ("received_total", 0), ("carried_over", 1), ("new_total", 1), ("new_online", 2), ("new_direct", 2),
        ("new_postal", 2), ("resolved_total", 0), ("resolved_early", 1), ("resolved_on_time", 1), ("resolved_late", 1),
        ("refused", 0), ("withdrawn", 0), ("stopped", 0), ("in_progress_total", 0), ("in_progress_within", 1),
        ("in_progress_overdue", 1),
    ]
    for key, depth in rows:
        summary.add_row("  " * depth + BUCKET_LABELS[key], fmt_int(f[key]))
    summary.add_row("Tỷ lệ giải quyết đúng hạn (trước hạn và đúng hạn)", _rate(f["on_time_rate"]))
    console.print(summary)

    columns = [
        ("received_total", "Tiếp nhận"), ("carried_over", "Kỳ trước"), ("new_total", "Mới"), ("new_online", "Trực tuyến"),
        ("resolved_total", "Đã giải quyết"), ("resolved_early", "Trước hạn"), ("resolved_on_time", "Đúng hạn"),
        ("resolved_late", "Quá hạn"), ("on_time_rate", "Tỷ lệ đúng hạn"), ("refused", "Từ chối"),
        ("withdrawn", "Rút"), ("stopped", "Dừng"), ("in_progress_total", "Đang giải quyết"),
        ("in_progress_within", "Trong hạn"), ("in_progress_overdue", "Quá hạn"),
    ]

    def cells(d: dict) -> list[str]:
        return [_figure(k, d[k]) for k, _ in columns]

    by_level = Table(title="Theo cấp")
    by_level.add_column("Cấp", no_wrap=True)
    for _, title in columns:
        by_level.add_column(title, justify="right")
    for level, d in f["by_level"].items():
        by_level.add_row(LEVEL_LABELS.get(level, level), *cells(d))
    by_level.add_row("[bold]Tổng cộng[/]", *cells(f))
    console.print(by_level)

    by_unit = Table(title="Theo đơn vị tiếp nhận")
    by_unit.add_column("Mã đơn vị", no_wrap=True)
    by_unit.add_column("Tên đơn vị", no_wrap=True)
    for _, title in columns:
        by_unit.add_column(title, justify="right")
    for d in f["by_unit"]:
        by_unit.add_row(d["unit_code"], d["unit_name"], *cells(d))
    if not f["by_unit"]:
        console.print("Không có hồ sơ nào trong kỳ.")
    else:
        console.print(by_unit)


def index766_command(
    unit: str = UnitOpt,
    period: str | None = PeriodOpt,
    date_from: str | None = FromOpt,
    date_to: str | None = ToOpt,
    explain_id: str | None = typer.Option(None, "--explain", help="Liệt kê hồ sơ / thủ tục / PAKN sau một chỉ số (ví dụ 2.1)."),
    limit: int = typer.Option(200, "--limit", help="Số mã tối đa khi --explain."),
    fmt: Format = FormatOpt,
) -> None:
    """Bộ chỉ số 766 của một đơn vị trong một kỳ: điểm từng chỉ số, từng nhóm, tổng điểm và xếp loại."""
    # imported here: `cchc stats` does not load the 766 index (its definitions, the online and catalogue figures)
    from cchc.stats.index766 import compute_index, explain_indicator

    p = _period(period, date_from, date_to)
    with session_scope() as session:
        u = resolve_unit(session, unit, on=p.end)
        if explain_id:
            data = explain_indicator(session, u, p.start, p.end, explain_id, limit)
        else:
            result = compute_index(session, u, p.start, p.end)
            data = result.as_dict()
    if explain_id:
        if fmt == Format.json:
            _echo_json({"period": p.as_dict(), **data})
            return
        _print_explain(data, p)
        return
    if fmt == Format.json:
        _echo_json({"period": p.as_dict(), **data})
        return
    _print_index(_console(), data, p)


def _print_explain(data: dict, p: Period) -> None:
    typer.echo(f"Chỉ số {data['indicator']} — {data['name']} ({p.label})")
    if not data["computable"]:
        typer.echo(f"Không tính được từ dữ liệu của hệ thống. {data['note']}".strip())
        return
    what = {"ho_so": "hồ sơ", "thu_tuc": "thủ tục", "pakn": "PAKN"}[data["kind"]]
    if data["note"]:
        typer.echo(data["note"])
    typer.echo(f"Mẫu số: {fmt_int(data['denominator'])} {what}")
    for code in data["denominator_codes"]:
        typer.echo(f"  {code}")
    typer.echo(f"Tử số: {fmt_int(data['numerator'])} {what}")
    for code in data["numerator_codes"]:
        typer.echo(f"  {code}")
    missing = data.get("missing_codes") or []
    typer.echo(f"{data['missing_label']}: {fmt_int(data['denominator'] - data['numerator'])} {what}")
    for code in missing:
        typer.echo(f"  {code}")


def _num(x) -> str:
    return "–" if x is None else fmt_decimal(x, 2)


def _print_index(console: Console, data: dict, p: Period) -> None:
    from cchc.stats.index766 import STATUS_LABELS

    console.print(f"[bold]Bộ chỉ số 766 — {data['unit_name']} ({data['unit_code']})[/]")
    console.print(f"Kỳ: {p.label} (từ {fmt_date(p.start)} đến {fmt_date(p.end)})")
    table = Table()
    for title, justify in (("Chỉ số", "left"), ("Tên chỉ số", "left"), ("Tử số", "right"), ("Mẫu số", "right"),
                           ("Tỷ lệ", "right"), ("Ngưỡng", "right"), ("Điểm", "right"), ("Tối đa", "right"),
                           ("Ghi chú", "left")):
        table.add_column(title, justify=justify)
    for g in data["groups"]:
        table.add_row(f"[bold]{g['id']}[/]", f"[bold]{g['name']}[/]", "", "", "", "", f"[bold]{_num(g['score'])}[/]",
                      f"[bold]{_num(g['maximum'])}[/]", "")
        for i in g["indicators"]:
            note = STATUS_LABELS[i["status"]] if i["status"] != "scored" else ""
            table.add_row(
                i["id"], i["name"],
                "–" if i["numerator"] is None else fmt_int(i["numerator"]),
                "–" if i["denominator"] is None else fmt_int(i["denominator"]),
                _rate(i["rate"]), "–" if i["threshold"] is None else fmt_percent(i["threshold"], 0),
                _num(i["score"]), _num(i["maximum"]), note,
            )
    console.print(table)
    console.print(f"Tổng điểm: [bold]{_num(data['total'])}[/] / {_num(data['total_maximum'])} — xếp loại: [bold]{data['band']}[/]")
    if data["not_computable"]:
        console.print("Chỉ số không tính được từ dữ liệu của hệ thống (không chấm điểm): " + ", ".join(data["not_computable"]))


def periods_command(
    year: int | None = typer.Option(None, "--year", help="Năm báo cáo (mặc định: năm nay)."),
    fmt: Format = FormatOpt,
) -> None:
    """Các kỳ báo cáo có sẵn của một năm (theo Văn bản 581/BNV-CCHC; sửa trong periods.yaml)."""

    y = year or clock.today().year
    periods = presets_of_year(y)
    if fmt == Format.json:
        _echo_json([p.as_dict() for p in periods])
        return
    table = Table(title=f"Kỳ báo cáo năm {y}")
    for title in ("Mã kỳ", "Tên kỳ", "Từ ngày", "Đến ngày"):
        table.add_column(title)
    for p in periods:
        table.add_row(p.key, p.label, fmt_date(p.start), fmt_date(p.end))
    _console().print(table)
