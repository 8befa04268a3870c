"""Reading import files (CSV, XLSX, JSON) as rows with their row numbers as in the file.

Every importer of cchc reads through here, so the same file shapes and the same Vietnamese
errors apply everywhere: header = row 1, the first data row = row 2 (JSON: the first object = row 2,
so that a spreadsheet exported to JSON keeps its numbers).

Memory stays flat whatever the file's size: a CSV is read line by line (no line longer than
MAX_LINE_BYTES), an XLSX with openpyxl's read-only mode, row by row, a JSON array object by object
(no object longer than JSON_MAX_ITEM_CHARS characters). `open_rows` hands the rows over as they are read (the
dossier import validates and writes them chunk by chunk); `read_table` keeps them all for the small
catalogue imports and refuses a file of more than `max_rows` rows (by default MAX_TABLE_ROWS) as soon
as it gets there.

Text must be UTF-8 (with or without BOM). A file saved in another encoding — Windows-1258, TCVN3 (VN3),
UTF-16 — is refused naming the line where the first byte that is not UTF-8 sits, with how to save the
file as UTF-8. A NUL character in a value is refused naming its row and column (PostgreSQL cannot store it).
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from cchc.errors import ImportRejected
from cchc.sheets.cells import from_csv
from cchc.vn import fmt_int

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".json": "json"}
MAX_LINE_BYTES = 4 * 1024 * 1024
MAX_TABLE_ROWS = 100_000
READ_ERRORS = (UnicodeDecodeError, csv.Error, json.JSONDecodeError, KeyError, ValueError, OSError, EOFError)
SAVE_AS_UTF8 = (
    "Hãy mở tệp và lưu lại theo bảng mã UTF-8 (Excel: Lưu thành → «CSV UTF-8 (phân tách bằng dấu phẩy)»; "
    "LibreOffice: Lưu thành → CSV, bộ ký tự «Unicode (UTF-8)»; Notepad: Lưu thành → Mã hóa UTF-8) rồi nhập lại."
)


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, object]]]  # (row number in the file, values by column)


@dataclass
class Rows:
    """The rows of an open file, read as they are iterated (once)."""

    name: str
    columns: list[str]
    rows: Iterator[tuple[int, dict[str, object]]]
    estimate: int | None  # about how many data rows (for progress), when the format tells cheaply

    def __iter__(self):
        return self.rows


def file_format(path: Path) -> str:
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ImportRejected(
            f"Không đọc được tệp «{Path(path).name}»: chỉ nhận tệp .csv, .xlsx hoặc .json (theo phần mở rộng)."
        )
    return fmt


@contextmanager
def open_rows(path: Path | str, required: Sequence[str] = ()) -> Iterator[Rows]:
    """The file's columns and its rows as they are read; missing required columns refuse the file first."""
    path = Path(path)
    if not path.exists():
        raise ImportRejected(f"Không tìm thấy tệp «{path}».")
    fmt = file_format(path)
    with _readable(path, fmt, required) as (columns, rows, estimate):
        missing = [c for c in required if c not in columns]
        if missing:
            raise ImportRejected(
                f"Tệp «{path.name}» thiếu cột bắt buộc: {', '.join(missing)}. Các cột cần có: {', '.join(required)}."
            )
        yield Rows(path.name, columns, _guarded(path, fmt, rows), estimate)


def read_table(path: Path | str, required: Sequence[str] = (), *, max_rows: int = MAX_TABLE_ROWS) -> Table:
    """All rows of the file (at most `max_rows`: a longer file is refused when its row max_rows + 1 is read)."""
    with open_rows(path, required) as table:
        rows = []
        for item in table:
            if len(rows) >= max_rows:
                raise ImportRejected(
                    f"Tệp «{table.name}» có hơn {fmt_int(max_rows)} dòng dữ liệu, quá giới hạn của một lần nhập loại "
                    f"dữ liệu này. Hãy chia thành nhiều tệp, mỗi tệp tối đa {fmt_int(max_rows)} dòng.",
                    row=item[0],
                )
            rows.append(item)
        return Table(columns=table.columns, rows=rows)


def iter_rows(path: Path | str, required: Sequence[str] = ()) -> Iterator[tuple[int, dict[str, object]]]:
    with open_rows(path, required) as table:
        yield from table


@contextmanager
def _readable(path: Path, fmt: str, required: Sequence[str] = ()):
    """(columns, row iterator, estimate) of the open file; the readers' own errors while opening in Vietnamese
    (errors of the caller's code inside the block pass through untouched)."""
    with ExitStack() as stack:
        try:
            reader = {"csv": _csv, "xlsx": _xlsx, "json": _json}[fmt]
            opened = stack.enter_context(reader(path, required) if fmt == "json" else reader(path))
        except ImportRejected:
            raise
        except READ_ERRORS as exc:
            raise ImportRejected(f"Tệp «{path.name}» bị hỏng hoặc không đúng định dạng {fmt.upper()}: {exc}") from None
        yield opened


def _guarded(path: Path, fmt: str, rows):
    """The rows, with the readers' errors met while iterating in Vietnamese and NUL refused by row and column
    (the CSV reader looks for NUL itself, in the whole line at once)."""
    try:
        if fmt == "csv":
            yield from rows
            return
        for number, row in rows:
            _refuse_nul(number, row.items())
            yield number, row
    except ImportRejected:
        raise
    except READ_ERRORS as exc:
        raise ImportRejected(f"Tệp «{path.name}» bị hỏng hoặc không đúng định dạng {fmt.upper()}: {exc}") from None


def _refuse_nul(number: int, cells) -> None:
    """ImportRejected naming the first (column, value) of the row that holds a NUL character, if any."""
    for column, value in cells:
        if isinstance(value, str) and "\x00" in value:
            raise ImportRejected("giá trị chứa ký tự NUL (mã 0), không phải chữ hợp lệ.", row=number, column=column)


def _clean_header(values) -> list[str]:
    return [str(v).strip().lstrip("\ufeff") if v is not None else "" for v in values]


# ---- CSV ----------------------------------------------------------------------------------------------
def _not_utf8(name: str, line: int, byte: bytes, position: int) -> ImportRejected:
    """The refusal of a byte that is not UTF-8 at `position` (from 0) of line `line`."""
    byte = byte.hex().upper()
    return ImportRejected(
        f"tệp «{name}» không được lưu theo bảng mã UTF-8: từ dòng này (byte 0x{byte}, vị trí {position + 1} trong dòng) "
        "có chữ không đọc được theo UTF-8 — thường do tệp được lưu bằng bảng mã Windows-1258 hoặc TCVN3 (VN3). "
        + SAVE_AS_UTF8,
        row=line,
    )


def _lines(fh, name: str) -> Iterator[str]:
    """The file's lines decoded as UTF-8, one at a time, each at most MAX_LINE_BYTES long."""
    number = 0
    while True:
        raw = fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise ImportRejected(
                f"dòng dài hơn {fmt_int(MAX_LINE_BYTES)} byte: tệp «{name}» không phải tệp CSV gồm các dòng dữ liệu "
                "(hoặc thiếu dấu xuống dòng), không đọc tiếp.",
                row=number,
            )
        if number == 1:
            if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise ImportRejected(
                    f"Tệp «{name}» được lưu theo bảng mã UTF-16 («Unicode Text»), không phải UTF-8. " + SAVE_AS_UTF8
                )
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _not_utf8(name, number, raw[exc.start : exc.start + 1], exc.start) from None


@contextmanager
def _csv(path: Path):
    with path.open("rb") as fh:
        lines = _lines(fh, path.name)
        first = next(lines, None)
        if first is None:
            raise ImportRejected(f"Tệp «{path.name}» trống (không có dòng tiêu đề).")
        delimiter = ";" if first.count(";") > first.count(",") else ","
        header = next(csv.reader([first], delimiter=delimiter), None)
        if not header:
            raise ImportRejected(f"Tệp «{path.name}» trống (không có dòng tiêu đề).")
        columns = _clean_header(header)
        reader = csv.reader(lines, delimiter=delimiter)

        width = len(columns)

        def rows():
            # Per row, the whole line is looked at once (blank, NUL, an apostrophe) and the cells only when needed:
            # this loop runs a million times for a large import.
            for number, values in enumerate(reader, start=2):
                line = "".join(values)
                if not line or line.isspace():
                    continue
                if len(values) != width:
                    if len(values) > width:
                        raise ImportRejected(f"có {len(values)} giá trị nhưng tiêu đề chỉ có {width} cột.", row=number)
                    values += [""] * (width - len(values))
                if "\x00" in line:
                    _refuse_nul(number, zip(columns, values))
                if "'" in line:
                    # from_csv: the apostrophe cchc's exports put before a text that looks like a formula comes off again
                    yield number, {c: from_csv(v.strip()) for c, v in zip(columns, values)}
                else:
                    yield number, dict(zip(columns, map(str.strip, values)))

        yield columns, rows(), _count_lines(path) - 1


def _count_lines(path: Path) -> int:
    """Lines of a file, counted in 1 MiB blocks (for the progress of a large import)."""
    count = 0
    last = b"\n"
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


# ---- XLSX ---------------------------------------------------------------------------------------------
@contextmanager
def _xlsx(path: Path):
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRejected(f"Tệp «{path.name}» không phải tệp Excel (.xlsx) hợp lệ: {exc}") from None
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            raise ImportRejected(f"Tệp «{path.name}» trống (không có dòng tiêu đề).")
        columns = _clean_header(header)
        while columns and columns[-1] == "":
            columns.pop()

        def rows():
            for number, values in enumerate(it, start=2):
                if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                row = {}
                for i, c in enumerate(columns):
                    v = values[i] if i < len(values) else None
                    row[c] = v.strip() if isinstance(v, str) else ("" if v is None else v)
                yield number, row

        estimate = (ws.max_row - 1) if isinstance(ws.max_row, int) and ws.max_row > 1 else None
        yield columns, rows(), estimate
    finally:
        wb.close()


# ---- JSON ---------------------------------------------------------------------------------------------
JSON_BLOCK = 1 << 16
JSON_MAX_ITEM_CHARS = 1 << 20  # one record of a JSON file: ample for a row, and what bounds the reader's memory
_JSON_SPACE = " \t\n\r"


@contextmanager
def _json(path: Path, required: Sequence[str] = ()):
    """The objects of a JSON array ([{…}, …] or {"items"|"data"|"rows": [{…}, …], …}: the first of these keys
    holding an array), read one at a time. The columns are the keys met so far, in order: those of the first
    object when it holds every required column, else those of the whole file, gathered by a first pass."""
    with path.open("rb") as fh:
        items = _json_items(fh, path.name)
        first = next(items, None)
        columns: list[str] = list(first[1]) if first is not None else []
        seen = set(columns)
        if any(c not in seen for c in required):
            with path.open("rb") as again:
                for _, item in _json_items(again, path.name):
                    for k in item:
                        if k not in seen:
                            seen.add(k)
                            columns.append(k)

        def rows():
            if first is None:
                return
            for number, item in chain([first], items):
                for k in item:
                    if k not in seen:  # a key no object before had: a column all the same
                        seen.add(k)
                        columns.append(k)
                yield number, {k: (v.strip() if isinstance(v, str) else ("" if v is None else v)) for k, v in item.items()}

        yield columns, rows(), None


def _json_text(fh, name: str) -> Iterator[str]:
    """The file's text as UTF-8, a block at a time; bytes that are not UTF-8 refused naming their line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, line_start, offset = 1, 0, 0  # line number, byte offset where it starts, bytes decoded so far
    first = True
    while True:
        raw = fh.read(JSON_BLOCK)
        if first:
            if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise ImportRejected(f"Tệp «{name}» được lưu theo bảng mã UTF-16, không phải UTF-8. " + SAVE_AS_UTF8)
            if raw.startswith(b"\xef\xbb\xbf"):
                raw, offset = raw[3:], 3
            first = False
        pending = decoder.getstate()[0]
        try:
            text = decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            data, base = pending + raw, offset - len(pending)
            before = data[: exc.start]
            line += before.count(b"\n")
            if b"\n" in before:
                line_start = base + before.rfind(b"\n") + 1
            position = base + exc.start - line_start
            raise _not_utf8(name, line, data[exc.start : exc.start + 1], position) from None
        newlines = raw.count(b"\n")
        if newlines:
            line += newlines
            line_start = offset + raw.rfind(b"\n") + 1
        offset += len(raw)
        if text:
            yield text
        if not raw:
            return


def _json_items(fh, name: str) -> Iterator[tuple[int, dict]]:
    """(row number, object) of the file's array, the first object being row 2, parsed one at a time."""
    decoder = json.JSONDecoder()
    blocks = _json_text(fh, name)
    buffer, pos = "", 0
    not_an_array = f"Tệp «{name}» phải là một mảng JSON các bản ghi (hoặc {{\"items\": [...]}})."

    def ensure(more: bool = False) -> bool:
        """At least one character after pos (one more than now when `more`); False at the end of the file."""
        nonlocal buffer, pos
        while more or pos >= len(buffer):
            block = next(blocks, None)
            if block is None:
                return False
            buffer, pos = buffer[pos:] + block, 0
            more = False
        return True

    def skip_space() -> str:
        """The next character that is not white space ("" at the end)."""
        nonlocal pos
        while True:
            if not ensure():
                return ""
            while pos < len(buffer) and buffer[pos] in _JSON_SPACE:
                pos += 1
            if pos < len(buffer):
                return buffer[pos]

    def value(number: int | None = None):
        """The JSON value at pos; more text is read while it is incomplete, up to JSON_MAX_ITEM_CHARS characters."""
        nonlocal pos
        skip_space()  # raw_decode does not skip it
        while True:
            try:
                parsed, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError:
                if len(buffer) - pos > JSON_MAX_ITEM_CHARS:
                    raise ImportRejected(
                        f"một bản ghi của tệp JSON «{name}» dài hơn {fmt_int(JSON_MAX_ITEM_CHARS)} ký tự: tệp hỏng hoặc không "
                        "phải danh sách các bản ghi, không đọc tiếp.",
                        row=number,
                    ) from None
                if not ensure(more=True):
                    raise
                continue
            if end == len(buffer) and ensure(more=True):  # a number may go on in the next block
                continue
            pos = end
            return parsed

    def expect(chars: str) -> str:
        nonlocal pos
        c = skip_space()
        if not c or c not in chars:
            raise json.JSONDecodeError(f"cần một trong «{chars}»", buffer, pos)
        pos += 1
        return c

    start = skip_space()
    if start == "{":
        pos += 1
        while True:
            if skip_space() == "}":
                raise ImportRejected(not_an_array)
            key = value()
            expect(":")
            if key in ("items", "data", "rows") and skip_space() == "[":
                break
            value()
            if expect(",}") == "}":
                raise ImportRejected(not_an_array)
    if skip_space() != "[":
        raise ImportRejected(not_an_array)
    pos += 1
    if skip_space() == "]":
        return
    number = 2
    while True:
        item = value(number)
        if not isinstance(item, dict):
            raise ImportRejected("mỗi phần tử của mảng JSON phải là một đối tượng {…}.", row=number)
        yield number, item
        number += 1
        if expect(",]") == "]":
            return
