"""Reading import files (CSV, XLSX, JSON) as rows with their row numbers as in the file.

Every importer of cchc reads through here, so the same file shapes and the same Vietnamese
errors apply everywhere: header = row 1, the first data row = row 2 (JSON: the first object = row 2,
so that a spreadsheet exported to JSON keeps its numbers).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cchc.errors import ImportRejected
from cchc.interop.cells import from_csv

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".json": "json"}


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, object]]]  # (row number in the file, values by column)


def file_format(path: Path) -> str:
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ImportRejected(
            f"Không đọc được tệp «{Path(path).name}»: chỉ nhận tệp .csv, .xlsx hoặc .json (theo phần mở rộng)."
        )
    return fmt


def read_table(path: Path | str, required: Sequence[str] = ()) -> Table:
    """All rows of the file; missing required columns refuse the file before any row is read."""
    path = Path(path)
    if not path.exists():
        raise ImportRejected(f"Không tìm thấy tệp «{path}».")
    fmt = file_format(path)
    try:
        columns, rows = {"csv": _csv, "xlsx": _xlsx, "json": _json}[fmt](path)
    except ImportRejected:
        raise
    except (UnicodeDecodeError, csv.Error, json.JSONDecodeError, KeyError, ValueError, OSError) as exc:
        raise ImportRejected(f"Tệp «{path.name}» bị hỏng hoặc không đúng định dạng {fmt.upper()}: {exc}") from None
    missing = [c for c in required if c not in columns]
    if missing:
        raise ImportRejected(
            f"Tệp «{path.name}» thiếu cột bắt buộc: {', '.join(missing)}. Các cột cần có: {', '.join(required)}."
        )
    return Table(columns=columns, rows=list(rows))


def iter_rows(path: Path | str, required: Sequence[str] = ()) -> Iterator[tuple[int, dict[str, object]]]:
    yield from read_table(path, required).rows


def _clean_header(values) -> list[str]:
    return [str(v).strip().lstrip("\ufeff") if v is not None else "" for v in values]


def _csv(path: Path):
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise ImportRejected(f"Tệp «{path.name}» trống (không có dòng tiêu đề).")
    columns = _clean_header(header)
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(columns):
            raise ImportRejected(f"có {len(values)} giá trị nhưng tiêu đề chỉ có {len(columns)} cột.", row=number)
        # from_csv: the apostrophe cchc's exports put before a text that looks like a formula comes off again
        rows.append((number, {c: (from_csv(values[i].strip()) if i < len(values) else "") for i, c in enumerate(columns)}))
    return columns, rows


def _xlsx(path: Path):
    from openpyxl import load_workbook
    from zipfile import BadZipFile

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError) as exc:
        raise ImportRejected(f"Tệp «{path.name}» không phải tệp Excel (.xlsx) hợp lệ: {exc}") from None
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = next(it, None)
    if header is None:
        raise ImportRejected(f"Tệp «{path.name}» trống (không có dòng tiêu đề).")
    columns = _clean_header(header)
    while columns and columns[-1] == "":
        columns.pop()
    rows = []
    for number, values in enumerate(it, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row = {}
        for i, c in enumerate(columns):
            v = values[i] if i < len(values) else None
            row[c] = v.strip() if isinstance(v, str) else ("" if v is None else v)
        rows.append((number, row))
    wb.close()
    return columns, rows


def _json(path: Path):
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    if isinstance(data, dict):
        for key in ("items", "data", "rows"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list):
        raise ImportRejected(f"Tệp «{path.name}» phải là một mảng JSON các bản ghi (hoặc {{\"items\": [...]}}).")
    columns: list[str] = []
    rows = []
    for number, item in enumerate(data, start=2):
        if not isinstance(item, dict):
            raise ImportRejected("mỗi phần tử của mảng JSON phải là một đối tượng {…}.", row=number)
        for k in item:
            if k not in columns:
                columns.append(k)
        rows.append((number, {k: (v.strip() if isinstance(v, str) else ("" if v is None else v)) for k, v in item.items()}))
    return columns, rows
