"""The `cchc` command line (Typer). Each domain package contributes its own sub-commands."""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer

from cchc.cli import helptext
from cchc.console import console, err_console  # noqa: F401 — `cchc.cli.console`, as before
from cchc.errors import CchcError

helptext.install()
_app = typer.Typer(
    help="cchc — hệ thống một cửa điện tử và báo cáo cải cách hành chính.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@_app.callback()
def _root() -> None:
    """cchc — hệ thống một cửa điện tử và báo cáo cải cách hành chính."""
    # A callback keeps `cchc` a group of commands even when only the one asked for is registered
    # (a Typer app with a single command would run it without its name). It runs before every command:
    # the audit log's listeners are in place before a command opens a session (cchc.db refuses otherwise).
    from cchc.audit import service  # noqa: F401
    # and a command that changes a dossier writes its outbox row for Cổng DVCQG, as the application does.
    from cchc.sync import outbox  # noqa: F401


# What `cchc --help` lists, in the order the application with every command lists it (its commands, then its
# groups of commands), so that listing them imports no domain (tests/test_cli_imports.py holds the two listings
# equal): each command's summary (the first paragraph of its docstring) and each group's help.
COMMANDS = {
    "doctor": "Kiểm tra một bản triển khai: cơ sở dữ liệu, lược đồ, khóa bí mật, LibreOffice, phông chữ, thư mục tệp, bảng đếm.",
    "serve": "Chạy ứng dụng web (cổng dịch vụ công và không gian làm việc của cán bộ).",
    "report": "Viết báo cáo công tác cải cách hành chính (DOCX/PDF theo Nghị định 30/2020, XLSX, Markdown).",
    "stats": "Số liệu hồ sơ TTHC của một đơn vị trong một kỳ: tiếp nhận, đã giải quyết, đang giải quyết.",
    "rebuild-counts": "Tính lại bảng đếm hồ sơ theo ngày (dossier_day_counts) từ toàn bộ hồ sơ.",
    "index766": "Bộ chỉ số 766 của một đơn vị trong một kỳ: điểm từng chỉ số, từng nhóm, tổng điểm và xếp loại.",
    "periods": "Các kỳ báo cáo có sẵn của một năm (theo Văn bản 581/BNV-CCHC; sửa trong periods.yaml).",
    "demo": "Tạo tỉnh mẫu: đơn vị, thủ tục hành chính, cán bộ và hồ sơ theo đúng các thao tác và quy tắc của hệ thống.",
    "check-report": "Kiểm tra một báo cáo CCHC: tổng và thành phần, tỷ lệ, số liệu ghi hai lần, phụ lục và phần lời, ngày "
                    "tháng, đánh số mục, kỳ báo cáo.",
    "worker": "Chạy hàng đợi việc: gửi thông báo, đồng bộ Cổng DVCQG, việc định kỳ (nhắc hạn, đối chiếu số liệu).",
}
GROUPS = {
    "db": "Cơ sở dữ liệu: nâng cấp lược đồ.",
    "calendar": "Lịch làm việc, ngày nghỉ và tính hạn.",
    "users": "Tài khoản người dùng.",
    "audit": "Nhật ký kiểm toán: kiểm tra chuỗi, xem lịch sử một đối tượng.",
    "secret": "Khóa bí mật ký phiên đăng nhập.",
    "procedures": "Danh mục thủ tục hành chính (TTHC).",
    "units": "Đơn vị hành chính và cơ quan.",
    "import": "Nhập dữ liệu từ tệp CSV, XLSX hoặc JSON.",
    "export": "Xuất dữ liệu ra tệp CSV, XLSX hoặc JSON với tên cột theo Cổng DVCQG.",
    "figures": "Số liệu Biểu mẫu 1–7 do đơn vị nhập.",
    "dossiers": "Hồ sơ: xem phiếu kiểm soát (Mẫu 06), nhật ký; tìm hồ sơ.",
    "tasks": "Nhiệm vụ được giao.",
    "reform": "Sổ cải cách hành chính: kế hoạch, văn bản chỉ đạo, kiểm tra, tuyên truyền.",
    "submissions": "Báo cáo gửi cấp trên.",
    "payments": "Thanh toán phí, lệ phí: đối chiếu giao dịch trực tuyến với cổng thanh toán.",
    "sync": "Đồng bộ hồ sơ với Cổng Dịch vụ công quốc gia: gửi, xem bản ghi bị kẹt, nhận hồ sơ từ Cổng.",
}


def _listing() -> typer.Typer:
    """`cchc` and `cchc --help`: the commands by name and summary, none of them imported (which would import
    every domain and openpyxl, docx, FastAPI …); a command named on the line is run by the application that
    registers it (main)."""
    listing = typer.Typer(help=_app.info.help, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
    listing.callback()(_root)
    for name, summary in COMMANDS.items():
        listing.command(name, help=summary)(_named_only)
    for name, text in GROUPS.items():
        listing.add_typer(typer.Typer(), name=name, help=text)
    return listing


def _named_only() -> None:
    """Never runs: main() hands a command named on the line to the application that registers it."""
    raise typer.Exit(2)


# Each top-level command and how to add it: `cchc stats …` imports only what `stats` needs (about
# half a second less than importing every domain), `cchc --help` and an unknown name import all.
_COMMANDS: dict[str, Callable[[], None]] = {}
_registered: set[Callable[[], None]] = set()


def _command(*names: str):
    def wrap(add: Callable[[], None]):
        for name in names:
            _COMMANDS[name] = add
        return add

    return wrap


@_command("db")
def _db() -> None:
    from cchc.cli.db import app as db_app

    _app.add_typer(db_app, name="db", help=GROUPS["db"])


@_command("calendar")
def _calendar() -> None:
    from cchc.calendar.cli import app as calendar_app
    from cchc.cli.due import due

    calendar_app.command("due")(due)
    # first, where `cchc calendar --help` has always listed it
    calendar_app.registered_commands.insert(0, calendar_app.registered_commands.pop())
    _app.add_typer(calendar_app, name="calendar", help=GROUPS["calendar"])


@_command("users")
def _users() -> None:
    from cchc.auth.cli import app as users_app

    _app.add_typer(users_app, name="users", help=GROUPS["users"])


@_command("audit")
def _audit() -> None:
    from cchc.audit.cli import app as audit_app

    _app.add_typer(audit_app, name="audit", help=GROUPS["audit"])


@_command("secret")
def _secret() -> None:
    from cchc.cli.secret import app as secret_app

    _app.add_typer(secret_app, name="secret", help=GROUPS["secret"])


@_command("doctor")
def _doctor() -> None:
    from cchc.cli.doctor import doctor

    _app.command("doctor")(doctor)


@_command("serve")
def _serve() -> None:
    from cchc.app.cli import serve

    _app.command("serve")(serve)


@_command("procedures")
def _procedures() -> None:
    from cchc.procedures.cli import app as procedures_app

    _app.add_typer(procedures_app, name="procedures", help=GROUPS["procedures"])


@_command("units")
def _units() -> None:
    from cchc.units.cli import app as units_app

    _app.add_typer(units_app, name="units", help=GROUPS["units"])


@_command("import", "export")
def _interop() -> None:
    from cchc.interop.cli import export_app, import_app

    _app.add_typer(import_app, name="import", help=GROUPS["import"])
    _app.add_typer(export_app, name="export", help=GROUPS["export"])


@_command("figures", "report")
def _reports() -> None:
    from cchc.reports.cli import figures_app, report

    _app.add_typer(figures_app, name="figures", help=GROUPS["figures"])
    _app.command("report")(report)


@_command("stats", "rebuild-counts", "index766", "periods")
def _stats() -> None:
    from cchc.stats.cli import index766_command, periods_command, rebuild_counts_command, stats_command

    _app.command("stats")(stats_command)
    _app.command("rebuild-counts")(rebuild_counts_command)
    _app.command("index766")(index766_command)
    _app.command("periods")(periods_command)


@_command("demo")
def _demo() -> None:
    from cchc.synth.cli import demo

    _app.command("demo")(demo)


@_command("dossiers")
def _dossiers() -> None:
    from cchc.dossiers.cli import app as dossiers_app

    _app.add_typer(dossiers_app, name="dossiers", help=GROUPS["dossiers"])


@_command("check-report")
def _check_report() -> None:
    from cchc.verify.cli import check_report

    _app.command("check-report")(check_report)


@_command("tasks")
def _tasks() -> None:
    from cchc.tasks.cli import app as tasks_app

    _app.add_typer(tasks_app, name="tasks", help=GROUPS["tasks"])


@_command("reform")
def _reform() -> None:
    from cchc.reform.cli import app as reform_app

    _app.add_typer(reform_app, name="reform", help=GROUPS["reform"])


@_command("submissions")
def _submissions() -> None:
    from cchc.submissions.cli import app as submissions_app

    _app.add_typer(submissions_app, name="submissions", help=GROUPS["submissions"])


@_command("payments")
def _payments() -> None:
    from cchc.payments.cli import app as payments_app

    _app.add_typer(payments_app, name="payments", help=GROUPS["payments"])


@_command("sync")
def _sync() -> None:
    from cchc.sync.cli import app as sync_app

    _app.add_typer(sync_app, name="sync", help=GROUPS["sync"])


@_command("worker")
def _worker() -> None:
    from cchc import models  # noqa: F401 — every mapper, for whatever job the worker runs
    from cchc.jobs.cli import worker

    _app.command("worker")(worker)


def _register(name: str | None = None) -> typer.Typer:
    """Add the command `name` (with those registered alongside it), or every command; once each."""
    adders = [_COMMANDS[name]] if name in _COMMANDS else list(dict.fromkeys(_COMMANDS.values()))
    for add in adders:
        if add not in _registered:
            _registered.add(add)
            add()
    return _app


def __getattr__(name: str):
    """`from cchc.cli import app`: the application with every command (tests, documentation)."""
    if name == "app":
        return _register()
    raise AttributeError(name)


def main() -> None:
    """Entry point: Vietnamese errors on stderr with exit status 2, never a traceback."""
    try:
        command = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
        app = _register(command) if command is not None else _listing()
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
