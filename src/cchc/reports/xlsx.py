"""Biểu mẫu 1–7 as an Excel workbook (one sheet each): the template officers fill in, the XLSX
report, and reading a filled template back (validated, all or nothing).

Sheet layout: row 1 "Biểu mẫu N", row 2 the title, row 3 unit (code in E3), row 4 period (key in
E4), row 5 the legend, row 6 the column headers STT | Chỉ tiêu | Đơn vị tính | Số liệu | Ghi chú,
then one row per chỉ tiêu. Computed figures are grey and locked; rates of rows entered by hand
are Excel formulas; cells to fill are white and unlocked (the sheet is protected without password).
In the report's own workbook every rate whose two rows hold a figure is a live formula over them, so that a
reader who corrects a figure sees its rate follow. Formulas are only those cchc writes over its own cells:
any text (a unit's name, a note) that looks like one is still written as text (cchc.sheets.cells). Each
sheet prints one page wide, its column headers repeated on every page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter

from cchc import vn
from cchc.errors import ImportRejected
from cchc.periods import resolve_period
from cchc.reform import forms as formdefs
from cchc.reform.service import Entry, find_unit, set_figures
from cchc.reports.assembly import default_figures
from cchc.sheets.cells import no_formulas_but, xlsx_text

FONT = "Times New Roman"
HEADER_ROW = 6
FIRST_ROW = 7
COLUMNS = ("STT", "Chỉ tiêu thống kê", "Đơn vị tính", "Số liệu", "Ghi chú")
WIDTHS = (8, 70, 20, 16, 34)
GREY = PatternFill("solid", fgColor="D9D9D9")
BLUE = PatternFill("solid", fgColor="DDEBF7")
HEAD = PatternFill("solid", fgColor="BDD7EE")
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LEGEND = (
    "Ô nền xám: số liệu do hệ thống tự tính, không sửa. Ô nền xanh: tỷ lệ tự tính từ các dòng thành phần "
    "(chỉ nhập khi không có số liệu thành phần). Ô nền trắng ở cột «Số liệu»: đơn vị nhập. "
    "Tỷ lệ nhập từ 0 đến 100; số lượng là số nguyên không âm; ô Có/Không nhập 1 hoặc 0."
)


def _font(bold=False, italic=False, size=12):
    return Font(name=FONT, size=size, bold=bold, italic=italic)


def _number_format(row: formdefs.RowDef) -> str:
    return {"percent": "0.00", "money": "#,##0", "count": "#,##0"}.get(row.kind, "0")


def _cell_value(row: formdefs.RowDef, value: Decimal | None):
    if value is None:
        return None
    if row.kind == "percent" or value != value.to_integral_value():
        return float(value)
    return int(value)


def _rate_formula(num: str, den: str) -> str:
    """numerator / denominator × 100 with two decimals, blank when either is blank or the denominator is 0."""
    return f'=IF(OR({num}="",{den}="",{den}=0),"",ROUND({num}/{den}*100,2))'


def _period_text(period) -> str:
    if getattr(period, "kind", "") == "tuy_chon":
        return period.label
    return f"{period.label} (từ {vn.fmt_date(period.start)} đến {vn.fmt_date(period.end)})"


def write_forms(source, path: Path, *, template: bool = True) -> Path:
    """`source`: a Report or FormsContext (unit_code, unit_name, period, tables)."""
    wb = Workbook()
    wb.remove(wb.active)
    formulas: set[tuple[str, str]] = set()  # the template's own rate formulas; any other "=…" is data, kept as text
    for table in source.tables:
        form = table.form
        ws = wb.create_sheet(form.name)
        for i, w in enumerate(WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.merge_cells("A1:E1")
        ws["A1"] = form.name
        ws["A1"].font = _font(bold=True, size=13)
        ws.merge_cells("A2:E2")
        ws["A2"] = form.title
        ws["A2"].font = _font(bold=True, size=14)
        ws["A2"].alignment = Alignment(horizontal="center")
        ws["A3"], ws["B3"], ws["D3"], ws["E3"] = "Đơn vị:", xlsx_text(source.unit_name), "Mã đơn vị:", xlsx_text(source.unit_code)
        ws["A4"], ws["B4"], ws["D4"], ws["E4"] = "Kỳ báo cáo:", _period_text(source.period), "Mã kỳ:", source.period.key
        for ref in ("A3", "B3", "D3", "E3", "A4", "B4", "D4", "E4"):
            ws[ref].font = _font(bold=ref[0] in "AD")
        if template:
            ws.merge_cells("A5:E5")
            ws["A5"] = LEGEND
            ws["A5"].font = _font(italic=True, size=10)
            ws["A5"].alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[5].height = 45
        for col, text in enumerate(COLUMNS, start=1):
            c = ws.cell(HEADER_ROW, col, text)
            c.font = _font(bold=True)
            c.fill = HEAD
            c.border = BORDER
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        rows_of = {r.stt: FIRST_ROW + i for i, r in enumerate(form.rows)}
        for i, row in enumerate(form.rows):
            n = FIRST_ROW + i
            value = table.values.get(row.stt)
            cells = [ws.cell(n, col) for col in range(1, 6)]
            cells[0].value, cells[1].value, cells[2].value = row.stt, row.label, row.unit or None
            cells[4].value = xlsx_text(table.notes.get(row.stt)) or None
            v = cells[3]
            derived = row.rate_of is not None and not all(form.row(r).computed for r in row.rate_of)
            live = (not template and row.rate_of is not None and value is not None
                    and all(table.values.get(r) is not None and r in rows_of for r in row.rate_of))
            if row.is_heading:
                pass
            elif live:
                num, den = (f"D{rows_of[r]}" for r in row.rate_of)
                v.value = _rate_formula(num, den)
                formulas.add((ws.title, v.coordinate))
            elif row.computed or (row.rate_of and not derived):
                v.value = _cell_value(row, value)
                if template:
                    v.fill = GREY
            elif derived and template:
                num, den = (f"D{rows_of[r]}" for r in row.rate_of)
                manual_rate = value is not None and (table.values.get(row.rate_of[0]) is None or table.values.get(row.rate_of[1]) is None)
                v.value = _cell_value(row, value) if manual_rate else _rate_formula(num, den)
                if not manual_rate:
                    formulas.add((ws.title, v.coordinate))
                v.fill = BLUE
                v.protection = Protection(locked=False)
            else:
                v.value = _cell_value(row, value)
                if template:
                    v.protection = Protection(locked=False)
            v.number_format = _number_format(row)
            if template:
                cells[4].protection = Protection(locked=False)
            for col, c in enumerate(cells, start=1):
                c.border = BORDER
                c.font = _font(bold=row.is_heading)
                c.alignment = Alignment(
                    horizontal={1: "center", 3: "center", 4: "right"}.get(col, "left"), vertical="center", wrap_text=col in (2, 3, 5)
                )
        ws.freeze_panes = ws.cell(FIRST_ROW, 1)
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.page_setup.orientation = "portrait"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        # One page wide, as many pages high as the rows need (fitToPage makes the two counts apply).
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        if template:
            ws.protection.sheet = True
            ws.protection.formatColumns = False
            ws.protection.formatRows = False
    no_formulas_but(wb, formulas)
    path = Path(path)
    wb.save(str(path))
    return path


# --- reading a filled template -----------------------------------------------------------

@dataclass
class SheetEntry:
    sheet: str
    row: int
    form: int
    stt: str
    value: Decimal | None
    note: str
    formula: bool


@dataclass
class ReadResult:
    unit_code: str | None
    period_key: str | None
    entries: list[SheetEntry]


class Problems:
    """Collects Vietnamese errors naming sheet, row and column; raises them all at once."""

    def __init__(self):
        self.items: list[tuple[str, int | None, str | None, str]] = []

    def add(self, sheet: str, row: int | None, column: str | None, message: str):
        self.items.append((sheet, row, column, message))

    def raise_if_any(self, filename: str):
        if not self.items:
            return
        lines = []
        for sheet, row, column, message in self.items[:30]:
            where = f"Trang «{sheet}»" + (f", dòng {row}" if row else "") + (f", cột {column}" if column else "")
            lines.append(f"- {where}: {message}")
        more = f"\n… và {len(self.items) - 30} lỗi khác." if len(self.items) > 30 else ""
        exc = ImportRejected(f"Tệp «{filename}» có {len(self.items)} lỗi, không nhập gì:\n" + "\n".join(lines) + more)
        exc.row, exc.column = self.items[0][1], self.items[0][2]
        exc.sheet = self.items[0][0]
        raise exc


_COL_VALUE = "D (Số liệu)"
_COL_NOTE = "E (Ghi chú)"


def _stt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().rstrip(".,").replace(",", ".")


def _number_from_cell(cell):
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return Decimal(str(value)) * 100
    return value


def read_workbook(path: Path, problems: Problems) -> ReadResult:
    path = Path(path)
    if not path.exists():
        raise ImportRejected(f"Không tìm thấy tệp «{path}».")
    if path.suffix.lower() != ".xlsx":
        raise ImportRejected(f"Tệp «{path.name}» không phải tệp Excel .xlsx (biểu mẫu tải bằng «cchc figures template»).")
    try:
        wb = load_workbook(str(path), data_only=False)
    except Exception as exc:  # openpyxl raises several kinds for a damaged file
        raise ImportRejected(f"Tệp «{path.name}» bị hỏng hoặc không phải tệp Excel: {exc}") from None
    codes, keys, entries = set(), set(), []
    seen_forms = set()
    for ws in wb.worksheets:
        m = re.match(r"^\s*Biểu mẫu\s+(\d+)\s*$", str(ws["A1"].value or "")) or re.match(r"^\s*Biểu mẫu\s+(\d+)\s*$", ws.title)
        if not m:
            problems.add(ws.title, 1, "A", "không nhận ra biểu mẫu (ô A1 phải ghi «Biểu mẫu 1» … «Biểu mẫu 7»).")
            continue
        number = int(m.group(1))
        try:
            form = formdefs.get_form(number)
        except KeyError:
            problems.add(ws.title, 1, "A", f"không có Biểu mẫu {number}.")
            continue
        if number in seen_forms:
            problems.add(ws.title, 1, "A", f"Biểu mẫu {number} xuất hiện hai lần trong tệp.")
            continue
        seen_forms.add(number)
        if ws["E3"].value:
            codes.add(str(ws["E3"].value).strip())
        if ws["E4"].value:
            keys.add(str(ws["E4"].value).strip())
        header = [str(ws.cell(HEADER_ROW, c).value or "").strip() for c in range(1, 6)]
        if header[0] != "STT" or header[3] != "Số liệu":
            problems.add(ws.title, HEADER_ROW, None, "dòng tiêu đề cột phải là «STT | Chỉ tiêu thống kê | Đơn vị tính | Số liệu | Ghi chú» (đừng xóa hay chèn dòng, cột phía trên).")
            continue
        seen = set()
        for n in range(FIRST_ROW, ws.max_row + 1):
            stt = _stt(ws.cell(n, 1).value)
            raw = _number_from_cell(ws.cell(n, 4))
            note = str(ws.cell(n, 5).value or "").strip()
            if not stt:
                if raw not in (None, "") or note:
                    problems.add(ws.title, n, "A (STT)", "dòng có số liệu nhưng không có STT.")
                continue
            if not form.has(stt):
                problems.add(ws.title, n, "A (STT)", f"STT «{stt}» không có trong {form.name}.")
                continue
            if stt in seen:
                problems.add(ws.title, n, "A (STT)", f"STT «{stt}» lặp lại.")
                continue
            seen.add(stt)
            row = form.row(stt)
            formula = isinstance(raw, str) and raw.startswith("=")
            value = None
            if not formula:
                try:
                    value = formdefs.parse_entry(row, raw)
                except ValueError as exc:
                    problems.add(ws.title, n, _COL_VALUE, f"chỉ tiêu «{_short(row.label)}»: {exc}.")
                    continue
            entries.append(SheetEntry(ws.title, n, number, stt, value, note, formula))
    if len(codes) > 1:
        problems.add("(cả tệp)", None, None, f"các trang ghi mã đơn vị khác nhau: {', '.join(sorted(codes))}.")
    if len(keys) > 1:
        problems.add("(cả tệp)", None, None, f"các trang ghi mã kỳ báo cáo khác nhau: {', '.join(sorted(keys))}.")
    return ReadResult(next(iter(codes)) if len(codes) == 1 else None, next(iter(keys)) if len(keys) == 1 else None, entries)


def _short(label: str, limit: int = 60) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def check_entries(result: ReadResult, figures: dict, problems: Problems) -> list[Entry]:
    """Compare with what the system computes and check totals/rates; returns reform Entries."""
    by_form: dict[int, list[SheetEntry]] = {}
    for e in result.entries:
        by_form.setdefault(e.form, []).append(e)
    out: list[Entry] = []
    for number, items in by_form.items():
        form = formdefs.get_form(number)
        computed = formdefs.compute_values(form, figures, {})
        manual: dict[str, Decimal | None] = {}
        where = {e.stt: e for e in items}
        for e in items:
            row = form.row(e.stt)
            if row.is_heading:
                if e.value is not None:
                    problems.add(e.sheet, e.row, _COL_VALUE, "dòng tiêu đề nhóm, không nhập số liệu.")
                continue
            if row.computed or (row.rate_of and all(form.row(r).computed for r in row.rate_of)):
                expected = computed.get(e.stt)
                if e.value is not None and (expected is None or abs(e.value - expected) > Decimal("0.01")):
                    shown = formdefs.fmt_plain(expected) if expected is not None else "trống"
                    problems.add(e.sheet, e.row, _COL_VALUE,
                                 f"chỉ tiêu «{_short(row.label)}» do hệ thống tự tính (giá trị {shown}), không được sửa.")
                    continue
                note = "" if e.note == row.note else e.note
                out.append(Entry(number, e.stt, None, "", note))
                continue
            if not e.formula:
                manual[e.stt] = e.value
            out.append(Entry(number, e.stt, None if e.formula else e.value, "", "" if e.note == row.note else e.note))
        values = formdefs.compute_values(form, figures, manual)
        for r in form.rows:
            if r.rate_of and manual.get(r.stt) is not None:
                values[r.stt] = manual[r.stt]
        for stt, message in formdefs.problems(form, values):
            e = where.get(stt)
            problems.add(form.name, e.row if e else None, _COL_VALUE if e else None, message)
    return out


def import_figures(
    session,
    actor,
    path: Path,
    *,
    unit_code: str | None = None,
    period_spec: str | None = None,
    figures_provider=None,
) -> tuple[object, object, int]:
    """Load a filled template: (unit, period, rows written). Unit and period come from the options
    or, when not given, from the sheets (E3, E4); they must agree. All or nothing."""
    path = Path(path)
    problems = Problems()
    result = read_workbook(path, problems)
    if unit_code and result.unit_code and unit_code.strip() != result.unit_code:
        problems.add("Biểu mẫu", 3, "E (Mã đơn vị)", f"tệp ghi mã đơn vị «{result.unit_code}» nhưng lệnh chọn đơn vị «{unit_code}».")
    period = None
    if period_spec:
        period = resolve_period(period_spec)
        if result.period_key and result.period_key != period.key:
            problems.add("Biểu mẫu", 4, "E (Mã kỳ)", f"tệp ghi kỳ «{result.period_key}» nhưng lệnh chọn kỳ «{period.key}».")
    elif result.period_key:
        period = resolve_period(result.period_key)
    code = unit_code or result.unit_code
    if not code or period is None:
        problems.raise_if_any(path.name)
    if not code:
        raise ImportRejected(f"Tệp «{path.name}» không ghi mã đơn vị (ô E3): hãy chọn đơn vị bằng --unit.", row=3, column="E")
    if period is None:
        raise ImportRejected(f"Tệp «{path.name}» không ghi mã kỳ báo cáo (ô E4): hãy chọn kỳ bằng --period.", row=4, column="E")
    unit = find_unit(session, code, period.end)
    figures = (figures_provider or default_figures)(session, unit, period.start, period.end)
    entries = check_entries(result, figures, problems)
    problems.raise_if_any(path.name)
    written = set_figures(session, actor, unit, period.start, period.end, entries, figures)
    return unit, period, written
