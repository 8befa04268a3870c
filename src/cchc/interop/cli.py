"""`cchc import …` and `cchc export …`: files with DVCQG field names (CSV, XLSX, JSON).

Every import is all or nothing: on the first bad row the command prints the row and column and exits
with status 2 (through cchc.cli.main) without writing anything.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cchc import vn
from cchc.db import session_scope
from cchc.dossiers import component_use  # noqa: F401 — `cchc import procedures` may not drop a component dossiers use
from cchc.errors import NotFound

import_app = typer.Typer(no_args_is_help=True)
export_app = typer.Typer(no_args_is_help=True)

FILE_HELP = "Tệp .csv, .xlsx hoặc .json (dòng đầu là tên cột)."
USER_HELP = "Tên đăng nhập của người thực hiện (ghi vào lịch sử hồ sơ); bỏ trống = người vận hành hệ thống."

# Words for the counts an importer returns, in the summary a person reads.
COUNT_LABELS = {
    "dossiers": "hồ sơ",
    "events": "sự kiện lịch sử",
    "units": "đơn vị",
    "procedures": "thủ tục",
    "fields": "lĩnh vực",
    "created": "thêm mới",
    "added": "thêm mới",
    "inserted": "thêm mới",
    "updated": "cập nhật",
    "unchanged": "không thay đổi",
    "skipped": "bỏ qua",
    "rows": "dòng",
    "total": "tổng số",
    "fees": "dòng phí, lệ phí",
    "components": "thành phần hồ sơ",
    "steps": "bước quy trình",
    "publications": "quyết định công bố",
}


@contextmanager
def _progress():
    from cchc.console import err_console

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        yield progress


def _actor(session, username: str | None):
    if not username:
        return None
    from sqlalchemy import select

    from cchc.auth.models import User

    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"Không có tài khoản «{username}».")
    return user


def _callback(progress: Progress, description: str):
    """The units and procedures importers report progress(done, total): drive one Rich task with it."""
    task = progress.add_task(description, total=None)
    return lambda done, total: progress.update(task, completed=done, total=total)


def _summary(result: dict) -> str:
    parts = []
    for key, value in result.items():
        if isinstance(value, bool) or not isinstance(value, int):
            continue
        parts.append(f"{COUNT_LABELS.get(key, key)}: {vn.fmt_int(value)}")
    return "; ".join(parts)


@import_app.command("dossiers")
def import_dossiers_command(
    file: Path = typer.Argument(..., help=FILE_HELP, show_default=False),
    user: str | None = typer.Option(None, "--user", help=USER_HELP),
) -> None:
    """Nhập hồ sơ với tên cột theo Cổng DVCQG (MaHoSo, MaTTHC, NgayTiepNhan …); tất cả hoặc không gì cả."""
    from cchc.console import console
    from cchc.interop.dossier_import import import_dossiers

    with session_scope() as session:
        actor = _actor(session, user)
        with _progress() as progress:
            result = import_dossiers(session, file, progress=progress, actor=actor)
    console.print(f"Đã nhập {vn.fmt_int(result['dossiers'])} hồ sơ từ «{file.name}».")
    if result["by_state"]:
        from cchc.dossiers.enums import State

        console.print(
            "Theo trạng thái: "
            + "; ".join(f"{State(k).label}: {vn.fmt_int(v)}" for k, v in result["by_state"].items())
            + "."
        )
    if result.get("ignored_columns"):
        console.print(f"Bỏ qua các cột không dùng: {', '.join(result['ignored_columns'])}.")
    if result.get("notes"):
        lacking = sum(result["unknown_dates"].values())  # a state implies at most one of these dates: rows
        console.print(
            f"{vn.fmt_int(lacking)} dòng thiếu ngày mà trạng thái hồ sơ hàm ý; hồ sơ vẫn được nhập, "
            "ngày đó để trống, số liệu tính theo những gì đã biết:"
        )
        for note in result["notes"]:
            console.print(f"- {note}", markup=False)


@import_app.command("units")
def import_units_command(file: Path = typer.Argument(..., help=FILE_HELP, show_default=False)) -> None:
    """Nhập đơn vị, cơ quan (MaDonVi, TenDonVi, MaDonViCha, Cap, LoaiDonVi, HieuLucTu, HieuLucDen)."""
    from cchc.console import console
    from cchc.units.importer import import_units

    with session_scope() as session:
        with _progress() as progress:
            result = import_units(session, file, _callback(progress, "Nhập đơn vị"))
    summary = _summary(result or {})
    console.print(f"Đã nhập đơn vị từ «{file.name}»" + (f": {summary}." if summary else "."))


@import_app.command("procedures")
def import_procedures_command(file: Path = typer.Argument(..., help=FILE_HELP, show_default=False)) -> None:
    """Nhập thủ tục hành chính (MaTTHC, TenTTHC, MaLinhVuc, CapThucHien, ThoiHanGiaiQuyet …)."""
    from cchc.console import console
    from cchc.procedures.importer import import_procedures

    with session_scope() as session:
        with _progress() as progress:
            result = import_procedures(session, file, _callback(progress, "Nhập thủ tục hành chính"))
    summary = _summary(result or {})
    console.print(f"Đã nhập thủ tục hành chính từ «{file.name}»" + (f": {summary}." if summary else "."))


@export_app.command("dossiers")
def export_dossiers_command(
    out: Path = typer.Option(..., "--out", help="Tệp kết quả: .csv, .xlsx hoặc .json.", show_default=False),
    unit: str | None = typer.Option(None, "--unit", help="Mã đơn vị: chỉ hồ sơ của đơn vị này và các đơn vị trực thuộc."),
    start: str | None = typer.Option(None, "--from", help="Từ ngày tiếp nhận (ví dụ 15/12/2023 hoặc 2023-12-15)."),
    end: str | None = typer.Option(None, "--to", help="Đến ngày tiếp nhận (tính cả ngày này)."),
) -> None:
    """Xuất hồ sơ ra tệp với tên cột theo Cổng DVCQG."""
    from cchc.console import console
    from cchc.interop.dossier_export import export_dossiers

    day_from = vn.parse_date(start, what="ngày bắt đầu (--from)") if start else None
    day_to = vn.parse_date(end, what="ngày kết thúc (--to)") if end else None
    with session_scope() as session:
        with _progress() as progress:
            count = export_dossiers(session, out, unit=unit, start=day_from, end=day_to, progress=progress)
    console.print(f"Đã xuất {vn.fmt_int(count)} hồ sơ ra «{out.name}».")
