"""`cchc audit …`: walk the audit chain, read the history of an object."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Kiểm tra toàn bộ chuỗi nhật ký kiểm toán: nêu mục đầu tiên bị sửa, bị xóa hoặc sai thứ tự. Thoát mã 1 nếu hỏng."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from cchc.audit import service as audit
    from cchc.console import console
    from cchc.db import session_factory
    from cchc.vn import fmt_int

    with session_factory()() as session, Progress(
        TextColumn("[bold]Kiểm tra nhật ký"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True,
    ) as bar:
        task = bar.add_task("verify", total=None)
        verdict = audit.verify(session, progress=lambda done, total: bar.update(task, completed=done, total=total))
    if verdict.ok:
        console.print(f"[green]Nhật ký nguyên vẹn:[/] {fmt_int(verdict.entries)} mục, chuỗi mã băm khớp từ đầu đến cuối.")
        return
    console.print(f"[bold red]Nhật ký đã bị can thiệp:[/] {verdict.reason} "
                  f"({fmt_int(verdict.entries)} mục đầu tiên vẫn nguyên vẹn.)")
    raise typer.Exit(1)


@app.command("show")
def show(
    object_type: str = typer.Argument(..., help="Bảng của đối tượng, ví dụ dossiers, procedures, users."),
    object_id: str = typer.Argument(..., help="Khóa của đối tượng (số id)."),
) -> None:
    """Lịch sử thay đổi của một đối tượng, cũ trước mới sau: ai, khi nào, từ đâu, giá trị trước và sau."""
    from cchc.audit import service as audit
    from cchc.console import console
    from cchc.db import session_factory
    from cchc.vn import fmt_datetime

    with session_factory()() as session:
        entries = list(audit.entries_of(session, object_type, object_id))
        if not entries:
            console.print(f"Nhật ký không có thay đổi nào của {object_type} {object_id}.")
            return
        for e in entries:
            console.print(f"[bold]#{e.id}[/] {fmt_datetime(e.at)} · {audit.ACTIONS.get(e.action, e.action)} · {e.actor_name}"
                          + (f" · {e.client}" if e.client else ""), highlight=False)
            if e.before:
                console.print(f"  trước: {e.before}", highlight=False, markup=False)
            if e.after:
                console.print(f"  sau:   {e.after}", highlight=False, markup=False)
