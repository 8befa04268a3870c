"""`cchc units …`: the official lists of administrative units, and looking units up."""

from __future__ import annotations

from datetime import date

import typer

from cchc import vn
from cchc.db import session_scope

app = typer.Typer(no_args_is_help=True)


def _on(value: str | None) -> date | None:
    return vn.parse_date(value, what="ngày (--on)") if value else None


def _validity(unit) -> str:
    if unit.valid_from and unit.valid_to:
        return f"{vn.fmt_date(unit.valid_from)} – {vn.fmt_date(unit.valid_to)}"
    if unit.valid_from:
        return f"từ {vn.fmt_date(unit.valid_from)}"
    if unit.valid_to:
        return f"đến {vn.fmt_date(unit.valid_to)}"
    return "không thời hạn"


def summary_text(counts: dict[str, int]) -> str:
    """'34 tỉnh, thành phố; 3.321 xã, phường, đặc khu; …' from load_official's counts."""
    n = vn.fmt_int
    return (
        f"Từ 1/7/2025: {n(counts['provinces'])} tỉnh, thành phố; {n(counts['communes'])} xã, phường, đặc khu. "
        f"Đến 30/6/2025: {n(counts['legacy_provinces'])} tỉnh, thành phố; "
        f"{n(counts['legacy_districts'])} huyện, quận, thị xã, thành phố thuộc tỉnh; "
        f"{n(counts['legacy_communes'])} xã, phường, thị trấn. "
        f"{n(counts['successions'])} quan hệ kế thừa cũ → mới.\n"
        f"Thêm mới {n(counts['inserted'])} đơn vị, cập nhật {n(counts['updated'])}; "
        f"thêm {n(counts['successions_added'])} quan hệ kế thừa."
    )


@app.command("load")
def load() -> None:
    """Nạp (hoặc cập nhật) danh mục đơn vị hành chính chính thức trước và sau 1/7/2025."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from cchc.console import console
    from cchc.units.service import load_official

    with Progress(
        TextColumn("Nạp đơn vị hành chính"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task("units", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with session_scope() as session:
            counts = load_official(session, progress)
    console.print(summary_text(counts))


@app.command("list")
def list_cmd(
    parent: str | None = typer.Option(None, "--parent", help="Mã đơn vị cha: chỉ liệt kê đơn vị trực thuộc."),
    level: str | None = typer.Option(None, "--level", help="Cấp: tinh, huyen hoặc xa."),
    on: str | None = typer.Option(None, "--on", help="Chỉ đơn vị có hiệu lực vào ngày này (ví dụ 30/6/2025)."),
    q: str | None = typer.Option(None, "--q", help="Tìm theo tên (không phân biệt dấu) hoặc đầu mã."),
    limit: int = typer.Option(200, "--limit", help="Số dòng tối đa."),
) -> None:
    """Liệt kê đơn vị."""
    from rich.table import Table

    from cchc.console import console
    from cchc.units.enums import UNIT_KINDS, Level
    from cchc.units.service import list_units, resolve_unit

    day = _on(on)
    with session_scope() as session:
        parent_unit = resolve_unit(session, parent, day) if parent else None
        units = list_units(session, parent=parent_unit, level=level, on=day, q=q, limit=limit + 1)
        table = Table("Mã", "Tên", "Cấp", "Loại", "Hiệu lực")
        for u in units[:limit]:
            table.add_row(u.code, u.name, Level(u.level).label, UNIT_KINDS.get(u.kind, u.kind), _validity(u))
        console.print(table)
        more = " (còn nữa, dùng --limit để xem thêm)" if len(units) > limit else ""
        console.print(f"{vn.fmt_int(min(len(units), limit))} đơn vị{more}.")


@app.command("show")
def show(
    code: str = typer.Argument(..., help="Mã đơn vị."),
    on: str | None = typer.Option(None, "--on", help="Đơn vị mang mã này vào ngày (mặc định: hôm nay)."),
) -> None:
    """Xem một đơn vị: cấp trên, số đơn vị trực thuộc, đơn vị kế thừa và được kế thừa."""
    from sqlalchemy import func, select

    from cchc.console import console
    from cchc.units.enums import UNIT_KINDS, Level
    from cchc.units.models import Unit
    from cchc.units.service import ancestors, predecessors, resolve_unit, successors

    with session_scope() as session:
        unit = resolve_unit(session, code, _on(on))
        console.print(f"[bold]{unit.name}[/] (mã {unit.code})")
        console.print(f"Cấp: {Level(unit.level).label}; loại: {UNIT_KINDS.get(unit.kind, unit.kind)}")
        console.print(f"Hiệu lực: {_validity(unit)}")
        chain = ancestors(unit)
        console.print("Trực thuộc: " + (" › ".join(f"{a.name} ({a.code})" for a in chain) if chain else "—"))
        n_children = session.scalar(select(func.count()).select_from(Unit).where(Unit.parent_id == unit.id))
        console.print(f"Số đơn vị trực thuộc: {vn.fmt_int(n_children)}")
        for title, links in (("Được kế thừa bởi", successors(session, unit)), ("Kế thừa từ", predecessors(session, unit))):
            if not links:
                continue
            console.print(f"{title} ({vn.fmt_int(len(links))}):")
            for link in links:
                part = " (một phần)" if link.partial else ""
                console.print(f"  – {link.unit.name} ({link.unit.code}){part}, từ {vn.fmt_date(link.effective)}")


@app.command("rebuild-paths")
def rebuild_paths_cmd() -> None:
    """Tính lại đường dẫn cây đơn vị từ quan hệ cấp trên (công cụ sửa chữa)."""
    from cchc.console import console
    from cchc.units.service import rebuild_paths

    with session_scope() as session:
        n = rebuild_paths(session)
    console.print(f"Đã tính lại đường dẫn của {vn.fmt_int(n)} đơn vị.")
