"""JSON files read object by object (cchc.sheets.tabular): any size, memory flat, the same rows as parsing whole."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from cchc.errors import ImportRejected
from cchc.sheets import tabular
from cchc.sheets.tabular import open_rows, read_table

MB = 1024 * 1024
ITEMS = [
    {"MaHoSo": " HS-1 ", "SoLan": 12345678901234567890, "Phi": 1.5e3, "Ten": "Nguyễn Thị Ánh Tuyết", "Rong": None},
    {"MaHoSo": "HS-2", "Loai": [1, {"a": "ẩ"}], "CoKetQua": True, "Ten": "Trần \"Bình\"\n\\ Đông"},
    {},
    {"MaHoSo": "HS-4", "Moi": "cột chỉ có ở bản ghi này"},
]


def expected_rows():
    return [
        (n, {k: (v.strip() if isinstance(v, str) else ("" if v is None else v)) for k, v in item.items()})
        for n, item in enumerate(ITEMS, start=2)
    ]


@pytest.mark.parametrize("block", [3, 7, 1 << 16])
@pytest.mark.parametrize("indent", [None, 2])
def test_objects_cut_anywhere_by_the_blocks_read_as_parsed_whole(tmp_path, monkeypatch, block, indent):
    """Numbers, strings with escapes and letters of two or three bytes cut between two blocks read whole."""
    monkeypatch.setattr(tabular, "JSON_BLOCK", block)
    path = tmp_path / "hoso.json"
    path.write_text(json.dumps(ITEMS, ensure_ascii=False, indent=indent), encoding="utf-8")
    table = read_table(path)
    assert table.rows == expected_rows()
    assert table.columns == ["MaHoSo", "SoLan", "Phi", "Ten", "Rong", "Loai", "CoKetQua", "Moi"]  # in order met


def test_the_rows_array_inside_an_object_and_its_siblings(tmp_path):
    path = tmp_path / "goi.json"
    path.write_text(
        json.dumps({"meta": {"items": "không phải mảng", "n": [1, 2]}, "rows": ITEMS, "sau": 1}, ensure_ascii=False),
        encoding="utf-8-sig",  # with a BOM
    )
    assert read_table(path).rows == expected_rows()
    for data in ({"meta": 1}, {}, 5, "[]x"):
        (tmp_path / "khong.json").write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(ImportRejected, match="phải là một mảng JSON các bản ghi"):
            read_table(tmp_path / "khong.json")
    (tmp_path / "rong.json").write_text("[ ]", encoding="utf-8")
    assert read_table(tmp_path / "rong.json").rows == []


def test_a_required_column_only_in_a_later_object_is_found(tmp_path):
    path = tmp_path / "thieu.json"
    path.write_text(json.dumps([{"A": "1"}, {"A": "2", "B": "x"}]), encoding="utf-8")
    with open_rows(path, required=["A", "B"]) as table:
        assert table.columns == ["A", "B"]
        assert list(table) == [(2, {"A": "1"}), (3, {"A": "2", "B": "x"})]
    with pytest.raises(ImportRejected, match="thiếu cột bắt buộc: C"):
        with open_rows(path, required=["A", "C"]):
            pass


def test_bad_elements_are_refused_by_row(tmp_path):
    path = tmp_path / "hong.json"
    path.write_text('[{"A": "1"}, 7]', encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        read_table(path)
    assert info.value.row == 3 and "phải là một đối tượng" in info.value.message
    path.write_text('[{"A": "1"}, {"A": "2",, }]', encoding="utf-8")
    with pytest.raises(ImportRejected, match="bị hỏng hoặc không đúng định dạng JSON"):
        read_table(path)
    path.write_text('[{"A": "1"} {"A": "2"}]', encoding="utf-8")
    with pytest.raises(ImportRejected, match="bị hỏng hoặc không đúng định dạng JSON"):
        read_table(path)


def test_an_encoding_error_names_its_line_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "JSON_BLOCK", 5)
    text = '[\n  {"MaDonVi": "H87"},\n  {"MaDonVi": "H88", "TenDonVi": "Đồng Tháp"}\n]\n'
    path = tmp_path / "d.json"
    path.write_bytes(text.replace("Đồng Tháp", "Đông Tháp").encode("cp1258"))  # Đ is one byte that is not UTF-8
    with pytest.raises(ImportRejected, match=r"^Dòng 3: tệp «d\.json» không được lưu theo bảng mã UTF-8: từ dòng này \(byte 0x"):
        read_table(path)


def test_a_json_file_larger_than_memory_wants_is_read_with_flat_memory(tmp_path):
    """60 MB of objects (more than the 50 MB a JSON file was once refused above) pass through the reader, which holds
    one block and one object at a time."""
    path = tmp_path / "lon.json"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[\n")
        for i in range(150_000):
            item = {"MaHoSo": f"HS-{i:07d}", "ChuHoSo": "Nguyễn Văn An", "SoLan": i, "GhiChu": "x" * 330}
            fh.write(("," if i else "") + json.dumps(item, ensure_ascii=False) + "\n")
        fh.write("]\n")
    assert path.stat().st_size > 55 * MB
    tracemalloc.start()
    try:
        with open_rows(path, required=["MaHoSo"]) as table:
            last = None
            n = 0
            for last in table:
                n += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == 150_000 and last[0] == 150_001 and last[1]["SoLan"] == 149_999
    assert peak < 2 * MB, f"peak {peak} bytes"
