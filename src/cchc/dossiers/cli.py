"""`cchc dossiers …`: look up a dossier (its Mẫu 06 hand-overs and history) and search dossiers.

The command line is the operator's tool and reads as the system (no unit scope).
"""

from __future__ import annotations

import typer
from rich.table import Table

from cchc import vn
from cchc.db import session_scope

app = typer.Typer(no_args_is_help=True)


@app.command("show")
def show(code: str = typer.Argument(..., help="Mã hồ sơ, ví dụ H15.50.05.13-250303-0001.")) -> None:
    """Xem hồ sơ: thông tin chính, phiếu kiểm soát quá trình (Mẫu 06) và nhật ký xử lý."""
    from cchc.console import console
    from cchc.dossiers import service
    from cchc.dossiers.enums import Channel, State, Timeliness
    from cchc.procedures.enums import StepRole
    from cchc.procedures.models import Procedure
    from cchc.units.models import Unit

    with session_scope() as session:
        d = service.get_dossier(session, None, code)
        proc = session.get(Procedure, d.procedure_id)
        unit = session.get(Unit, d.unit_id)
        console.print(f"[bold]Hồ sơ {d.code}[/] — {vn.fmt_label(State, d.state)} (TrangThaiHoSo {d.status_code})")
        console.print(f"Thủ tục: {proc.code} {proc.name}")
        console.print(f"Nơi tiếp nhận: {unit.name} ({unit.code}); kênh: {vn.fmt_label(Channel, d.channel)}")
        console.print(f"Chủ hồ sơ: {d.applicant_name}")
        console.print(
            f"Tiếp nhận: {vn.fmt_datetime(d.received_at) or '—'}; hẹn trả: {vn.fmt_datetime(d.due_at) or '—'}"
            + (f"; hẹn lại: {vn.fmt_datetime(d.extended_due_at)}" if d.extended_due_at else "")
        )
        if d.ended_at:
            console.print(f"Kết thúc xử lý: {vn.fmt_datetime(d.ended_at)} — {vn.fmt_label(Timeliness, d.timeliness)}")
        steps = Table(title="Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 06)")
        for col in ("Bước", "Tên bước", "Vai trò", "Nhận lúc", "Hạn", "Chuyển lúc", "Kết quả"):
            steps.add_column(col)
        for s in d.steps:
            steps.add_row(
                str(s.step_seq), s.name, vn.fmt_label(StepRole, s.role), vn.fmt_datetime(s.started_at), vn.fmt_datetime(s.due_at),
                vn.fmt_datetime(s.ended_at), vn.fmt_label(Timeliness, s.timeliness) if s.timeliness else "đang xử lý",
            )
        console.print(steps)
        log = Table(title="Nhật ký xử lý")
        for col in ("Thời điểm", "Người thực hiện", "Thao tác", "Trạng thái", "Ghi chú"):
            log.add_column(col)
        for e in d.events:
            log.add_row(
                vn.fmt_datetime(e.at), e.actor_name, service.ACTION_LABELS.get(e.action, e.action),
                vn.fmt_label(State, e.to_state) if e.to_state else "", e.note,
            )
        console.print(log)


@app.command("search")
def search(
    q: str = typer.Argument("", help="Mã hồ sơ, tên chủ hồ sơ (không cần dấu), số định danh, mã hoặc tên thủ tục."),
    state: str | None = typer.Option(None, "--state", help="Trạng thái, ví dụ dang_xu_ly."),
    procedure: str | None = typer.Option(None, "--procedure", help="Mã TTHC."),
    date_from: str | None = typer.Option(None, "--from", help="Tiếp nhận từ ngày (14/6/2024 hoặc 2024-06-14)."),
    date_to: str | None = typer.Option(None, "--to", help="Tiếp nhận đến ngày."),
    limit: int = typer.Option(20, "--limit", help="Số hồ sơ hiển thị."),
) -> None:
    """Tìm hồ sơ (mới nhất trước)."""
    from cchc.console import console
    from cchc.dossiers import service
    from cchc.dossiers.enums import State

    with session_scope() as session:
        page = service.search_dossiers(
            session, None, q=q or None, state=state, procedure_code=procedure,
            date_from=vn.parse_date(date_from, what="ngày bắt đầu") if date_from else None,
            date_to=vn.parse_date(date_to, what="ngày kết thúc") if date_to else None, limit=limit,
        )
        table = Table(title=f"{vn.fmt_int(page.total)} hồ sơ")
        for col in ("Mã hồ sơ", "Chủ hồ sơ", "Trạng thái", "Tiếp nhận", "Hẹn trả"):
            table.add_column(col)
        for d in page.items:
            table.add_row(d.code, d.applicant_name, vn.fmt_label(State, d.state), vn.fmt_datetime(d.received_at), vn.fmt_datetime(d.due_at))
        console.print(table)
