"""`cchc demo`: a realistic demo province with N dossiers over the last two years."""

from __future__ import annotations

import signal
import sys
from datetime import date
from pathlib import Path
from time import monotonic

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from cchc.dossiers.enums import Channel, State
from cchc.errors import ValidationError
from cchc.synth.generator import DEFAULT_PROVINCE, DemoOptions, DemoResult, has_dossiers, run_demo
from cchc.synth.province import DEMO_PASSWORD
from cchc.vn import fmt_date, fmt_decimal, fmt_int, fmt_percent, parse_date

console = Console()

LEVEL_LABELS = {"tinh": "Cấp tỉnh", "huyen": "Cấp huyện (trước 1/7/2025)", "xa": "Cấp xã"}


def demo(
    dossiers: int = typer.Option(20_000, "--dossiers", "-n", help="Số hồ sơ tạo trong hai năm gần nhất."),
    seed: int = typer.Option(2025, "--seed", help="Hạt giống ngẫu nhiên: cùng hạt giống cho cùng dữ liệu."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Không làm gì nếu cơ sở dữ liệu đã có hồ sơ."),
    province: str = typer.Option(DEFAULT_PROVINCE, "--province", help="Mã tỉnh (danh mục 2025), ví dụ 44 Quảng Trị, 82 Đồng Tháp."),
    today: str = typer.Option("", "--today", help="Ngày «hôm nay» của dữ liệu (mặc định: hôm nay), ví dụ 20/11/2026."),
    batch: int = typer.Option(2000, "--batch", help="Số hồ sơ ghi trong mỗi giao dịch."),
    log: Path | None = typer.Option(None, "--log", help="Ghi tiến độ và tổng kết vào tệp này (dòng văn bản thường) thay vì thanh tiến độ; "
                                                          "tài khoản dùng thử vẫn in ra màn hình ngay khi đăng nhập được."),
) -> None:
    """Tạo tỉnh mẫu: đơn vị, thủ tục hành chính, cán bộ và hồ sơ theo đúng các thao tác và quy tắc của hệ thống.

    Hồ sơ đầu tiên đi qua từng thao tác của hệ thống; các hồ sơ sau được tính theo cùng quy tắc rồi ghi hàng loạt
    (100.000 hồ sơ trong vài phút). Tài khoản dùng thử đăng nhập được ngay khi đơn vị và thủ tục đã tạo xong.
    """
    from cchc.db import session_factory

    if dossiers < 0:
        raise ValidationError("Số hồ sơ (--dossiers) không được âm.")
    if batch < 1:
        raise ValidationError("Số hồ sơ mỗi giao dịch (--batch) phải từ 1 trở lên.")
    day: date | None = parse_date(today, what="ngày --today") if today else None
    if day is not None:
        from cchc import clock

        if day > clock.today():
            raise ValidationError(f"Ngày --today {fmt_date(day)} ở tương lai: dữ liệu mẫu chỉ tạo cho những ngày đã qua.")
    session = session_factory()()
    try:
        existing = has_dossiers(session)
        if if_empty and existing:
            console.print(f"Cơ sở dữ liệu đã có {fmt_int(existing)} hồ sơ: không tạo dữ liệu mẫu (--if-empty).")
            print_accounts(console, stored_accounts(session))
            return
        options = DemoOptions(dossiers=dossiers, seed=seed, province=province, today=day, batch=batch)
        if log is not None:
            _run_logged(session, options, log)
            return
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TimeRemainingColumn(), console=console, transient=False,
        ) as bar:
            tasks: dict[str, int] = {}

            def progress(label: str, done: int, total: int) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=total)
                bar.update(tasks[label], completed=done, total=total)

            result = run_demo(session, options, progress=progress)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    print_summary(console, result)


def _run_logged(session, options: DemoOptions, path: Path) -> None:
    """The demo with its progress as plain, timestamped lines in `path` (readable with `tail -f`, by a
    server that started it in the background, in a CI log): a line each 5% of every phase."""
    from cchc import clock

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", buffering=1) as out:
        log_console = Console(file=out, width=120, force_terminal=False, no_color=True)
        shown: dict[str, tuple[int, float]] = {}  # label → (percent, monotonic time) of its last line

        def line(text: str) -> None:
            out.write(f"{clock.now():%H:%M:%S} {text}\n")

        def progress(label: str, done: int, total: int) -> None:
            step = 100 * done // total if total else 100
            last_step, last_at = shown.get(label, (-5, -1.0))
            finished = done >= total and last_step != 100
            if finished or (step >= last_step + 5 and monotonic() - last_at >= 1):
                shown[label] = (100 if finished else step, monotonic())
                line(f"{label}: {fmt_int(done)}/{fmt_int(total)} ({step}%)")

        def ready(prov) -> None:
            line("Đơn vị, thủ tục và tài khoản đã sẵn sàng: đăng nhập được.")
            print_accounts(console, prov.accounts)

        line(f"Bắt đầu tạo tỉnh mẫu: {fmt_int(options.dossiers)} hồ sơ, hạt giống {options.seed}.")
        # A server that started the demo stops it with SIGTERM: end like Ctrl+C, through the rollback.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            result = run_demo(session, options, progress=progress, on_ready=ready)
        except BaseException:
            line("Dừng giữa chừng: các lô hồ sơ đã ghi được giữ lại, lô đang ghi dở được hủy.")
            raise
        print_summary(log_console, result)
        line("Xong.")
    console.print(f"Đã tạo xong tỉnh mẫu: {fmt_int(result.dossiers)} hồ sơ (chi tiết trong {path}).")


def print_summary(console: Console, result: DemoResult) -> None:
    s = result.summary
    prov = result.province
    legacy = ", ".join(u.name for u in prov.legacy_provinces)
    console.print()
    console.print(f"[bold green]Đã tạo dữ liệu mẫu của {prov.province.name}[/]" + (f" (trước 1/7/2025: {legacy})" if legacy else ""))
    console.print(
        f"Đơn vị: {fmt_int(s['units'])} (tạo mới {fmt_int(s['units_created'])} cơ quan, bộ phận); "
        f"thủ tục hành chính: {fmt_int(s['procedures'])}; cán bộ: {fmt_int(s['officers'])}; "
        f"tài khoản công dân: {fmt_int(s['citizens'])}."
    )
    console.print(
        f"Hồ sơ: {fmt_int(s['dossiers'])}, nhật ký {fmt_int(s['events'])} sự kiện; "
        f"tạo trong {fmt_decimal(result.seconds_dossiers, 1)} giây "
        f"({fmt_decimal(result.dossiers / result.seconds_dossiers if result.seconds_dossiers else 0, 1)} hồ sơ/giây), "
        f"chuẩn bị đơn vị, thủ tục {fmt_decimal(result.seconds_setup, 1)} giây."
    )
    table = Table(title="Hồ sơ theo trạng thái")
    table.add_column("Trạng thái")
    table.add_column("Số hồ sơ", justify="right")
    for state in State:
        count = s["by_state"].get(state.value, 0)
        if count:
            table.add_row(f"{state.dvcqg_code}. {state.label}", fmt_int(count))
    console.print(table)
    levels = "; ".join(f"{LEVEL_LABELS.get(k, k)} {fmt_int(v)}" for k, v in sorted(s["by_level"].items()))
    channels = "; ".join(f"{Channel(k).label} {fmt_int(v)}" for k, v in sorted(s["by_channel"].items()))
    console.print(f"Theo cấp (hồ sơ đã tiếp nhận): {levels}.")
    console.print(f"Theo kênh: {channels}.")
    t = s["timeliness"]
    console.print(
        f"Đã giải quyết: trước hạn {fmt_int(t.get('truoc_han', 0))}, đúng hạn {fmt_int(t.get('dung_han', 0))}, "
        f"quá hạn {fmt_int(t.get('qua_han', 0))}; tỷ lệ đúng hạn {fmt_percent(s['on_time_rate'])}."
    )
    console.print(
        f"Đang giải quyết: trong hạn {fmt_int(s['open_within'])}, quá hạn {fmt_int(s['open_overdue'])}. "
        f"Tỷ lệ số hóa thành phần hồ sơ khi tiếp nhận: {fmt_percent(s['digitized_rate'])}."
    )
    console.print(
        f"Phản ánh, kiến nghị: {fmt_int(s['feedback'])}; đánh giá của người dân về giải quyết hồ sơ: {fmt_int(s['ratings'])}."
    )
    w = result.reform
    if w is not None and w.tasks:
        console.print(
            f"Cải cách hành chính: {fmt_int(w.tasks)} nhiệm vụ được giao; kế hoạch CCHC {fmt_int(w.plan_items)} nhiệm vụ, "
            f"{fmt_int(w.documents)} văn bản chỉ đạo, {fmt_int(w.inspections)} cuộc kiểm tra, {fmt_int(w.activities)} hoạt động "
            f"tuyên truyền, {fmt_int(w.narratives)} mục báo cáo đã soạn; {fmt_int(w.submissions)} báo cáo đã gửi cấp trên "
            f"(tạo trong {fmt_decimal(result.seconds_reform, 1)} giây)."
        )
    print_accounts(console, prov.accounts)
    console.print(
        "Mỗi đơn vị tiếp nhận hồ sơ có các tài khoản motcua.<đơn vị>, chuyenvien.<đơn vị>, lanhdao.<đơn vị>, "
        f"quantri.<đơn vị>; công dân congdan001…congdan{len(prov.citizens):03d}. Ngày dữ liệu: {fmt_date(result.today)}."
    )


def print_accounts(console: Console, accounts: list[tuple[str, str, str]]) -> None:
    """The demo accounts, one per role, and where to log in."""
    table = Table(title=f"Tài khoản dùng thử (mật khẩu: {DEMO_PASSWORD}) — đăng nhập tại /dang-nhap")
    table.add_column("Tên đăng nhập")
    table.add_column("Vai trò")
    table.add_column("Đơn vị")
    for username, role, unit in accounts:
        table.add_row(username, role, unit)
    console.print(table)


def stored_accounts(session) -> list[tuple[str, str, str]]:
    """One existing account per role (the first by name), for a database whose demo was built earlier."""
    from sqlalchemy import select

    from cchc.auth.enums import Role
    from cchc.auth.models import User

    rows = []
    for role in Role:
        user = session.scalar(select(User).where(User.role == role.value, User.active.is_(True)).order_by(User.username).limit(1))
        if user is not None:
            rows.append((user.username, role.label, user.unit.name if user.unit else ("Toàn hệ thống" if role is Role.SYSTEM_ADMIN else user.full_name)))
    return rows
