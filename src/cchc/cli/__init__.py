"""The `cchc` command line (Typer). Each domain package contributes its own sub-commands."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from cchc.errors import CchcError

app = typer.Typer(
    help="cchc — hệ thống một cửa điện tử và báo cáo cải cách hành chính.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def _register() -> None:
    from cchc.calendar.cli import app as calendar_app
    from cchc.cli.db import app as db_app

    app.add_typer(db_app, name="db", help="Cơ sở dữ liệu: nâng cấp lược đồ.")
    app.add_typer(calendar_app, name="calendar", help="Lịch làm việc, ngày nghỉ và tính hạn.")
    from cchc.auth.cli import app as users_app

    app.add_typer(users_app, name="users", help="Tài khoản người dùng.")
    from cchc.web.cli import serve

    app.command("serve")(serve)
    from cchc.procedures.cli import app as procedures_app

    app.add_typer(procedures_app, name="procedures", help="Danh mục thủ tục hành chính (TTHC).")

    from cchc.units.cli import app as units_app

    app.add_typer(units_app, name="units", help="Đơn vị hành chính và cơ quan.")
    from cchc.interop.cli import export_app, import_app

    app.add_typer(import_app, name="import", help="Nhập dữ liệu từ tệp CSV, XLSX hoặc JSON.")
    app.add_typer(export_app, name="export", help="Xuất dữ liệu ra tệp CSV, XLSX hoặc JSON với tên cột theo Cổng DVCQG.")

    from cchc.reports.cli import figures_app, report

    app.add_typer(figures_app, name="figures", help="Số liệu Biểu mẫu 1–7 do đơn vị nhập.")
    app.command("report")(report)
    from cchc.stats.cli import index766_command, periods_command, rebuild_counts_command, stats_command

    app.command("stats")(stats_command)
    app.command("rebuild-counts")(rebuild_counts_command)
    app.command("index766")(index766_command)
    app.command("periods")(periods_command)
    from cchc.synth.cli import demo

    app.command("demo")(demo)
    from cchc.dossiers.cli import app as dossiers_app

    app.add_typer(dossiers_app, name="dossiers", help="Hồ sơ: xem phiếu kiểm soát (Mẫu 06), nhật ký; tìm hồ sơ.")
    from cchc.verify.cli import check_report

    app.command("check-report")(check_report)
    from cchc.tasks.cli import app as tasks_app

    app.add_typer(tasks_app, name="tasks", help="Nhiệm vụ được giao.")
    from cchc.reform.cli import app as reform_app

    app.add_typer(reform_app, name="reform", help="Sổ cải cách hành chính: kế hoạch, văn bản chỉ đạo, kiểm tra, tuyên truyền.")

    from cchc.submissions.cli import app as submissions_app

    app.add_typer(submissions_app, name="submissions", help="Báo cáo gửi cấp trên.")


_register()


def main() -> None:
    """Entry point: Vietnamese errors on stderr with exit status 2, never a traceback."""
    try:
        status = app(prog_name="cchc", standalone_mode=False)  # click returns a typer.Exit's code instead of raising it
    except CchcError as exc:
        err_console.print(f"[bold red]Lỗi:[/] {exc.message}")
        sys.exit(2)
    except typer.Abort:
        err_console.print("Đã hủy.")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors: said again in Vietnamese
        from cchc.cli.usage import is_usage_error, show_usage_error

        if is_usage_error(exc):
            show_usage_error(exc, err_console)
            sys.exit(exc.exit_code)
        raise
    if isinstance(status, int) and status:
        sys.exit(status)
