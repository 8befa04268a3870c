"""`cchc procedures …`: look up the TTHC catalogue and set a procedure's internal process."""

from __future__ import annotations

import typer
from rich.table import Table

from cchc import vn
from cchc.db import session_scope

app = typer.Typer(no_args_is_help=True, help="Danh mục thủ tục hành chính (TTHC).")


def _yes(flag: bool) -> str:
    return "Có" if flag else "Không"


def _levels(procedure) -> str:
    from cchc.procedures.enums import LEVEL_LABELS

    return ", ".join(LEVEL_LABELS[lv] for lv in procedure.level_list)


@app.command("list")
def list_procedures(
    q: str | None = typer.Option(None, "--q", help="Tìm theo tên hoặc mã (không phân biệt dấu, hoa thường)."),
    field: str | None = typer.Option(None, "--field", help="Mã lĩnh vực."),
    level: str | None = typer.Option(None, "--level", help="Cấp thực hiện: tinh, huyen hoặc xa."),
    online: str | None = typer.Option(None, "--online", help="Mức độ DVC trực tuyến: toan_trinh, mot_phan hoặc khong."),
    all_: bool = typer.Option(False, "--all", help="Cả TTHC đã bãi bỏ, bị thay thế."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="Số dòng mỗi trang."),
    page: int = typer.Option(1, "--page", min=1, help="Trang."),
) -> None:
    """Liệt kê, tìm kiếm TTHC."""
    from cchc.console import console
    from cchc.procedures.enums import OnlineLevel
    from cchc.procedures.catalogue import search_procedures
    from cchc.procedures.process import time_limit_label

    with session_scope() as session:
        items, total = search_procedures(
            session, q=q, field_code=field, level=level, online_level=online, active=None if all_ else True,
            limit=limit, offset=(page - 1) * limit,
        )
        table = Table(title=f"Danh mục TTHC: {vn.fmt_int(total)} thủ tục", show_lines=False)
        for header in ("Mã TTHC", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện", "Thời hạn", "Mức độ DVCTT"):
            table.add_column(header)
        for p in items:
            name = p.name if p.active else f"{p.name} (hết hiệu lực)"
            table.add_row(
                p.code, name, p.field.name if p.field else "", _levels(p),
                time_limit_label(p.time_amount, p.time_unit), OnlineLevel(p.online_level).label,
            )
    if not items:
        console.print("Không có TTHC nào phù hợp.")
        return
    console.print(table)
    if total > page * limit:
        console.print(f"Trang {page}/{(total + limit - 1) // limit}; xem tiếp với --page {page + 1}.")


@app.command("show")
def show(code: str = typer.Argument(..., help="Mã TTHC, ví dụ 1.001193.")) -> None:
    """Xem đầy đủ một TTHC: thời hạn, phí, thành phần hồ sơ, quy trình nội bộ, quyết định công bố."""
    from cchc.console import console
    from cchc.procedures.catalogue import get_procedure
    from cchc.procedures.enums import FEE_KINDS, INTERCONNECTION_LABELS, SUBJECTS, OnlineLevel, PublicationKind, StepRole
    from cchc.procedures.process import duration_label, time_limit_label

    with session_scope() as session:
        p = get_procedure(session, code)
        info = Table(title=f"TTHC {p.code}", show_header=False)
        info.add_column("Mục", style="bold")
        info.add_column("Nội dung")
        rows = [
            ("Tên thủ tục", p.name),
            ("Lĩnh vực", f"{p.field.name} ({p.field.code})" if p.field else ""),
            ("Cấp thực hiện", _levels(p)),
            ("Cơ quan thực hiện", p.agency_name),
            ("Đối tượng thực hiện", SUBJECTS.get(p.subject, p.subject)),
            ("Thời hạn giải quyết", time_limit_label(p.time_amount, p.time_unit)),
            ("Giờ chốt nhận hồ sơ", f"{p.cutoff_time:%H:%M}" if p.cutoff_time else "Không"),
            ("Mức độ DVC trực tuyến", OnlineLevel(p.online_level).label),
            ("Đủ điều kiện toàn trình", _yes(p.eligible_full_online)),
            ("Có kết quả giấy", _yes(p.paper_result)),
            ("Liên thông", INTERCONNECTION_LABELS.get(p.interconnection, p.interconnection)),
            ("Phí, lệ phí", _yes(p.has_fee) + ("; tích hợp thanh toán trực tuyến" if p.fee_online_integrated else "")),
            ("Kết quả thực hiện", p.result_name),
            ("Căn cứ pháp lý", p.legal_basis),
            ("Tình trạng", "Đang có hiệu lực" if p.active and p.inactive_from is None
             else f"Hết hiệu lực từ {vn.fmt_date(p.inactive_from)}" if p.inactive_from
             else "Hết hiệu lực"),
        ]
        for label, value in rows:
            if value:
                info.add_row(label, value)
        console.print(info)

        if p.fees:
            fees = Table(title="Phí, lệ phí")
            for header in ("Loại", "Mức thu (đồng)", "Mô tả"):
                fees.add_column(header)
            for f in p.fees:
                fees.add_row(FEE_KINDS.get(f.kind, f.kind), vn.fmt_int(int(f.amount)), f.description)
            console.print(fees)
        if p.components:
            comps = Table(title="Thành phần hồ sơ")
            for header in ("STT", "Tên giấy tờ", "Số bản", "Bắt buộc"):
                comps.add_column(header)
            for c in p.components:
                comps.add_row(str(c.seq), c.name, str(c.copies), _yes(c.required))
            console.print(comps)
        console.print(_steps_table(p, StepRole, duration_label))
        if p.publications:
            pubs = Table(title="Quyết định công bố")
            for header in ("Số quyết định", "Ngày ban hành", "Loại", "Ngày hiệu lực", "TTHC thay thế"):
                pubs.add_column(header)
            for pub in p.publications:
                pubs.add_row(
                    pub.decision_no, vn.fmt_date(pub.decision_date), PublicationKind(pub.kind).label,
                    vn.fmt_date(pub.effective_date), pub.replaced_by_code,
                )
            console.print(pubs)


def _steps_table(p, StepRole, duration_label) -> Table:
    from cchc.procedures.process import hours_of

    total = sum((hours_of(s.duration_amount, s.duration_unit) for s in p.steps), 0)
    table = Table(title=f"Quy trình nội bộ ({len(p.steps)} bước, tổng {vn.fmt_decimal(total)} giờ làm việc)")
    for header in ("Bước", "Tên bước", "Người thực hiện", "Thời gian", "Được trả lại"):
        table.add_column(header)
    for s in p.steps:
        table.add_row(str(s.seq), s.name, StepRole(s.role).label, duration_label(s.duration_amount, s.duration_unit), _yes(s.can_return))
    return table


@app.command("steps")
def steps(
    code: str = typer.Argument(..., help="Mã TTHC."),
    set_: str | None = typer.Option(
        None, "--set", help='Quy trình mới, dạng "mot_cua:4:0;chuyen_vien:24:1;lanh_dao:8:1;mot_cua:4:0" (vai trò:số giờ:được trả lại).'
    ),
    default: bool = typer.Option(False, "--default", help="Đặt lại quy trình mặc định theo thời hạn giải quyết."),
) -> None:
    """Xem hoặc đặt quy trình nội bộ của một TTHC."""
    from cchc.console import console
    from cchc.errors import ValidationError
    from cchc.procedures.enums import StepRole
    from cchc.procedures.catalogue import get_procedure
    from cchc.procedures.process import default_step_specs, duration_label
    from cchc.procedures.service import set_steps

    if set_ and default:
        raise ValidationError("Chỉ dùng một trong hai tùy chọn --set hoặc --default.")
    with session_scope() as session:
        p = get_procedure(session, code)
        if set_ or default:
            set_steps(session, None, p, set_ if set_ else default_step_specs(p.time_amount, p.time_unit))
            console.print(f"Đã cập nhật quy trình nội bộ của TTHC {p.code}.")
        console.print(_steps_table(p, StepRole, duration_label))


@app.command("fields")
def fields() -> None:
    """Liệt kê các lĩnh vực và số TTHC đang có hiệu lực của mỗi lĩnh vực."""
    from cchc.console import console
    from cchc.procedures.catalogue import list_fields

    with session_scope() as session:
        rows = list_fields(session)
        table = Table(title=f"{vn.fmt_int(len(rows))} lĩnh vực")
        for header in ("Mã lĩnh vực", "Tên lĩnh vực", "Số TTHC"):
            table.add_column(header)
        for f, count in rows:
            table.add_row(f.code, f.name, vn.fmt_int(count))
    console.print(table)
