"""The statistics' pages: the dossiers behind a figure or a 766 indicator (/thong-ke/ho-so), and the choice of
unit and period every figure page shares (select_scope, select_typed, scope_query) — the dashboard and the
report (cchc.reports), which gather every domain's figures, use it from above. Numbers come from SQL."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.scope import scope_root
from cchc.dossiers.enums import State
from cchc.dossiers.models import Dossier
from cchc.errors import PermissionDenied, ValidationError
from cchc.periods import Period, current_quarter, resolve_period, window
from cchc.procedures.models import Procedure
from cchc.sheets.cells import is_formula_like, write_only_row, xlsx_text
from cchc.stats.dossiers import bucket_conditions, dossier_figures, scope_conditions
from cchc.stats.figure_cache import cached
from cchc.stats.index766 import explain_indicator
from cchc.units.models import Unit
from cchc.units.scope import top_province
from cchc.units.service import resolve_unit
from cchc.auth.deps import officer
from cchc.web.deps import DB_SESSION
from cchc.web.templating import render

router = APIRouter(include_in_schema=False)

BUCKET_LABELS = {
    "received_total": "Tổng số hồ sơ tiếp nhận", "carried_over": "Từ kỳ trước chuyển qua", "new_total": "Mới tiếp nhận trong kỳ",
    "new_online": "Trực tuyến", "new_direct": "Trực tiếp", "new_postal": "Qua bưu chính công ích",
    "resolved_total": "Đã giải quyết", "resolved_early": "Trước hạn", "resolved_on_time": "Đúng hạn", "resolved_late": "Trễ hạn",
    "resolved_in_time": "Đúng và trước hạn", "refused": "Từ chối giải quyết", "withdrawn": "Rút hồ sơ", "stopped": "Dừng giải quyết",
    "in_progress_total": "Đang giải quyết", "in_progress_within": "Trong hạn", "in_progress_overdue": "Quá hạn",
}


@dataclass
class Selection:
    unit: Unit
    period: Period


def default_unit(db: Session, user: User) -> Unit:
    """The widest unit the user may look at: a reporting officer's province, otherwise their own unit."""
    root = scope_root(db, user)
    if root is not None:
        return root
    if user.unit_id:
        return db.get(Unit, user.unit_id)
    return top_province(db)


def select_scope(db: Session, user: User, unit_code: str | None, period: str | None, start: str | None, end: str | None) -> Selection:
    unit = resolve_unit(db, unit_code) if unit_code else default_unit(db, user)
    if user.role != Role.SYSTEM_ADMIN:
        root = default_unit(db, user)
        if not unit.path.startswith(root.path):
            raise PermissionDenied(f"Bạn chỉ xem được số liệu của {root.name} và các đơn vị trực thuộc.")
    if period or start or end:
        chosen = resolve_period(period or None, start or None, end or None)
    else:
        chosen = current_quarter(clock.today())
    return Selection(unit, chosen)


def select_typed(db: Session, user: User, unit_code: str | None, period: str | None, start: str | None, end: str | None) -> Selection:
    """`select_scope` from a page's fields: empty fields are not given, dates are typed as 14/6/2024."""
    return select_scope(db, user, unit_code or None, period or None, _iso(start, "từ ngày"), _iso(end, "đến ngày"))


def scope_query(sel: Selection) -> str:
    """The query string that selects the same unit and window again (links, redirects, charts)."""
    return f"don_vi={quote(sel.unit.code)}&tu_ngay={vn.fmt_date(sel.period.start)}&den_ngay={vn.fmt_date(sel.period.end)}"


def _iso(text: str | None, what: str) -> str | None:
    return vn.parse_date(text, what=what).isoformat() if text else None


PAGE_SIZE = 50
XLSX_MOST = 1_048_575  # rows of a worksheet, less its header
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = ("Mã hồ sơ", "Thủ tục", "Mã thủ tục", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Hạn trả kết quả", "Ngày kết thúc", "Trạng thái")


@dataclass
class Drill:
    """The dossiers behind one figure (a bucket of the statistics) of a unit and window, as a query."""

    sel: Selection
    bucket: str
    where: list

    def rows(self, db: Session, *, offset: int = 0, limit: int | None = None, after: str | None = None):
        """In code order; `after` (the last code of the page before) reads on from the code index instead of
        skipping `offset` rows, so that «next page» costs what the first page costs however deep it is."""
        where = [*self.where, Dossier.code > after] if after else self.where
        stmt = (select(Dossier.code, Procedure.name.label("procedure"), Procedure.code.label("procedure_code"),
                       Unit.name.label("unit_name"), Dossier.received_at, Dossier.due_at, Dossier.ended_at, Dossier.state)
                .join(Procedure, Procedure.id == Dossier.procedure_id).join(Unit, Unit.id == Dossier.unit_id)
                .where(*where).order_by(Dossier.code).offset(0 if after else offset))
        return db.execute(stmt if limit is None else stmt.limit(limit))

    def count(self, db: Session) -> int:
        """How many: the figure itself, from the per-day counts (which equal counting these dossiers, as
        tests/stats/test_day_counts.py proves) — of a closed period from the figure cache the dashboard fills."""
        u, start, end = self.sel.unit, self.sel.period.start, self.sel.period.end
        figures = cached(db, u, start, end, "dossiers", lambda: dossier_figures(db, u, start, end))
        if isinstance(figures.get(self.bucket), int):
            return figures[self.bucket]
        return db.execute(select(func.count()).select_from(Dossier).where(*self.where)).scalar_one()


def drill_for(db: Session, sel: Selection, bucket: str) -> Drill:
    w = window(sel.period.start, sel.period.end)
    conds = bucket_conditions(w, db.get_bind().dialect.name)
    if bucket not in conds:
        raise ValidationError(f"Không có nhóm số liệu «{bucket}» (các nhóm: {', '.join(conds)}).")
    return Drill(sel, bucket, [*scope_conditions(sel.unit, w, _family(bucket)), conds[bucket]])


def _family(bucket: str) -> str:
    """The index range a bucket lies in (stats.dossiers.scope_conditions: the same rows, a cheaper query):
    received in the window, ended in it, or any dossier the window concerns."""
    if bucket.startswith("new_"):
        return "new"
    if bucket.startswith("resolved_") or bucket in ("refused", "withdrawn", "stopped"):
        return "ended"
    return "all"


def _page_number(text: str) -> int:
    try:
        page = int(text or "1")
    except ValueError:
        page = 0
    if page < 1:
        raise ValidationError(f"Số trang «{text}» không hợp lệ: nhập một số nguyên từ 1.", field="trang")
    return page


def state_label(state: str) -> str:
    try:
        return State(state).label
    except ValueError:
        return state


@router.get("/thong-ke/ho-so")
def drill_down(request: Request, nhom: str, don_vi: str = "", ky: str = "", tu_ngay: str = "", den_ngay: str = "",
               chi_so: str = "", trang: str = "1", sau: str = "", db: Session = DB_SESSION, user: User = Depends(officer)):
    """The dossiers behind a figure, a page at a time (or behind a 766 indicator's numerator and denominator).
    `trang` is the page; `sau`, given by the «next page» link, the last code of the page before it."""
    sel = select_typed(db, user, don_vi, ky, tu_ngay, den_ngay)
    if chi_so:
        detail = explain_indicator(db, sel.unit, sel.period.start, sel.period.end, chi_so, limit=500)
        return render(request, "stats/drill.html", {"unit": sel.unit, "period": sel.period, "indicator": detail, "rows": None,
                                                     "title": f"Chỉ số {chi_so}"})
    page = _page_number(trang)
    drill = drill_for(db, sel, nhom)
    total = drill.count(db)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        raise ValidationError(f"Trang {page} không có: danh sách có {vn.fmt_int(total)} hồ sơ, {pages} trang.", field="trang")
    read = drill.rows(db, after=sau or None, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    rows = [{**r._mapping, "state_label": state_label(r.state)} for r in read]
    return render(request, "stats/drill.html", {
        "unit": sel.unit, "period": sel.period, "indicator": None, "rows": rows, "total": total, "page": page, "pages": pages,
        "first": (page - 1) * PAGE_SIZE + 1, "title": BUCKET_LABELS.get(nhom, nhom), "nhom": nhom, "query": scope_query(sel),
    })


@router.get("/thong-ke/ho-so.xlsx")
def drill_down_xlsx(nhom: str, don_vi: str = "", ky: str = "", tu_ngay: str = "", den_ngay: str = "",
                    db: Session = DB_SESSION, user: User = Depends(officer)):
    """The same list, every row, as a spreadsheet: written row by row (openpyxl write-only) into a temporary file
    streamed back; every text a string cell, never a formula (cchc.sheets.cells), dates as dates (dd/mm/yyyy)."""
    sel = select_typed(db, user, don_vi, ky, tu_ngay, den_ngay)
    drill = drill_for(db, sel, nhom)
    total = drill.count(db)
    if total > XLSX_MOST:
        raise ValidationError(f"Danh sách có {vn.fmt_int(total)} hồ sơ, quá {vn.fmt_int(XLSX_MOST)} dòng của một trang tính: "
                              "chọn khoảng thời gian hoặc đơn vị hẹp hơn.")
    out = tempfile.TemporaryFile(prefix="cchc-drill-", suffix=".xlsx")
    write_drill_xlsx(db, drill, out)
    size = out.tell()
    out.seek(0)
    name = f"ho-so-{nhom}-{sel.unit.code}-{sel.period.start:%Y%m%d}-{sel.period.end:%Y%m%d}.xlsx"

    def chunks():
        with out:
            while block := out.read(1 << 16):
                yield block

    return StreamingResponse(chunks(), media_type=XLSX_MEDIA, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", "Content-Length": str(size)})


def write_drill_xlsx(db: Session, drill: Drill, out) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Hồ sơ")
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 24, 60
    for col in "CDEFGH":
        ws.column_dimensions[col].width = 16 if col != "D" else 32
    sel = drill.sel
    ws.append(write_only_row(ws, [f"{BUCKET_LABELS.get(drill.bucket, drill.bucket)} — {sel.unit.name}, {sel.period.label} "
                                  f"(từ {vn.fmt_date(sel.period.start)} đến {vn.fmt_date(sel.period.end)})"]))
    header = []
    for title in COLUMNS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)

    def day(value):
        if value is None:
            return None
        cell = WriteOnlyCell(ws, value=value.date())
        cell.number_format = "DD/MM/YYYY"
        return cell

    def texts(values):
        # A cell object only where a text could be taken for a formula (write_only_row): the rest as plain values,
        # which openpyxl writes several times faster.
        if any(isinstance(v, str) and is_formula_like(v) for v in values):
            return write_only_row(ws, values)
        return [xlsx_text(v) for v in values]

    for r in drill.rows(db).yield_per(2000):
        ws.append(texts([r.code, r.procedure, r.procedure_code, r.unit_name]) +
                  [day(r.received_at), day(r.due_at), day(r.ended_at), xlsx_text(state_label(r.state))])
    wb.save(out)
