"""Import assigned tasks from an XLSX file (also CSV/JSON with the same columns) — all or nothing.

Columns (header = row 1): SoVanBan, NgayVanBan, CoQuanGiao, TrichYeu, TenNhiemVu, DonViChuTri,
DonViPhoiHop (codes or names separated by «;»), HanXuLy (a date) or SoNgayLamViec (working days from the
document's date), TrangThai (optional: Chờ tiếp nhận, Đang thực hiện / Chưa hoàn thành, Chờ xác nhận /
Chờ kết thúc, Đã hoàn thành), NgayHoanThanh (needed for Chờ xác nhận and Đã hoàn thành).

Every row is checked before anything is written; the first bad row refuses the whole file with its row
number, column and what is wrong, and nothing changes. A task already stored (same document, lead unit
and name) is refused too, so importing a file twice does not duplicate it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import vn
from cchc.auth.models import User
from cchc.calendar.core import WorkCalendar
from cchc.calendar.service import load_calendar
from cchc.errors import CchcError, ImportRejected, NotFound, PermissionDenied, ValidationError
from cchc.sheets import uploaded
from cchc.sheets.tabular import read_table
from cchc.tasks import service
from cchc.tasks.enums import TaskState
from cchc.tasks.models import AssigningDocument, Task
from cchc.tasks.rules import issuer_level_of
from cchc.units.models import Unit
from cchc.units.service import resolve_unit
from cchc.values import cell_text

REQUIRED = ("SoVanBan", "NgayVanBan", "CoQuanGiao", "TrichYeu", "TenNhiemVu", "DonViChuTri")
STATE_NAMES = {
    "cho tiep nhan": TaskState.WAITING_ACCEPTANCE,
    "dang thuc hien": TaskState.IN_PROGRESS,
    "chua hoan thanh": TaskState.IN_PROGRESS,
    "cho xac nhan": TaskState.WAITING_CONFIRMATION,
    "cho xac nhan hoan thanh": TaskState.WAITING_CONFIRMATION,
    "cho ket thuc": TaskState.WAITING_CONFIRMATION,
    "da hoan thanh": TaskState.DONE,
    "hoan thanh": TaskState.DONE,
}


@dataclass
class ImportResult:
    tasks: int = 0
    documents: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = ", ".join(f"{TaskState(s).label.lower()} {vn.fmt_int(n)}" for s, n in self.by_state.items() if n)
        return f"Đã nhập {vn.fmt_int(self.tasks)} nhiệm vụ từ {vn.fmt_int(self.documents)} văn bản giao" + (f" ({parts})." if parts else ".")


@dataclass
class _Row:
    number: int
    doc_key: tuple[str, date, str]
    issuer: str
    subject: str
    title: str
    content: str
    lead: Unit
    coordinators: list[Unit]
    deadline: date
    working_days: int | None
    state: TaskState
    completed_on: date | None


class _Units:
    """Units by code (in force on the day) or by exact name (accent- and case-insensitive); each text and day
    is looked up once per file, however many rows name it."""

    def __init__(self, session: Session):
        self.session = session
        self.found: dict[tuple[str, date], Unit] = {}

    def find(self, text: str, on: date, number: int, column: str) -> Unit:
        if (text, on) not in self.found:
            self.found[text, on] = self._lookup(text, on, number, column)
        return self.found[text, on]

    def _lookup(self, text: str, on: date, number: int, column: str) -> Unit:
        try:
            return resolve_unit(self.session, text, on)
        except NotFound:
            pass
        matches = list(self.session.scalars(select(Unit).where(Unit.name_key == vn.search_fold(text))))
        matches = [u for u in matches if u.valid_on(on)] or matches
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ImportRejected(f"không tìm thấy đơn vị «{text}» (ghi mã hoặc tên đúng của đơn vị).", row=number, column=column)
        raise ImportRejected(f"có {len(matches)} đơn vị tên «{text}»; hãy ghi mã đơn vị.", row=number, column=column)


def _date(row: dict, column: str, number: int, what: str) -> date:
    try:
        return vn.parse_date(row.get(column), what=what)
    except ValidationError as exc:
        raise ImportRejected(exc.message, row=number, column=column) from None


def _check_row(cal: WorkCalendar, units: _Units, number: int, row: dict, columns: list[str]) -> _Row:
    for column in REQUIRED:
        if column not in ("TrichYeu",) and not cell_text(row.get(column)):
            raise ImportRejected("ô này không được để trống.", row=number, column=column)
    doc_date = _date(row, "NgayVanBan", number, "ngày văn bản")
    issuer = cell_text(row.get("CoQuanGiao"))
    level = issuer_level_of(issuer)
    if level is None:
        raise ImportRejected(
            f"cơ quan giao «{issuer}» không hợp lệ: Chính phủ, Thủ tướng Chính phủ, UBND tỉnh hoặc Chủ tịch UBND tỉnh.",
            row=number, column="CoQuanGiao",
        )
    title = cell_text(row.get("TenNhiemVu"))
    if len(title) > 500:
        raise ImportRejected("tên nhiệm vụ dài quá 500 ký tự.", row=number, column="TenNhiemVu")
    lead = units.find(cell_text(row.get("DonViChuTri")), doc_date, number, "DonViChuTri")
    coordinators = []
    for part in cell_text(row.get("DonViPhoiHop")).replace("\n", ";").split(";"):
        if part.strip():
            unit = units.find(part.strip(), doc_date, number, "DonViPhoiHop")
            if unit.id == lead.id:
                raise ImportRejected(f"đơn vị «{part.strip()}» đã là đơn vị chủ trì.", row=number, column="DonViPhoiHop")
            coordinators.append(unit)
    has_date, has_days = bool(cell_text(row.get("HanXuLy"))), bool(cell_text(row.get("SoNgayLamViec")))
    if has_date == has_days:
        raise ImportRejected("ghi hạn xử lý (HanXuLy) hoặc số ngày làm việc (SoNgayLamViec), một trong hai.", row=number,
                             column="HanXuLy" if "HanXuLy" in columns else "SoNgayLamViec")
    working_days = None
    if has_date:
        deadline = _date(row, "HanXuLy", number, "hạn xử lý")
        if deadline < doc_date:
            raise ImportRejected(f"hạn xử lý {vn.fmt_date(deadline)} trước ngày văn bản {vn.fmt_date(doc_date)}.", row=number, column="HanXuLy")
    else:
        raw = cell_text(row.get("SoNgayLamViec"))
        if not raw.isdigit() or int(raw) <= 0:
            raise ImportRejected(f"số ngày làm việc «{raw}» phải là số nguyên dương.", row=number, column="SoNgayLamViec")
        working_days = int(raw)
        deadline = service.working_days_after(cal, doc_date, working_days)
    state_text = cell_text(row.get("TrangThai"))
    state = TaskState.WAITING_ACCEPTANCE
    if state_text:
        found = STATE_NAMES.get(vn.search_key(state_text))
        if found is None:
            raise ImportRejected(
                f"trạng thái «{state_text}» không hợp lệ: Chờ tiếp nhận, Đang thực hiện, Chờ xác nhận hoặc Đã hoàn thành.",
                row=number, column="TrangThai",
            )
        state = found
    completed_on = None
    if cell_text(row.get("NgayHoanThanh")):
        completed_on = _date(row, "NgayHoanThanh", number, "ngày hoàn thành")
        if state not in (TaskState.WAITING_CONFIRMATION, TaskState.DONE):
            raise ImportRejected(f"nhiệm vụ ở trạng thái «{state.label}» chưa có ngày hoàn thành.", row=number, column="NgayHoanThanh")
        if completed_on < doc_date:
            raise ImportRejected(f"ngày hoàn thành {vn.fmt_date(completed_on)} trước ngày văn bản {vn.fmt_date(doc_date)}.", row=number, column="NgayHoanThanh")
        if completed_on > service.moment(None).date():
            raise ImportRejected(f"ngày hoàn thành {vn.fmt_date(completed_on)} chưa tới.", row=number, column="NgayHoanThanh")
    elif state in (TaskState.WAITING_CONFIRMATION, TaskState.DONE):
        raise ImportRejected(f"nhiệm vụ «{state.label}» cần ngày hoàn thành.", row=number, column="NgayHoanThanh")
    number_text = cell_text(row.get("SoVanBan"))
    if len(number_text) > 80:
        raise ImportRejected("số văn bản dài quá 80 ký tự.", row=number, column="SoVanBan")
    return _Row(number, (number_text, doc_date, level), issuer, cell_text(row.get("TrichYeu")), title, cell_text(row.get("NoiDung")),
                lead, coordinators, deadline, working_days, state, completed_on)


def _stored_codes(session: Session, numbers: set[str]) -> dict[tuple, str]:
    """Codes of the stored tasks of these document numbers by (document key, lead unit id, title): one query
    per thousand numbers, however many rows the file has."""
    found: dict[tuple, str] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), 1000):
        rows = session.execute(
            select(AssigningDocument.number, AssigningDocument.issued_on, AssigningDocument.issuer_level,
                   Task.lead_unit_id, Task.title, Task.code)
            .join(AssigningDocument, AssigningDocument.id == Task.document_id)
            .where(AssigningDocument.number.in_(ordered[start:start + 1000]))
        )
        for number, issued_on, level, lead_id, title, code in rows:
            found[(number, issued_on, level), lead_id, title] = code
    return found


def import_tasks(session: Session, actor: User | None, path: Path | str) -> ImportResult:
    """Import every row of the file or none (see module doc)."""
    if actor is not None and not service.may_assign(session, actor):
        raise PermissionDenied("Chỉ cơ quan giao nhiệm vụ (Văn phòng UBND tỉnh) hoặc Quản trị hệ thống được nhập nhiệm vụ.")
    table = read_table(path, REQUIRED)
    if "HanXuLy" not in table.columns and "SoNgayLamViec" not in table.columns:
        raise ImportRejected(f"Tệp «{Path(path).name}» cần cột HanXuLy (hạn xử lý) hoặc SoNgayLamViec (số ngày làm việc).")
    if not table.rows:
        raise ImportRejected(f"Tệp «{Path(path).name}» không có dòng dữ liệu nào.")
    units = _Units(session)
    cal = load_calendar(session)  # once, not per row
    checked: list[_Row] = []
    seen: dict[tuple, int] = {}
    stored = _stored_codes(session, {cell_text(row.get("SoVanBan")) for _, row in table.rows})
    for number, row in table.rows:
        item = _check_row(cal, units, number, row, table.columns)
        if not service.may_lead(session, actor, item.lead):
            raise ImportRejected(f"đơn vị chủ trì {item.lead.name} không thuộc tỉnh của cơ quan giao nhiệm vụ.", row=number, column="DonViChuTri")
        key = (item.doc_key, item.lead.id, item.title)
        if key in seen:
            raise ImportRejected(f"trùng nhiệm vụ ở dòng {seen[key]} (cùng văn bản, đơn vị chủ trì và tên).", row=number, column="TenNhiemVu")
        seen[key] = number
        code = stored.get(key)
        if code:
            raise ImportRejected(f"nhiệm vụ này đã có trên hệ thống (mã {code}).", row=number, column="TenNhiemVu")
        checked.append(item)
    result = ImportResult(by_state={s.value: 0 for s in TaskState})
    documents: dict[tuple, AssigningDocument] = {}
    savepoint = session.begin_nested()
    try:
        for item in checked:
            doc = documents.get(item.doc_key)
            if doc is None:
                number, issued_on, level = item.doc_key
                doc = documents[item.doc_key] = service.find_or_create_document(
                    session, number=number, issued_on=issued_on, issuer_level=level, issuer=item.issuer, subject=item.subject)
            try:
                task = service.record_imported(
                    session, actor, document=doc, title=item.title, content=item.content, lead_unit=item.lead,
                    coordinating_units=item.coordinators, deadline=item.deadline, working_days=item.working_days,
                    state=item.state, assigned_at=service.when(item.doc_key[1]), completed_on=item.completed_on,
                    note=f"Nhập từ tệp {Path(path).name}, dòng {item.number}",
                )
            except CchcError as exc:
                raise ImportRejected(exc.message, row=item.number, column=exc.field) from None
            result.tasks += 1
            result.by_state[task.state] += 1
            result.codes.append(task.code)
        savepoint.commit()
    except BaseException:
        savepoint.rollback()
        raise
    result.documents = len(documents)
    return result


def import_upload(session: Session, actor: User | None, filename: str | None, data: bytes) -> ImportResult:
    """The same import from an uploaded file's bytes (API, page)."""
    return uploaded.imported(filename, data, "nhiem-vu.xlsx", lambda path: import_tasks(session, actor, path))
