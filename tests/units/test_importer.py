"""cchc.units.importer: agencies from CSV / XLSX / JSON, all or nothing."""

from __future__ import annotations

import csv
import json
import time
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from cchc.errors import ImportRejected
from cchc.units.importer import COLUMNS, import_units
from cchc.units.models import Unit
from cchc.units.service import create_unit, unit_ids_under

GOOD = [
    # The phòng comes BEFORE its sở (a parent later in the file), the sở names its kind in Vietnamese.
    {"MaDonVi": "000.01.05.T99", "TenDonVi": "Phòng Hành chính tư pháp", "MaDonViCha": "000.00.05.T99",
     "Cap": "tinh", "LoaiDonVi": "phong", "HieuLucTu": "2025-07-01", "HieuLucDen": ""},
    {"MaDonVi": "000.00.05.T99", "TenDonVi": "Sở Tư pháp", "MaDonViCha": "T99",
     "Cap": "tinh", "LoaiDonVi": "Sở", "HieuLucTu": "01/07/2025", "HieuLucDen": ""},
    {"MaDonVi": "000.00.31.T99", "TenDonVi": "Trung tâm Phục vụ hành chính công tỉnh", "MaDonViCha": "T99",
     "Cap": "Cấp tỉnh", "LoaiDonVi": "trung_tam_hcc", "HieuLucTu": "2025-07-01", "HieuLucDen": ""},
    {"MaDonVi": "H99.01", "TenDonVi": "UBND huyện Cũ", "MaDonViCha": "T99",
     "Cap": "huyen", "LoaiDonVi": "ubnd", "HieuLucTu": "2020-01-01", "HieuLucDen": "30/6/2025"},
    {"MaDonVi": "X99.01", "TenDonVi": "Bộ phận Một cửa xã Thử", "MaDonViCha": "XA99",
     "Cap": "xa", "LoaiDonVi": "Bộ phận Một cửa", "HieuLucTu": "2025-07-01", "HieuLucDen": ""},
]


@pytest.fixture
def tree(db, province):
    """Tỉnh Thử Nghiệm (T99) with one commune XA99 from 1/7/2025."""
    commune = create_unit(db, code="XA99", name="Xã Thử", level="xa", kind="xa", parent=province, valid_from=date(2025, 7, 1))
    return province, commune


def write(path: Path, rows: list[dict], columns: list[str] = COLUMNS) -> Path:
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    elif path.suffix == ".json":
        path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    else:
        wb = Workbook()
        ws = wb.active
        ws.append(columns)
        for row in rows:
            ws.append([row.get(c, "") for c in columns])
        wb.save(path)
    return path


def count_units(db) -> int:
    return db.scalar(select(func.count()).select_from(Unit))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
def test_good_file_in_each_format(db, tree, tmp_path, suffix):
    province, commune = tree
    result = import_units(db, write(tmp_path / f"agencies{suffix}", GOOD))
    assert result == {"rows": 5, "inserted": 5}
    so = db.scalar(select(Unit).where(Unit.code == "000.00.05.T99"))
    phong = db.scalar(select(Unit).where(Unit.code == "000.01.05.T99"))
    assert so.kind == "so" and so.is_area is False and so.source == "import" and so.parent_id == province.id
    assert phong.parent_id == so.id and phong.path == f"/{province.id}/{so.id}/{phong.id}/"
    assert so.name_key == "so tu phap" and so.valid_from == date(2025, 7, 1) and so.valid_to is None
    old = db.scalar(select(Unit).where(Unit.code == "H99.01"))
    assert (old.level, old.kind, old.valid_from, old.valid_to) == ("huyen", "ubnd", date(2020, 1, 1), date(2025, 6, 30))
    one_stop = db.scalar(select(Unit).where(Unit.code == "X99.01"))
    assert one_stop.kind == "bo_phan_mot_cua" and one_stop.parent_id == commune.id
    assert len(set(db.scalars(unit_ids_under(province)))) == 2 + 5


@pytest.mark.parametrize(
    "valid_from", ["2025-07-01", "2026-01-01"], ids=["cùng ngày hiệu lực (ghi đè)", "ngày hiệu lực khác (trùng mã)"]
)
def test_a_code_already_in_the_database_is_refused_and_nothing_written(db, tree, tmp_path, valid_from):
    """Importing a unit again neither overwrites it nor gives its code to a second unit."""
    import_units(db, write(tmp_path / "a.csv", GOOD))
    before = [(u.code, u.name, u.valid_from, u.parent_id) for u in db.scalars(select(Unit).order_by(Unit.id))]
    again = [
        {"MaDonVi": "000.00.40.T99", "TenDonVi": "Sở Xây dựng", "MaDonViCha": "T99", "Cap": "tinh", "LoaiDonVi": "so",
         "HieuLucTu": "2025-07-01", "HieuLucDen": ""},
        dict(GOOD[1], TenDonVi="Sở Tư pháp tỉnh Thử Nghiệm", MaDonViCha="000.00.31.T99", HieuLucTu=valid_from),
    ]
    with pytest.raises(ImportRejected) as info:
        import_units(db, write(tmp_path / "b.csv", again))
    assert (info.value.row, info.value.column) == (3, "MaDonVi")
    assert info.value.message.startswith(
        "Dòng 3, cột MaDonVi: mã đơn vị «000.00.05.T99» đã có trong cơ sở dữ liệu: Sở Tư pháp (hiệu lực từ 1/7/2025)."
    )
    assert [(u.code, u.name, u.valid_from, u.parent_id) for u in db.scalars(select(Unit).order_by(Unit.id))] == before


def _bad(**changes) -> list[dict]:
    rows = [dict(r) for r in GOOD]
    index = changes.pop("index", 2)
    rows[index].update(changes)
    return rows


BAD_ROWS = [
    # (rows, file row number, column, words of the message)
    (_bad(MaDonVi=""), 4, "MaDonVi", "thiếu mã đơn vị"),
    (_bad(TenDonVi="  "), 4, "TenDonVi", "thiếu tên"),
    (_bad(Cap="trung uong"), 4, "Cap", "cấp «trung uong» không hợp lệ"),
    (_bad(LoaiDonVi="Cục"), 4, "LoaiDonVi", "loại đơn vị «Cục» không hợp lệ"),
    (_bad(HieuLucTu="31/02/2025"), 4, "HieuLucTu", "không hợp lệ"),
    (_bad(HieuLucTu=""), 4, "HieuLucTu", "Thiếu ngày có hiệu lực"),
    (_bad(HieuLucDen="2025-01-01"), 4, "HieuLucDen", "trước ngày có hiệu lực"),
    (_bad(MaDonViCha="KHONG.CO"), 4, "MaDonViCha", "không có trong cơ sở dữ liệu"),
    (_bad(MaDonViCha="XA99", HieuLucTu="2025-01-01"), 4, "MaDonViCha", "không có hiệu lực vào ngày 1/1/2025"),
    (_bad(MaDonViCha="XA99"), 4, "Cap", "không thể trực thuộc Xã Thử"),
    (_bad(index=4, MaDonViCha="000.00.05.T99", Cap="tinh"), 6, "MaDonViCha", None),  # fine: tỉnh under tỉnh
    (_bad(Cap="xa", LoaiDonVi="tinh"), 4, "Cap", "thuộc cấp tỉnh"),
    (_bad(MaDonVi="000.00.05.T99", HieuLucTu="2025-07-01"), 4, "MaDonVi", "trùng với dòng 3"),
    (_bad(index=1, MaDonViCha="000.01.05.T99"), 2, "MaDonViCha", "vòng lặp"),
    (_bad(MaDonViCha="000.00.31.T99"), 4, "MaDonViCha", "chính nó"),
]


@pytest.mark.parametrize("rows,row,column,words", BAD_ROWS)
def test_each_kind_of_bad_row_is_refused_and_nothing_written(db, tree, tmp_path, rows, row, column, words):
    before = count_units(db)
    path = write(tmp_path / "bad.csv", rows)
    if words is None:  # the control case: the same file shape, valid
        assert import_units(db, path)["inserted"] == 5
        return
    with pytest.raises(ImportRejected) as info:
        import_units(db, path)
    assert info.value.row == row and info.value.column == column
    assert words in info.value.message and info.value.message.startswith(f"Dòng {row}, cột {column}: ")
    assert count_units(db) == before


def test_official_units_are_not_changed_by_import(db, tree, tmp_path):
    db.add(Unit(code="OFF1", name="Xã Chính Thức", level="xa", kind="xa", is_area=True, source="official",
                valid_from=date(2025, 7, 1)))
    db.flush()
    rows = _bad(MaDonVi="OFF1", Cap="xa", LoaiDonVi="xa", MaDonViCha="")
    with pytest.raises(ImportRejected, match="danh mục chính thức") as info:
        import_units(db, write(tmp_path / "off.csv", rows))
    assert (info.value.row, info.value.column) == (4, "MaDonVi")


def test_missing_column_refuses_the_file(db, tree, tmp_path):
    path = write(tmp_path / "cols.csv", GOOD, columns=[c for c in COLUMNS if c != "Cap"])
    with pytest.raises(ImportRejected, match="thiếu cột bắt buộc: Cap"):
        import_units(db, path)


def test_one_bad_row_among_2000_refuses_everything(db, tree, tmp_path):
    rows = [
        {"MaDonVi": f"000.{i:04d}.T99", "TenDonVi": f"Phòng số {i}", "MaDonViCha": "T99", "Cap": "tinh",
         "LoaiDonVi": "phong", "HieuLucTu": "2025-07-01", "HieuLucDen": ""}
        for i in range(2000)
    ]
    rows[1536]["Cap"] = "xã huyện"
    before = count_units(db)
    with pytest.raises(ImportRejected) as info:
        import_units(db, write(tmp_path / "big.xlsx", rows))
    assert (info.value.row, info.value.column) == (1538, "Cap")
    assert count_units(db) == before
    rows[1536]["Cap"] = "tinh"
    started = time.perf_counter()
    calls = []
    result = import_units(db, write(tmp_path / "big.csv", rows), progress=lambda done, total: calls.append((done, total)))
    assert result["inserted"] == 2000 and count_units(db) == before + 2000
    assert calls and calls[-1] == (2000, 2000)
    assert time.perf_counter() - started < 20
    province, _ = tree
    assert db.scalar(select(func.count()).select_from(Unit).where(Unit.path.like(f"/{province.id}/%"))) == 2 + 2000
