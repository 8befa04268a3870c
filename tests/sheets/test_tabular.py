"""Reading import files (cchc.sheets.tabular): UTF-8 only, named when it is not; memory flat whatever the size."""

from __future__ import annotations

import json
import tracemalloc
import unicodedata

import pytest

from cchc.errors import ImportRejected
from cchc.sheets import tabular
from cchc.sheets.tabular import open_rows, read_table

MB = 1024 * 1024
HEADER = "MaDonVi,TenDonVi,GhiChu\n"


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 stores it: a base letter (with its hat or horn) then the tone mark as its own byte."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            out += unicodedata.normalize("NFC", parts[:-1]).encode("cp1258") + parts[-1].encode("cp1258")
    return out


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["UTF-8", "UTF-8 có BOM"])
def test_utf8_with_or_without_bom_is_read(tmp_path, bom):
    path = _write(tmp_path / "don-vi.csv", bom + (HEADER + "H87,Tỉnh Đồng Tháp,Ấp Mỹ Đông\n").encode())
    table = read_table(path, required=["MaDonVi"])
    assert table.columns == ["MaDonVi", "TenDonVi", "GhiChu"]
    assert table.rows == [(2, {"MaDonVi": "H87", "TenDonVi": "Tỉnh Đồng Tháp", "GhiChu": "Ấp Mỹ Đông"})]


@pytest.mark.parametrize(
    "encoded",
    [
        cp1258("H87,Tỉnh Đồng Tháp,\n"),
        b"H87,T\xads\xb8nh \xa7\xe5ng Th\xb8p,\n",  # «Tỉnh Đồng Tháp» as TCVN3 (ABC) fonts .VnTime write it
    ],
    ids=["Windows-1258", "TCVN3"],
)
def test_other_encodings_are_refused_naming_the_line_and_saying_how_to_save(tmp_path, encoded):
    path = _write(tmp_path / "don-vi.csv", (HEADER + "H88,Xã Mỹ An,\n").encode() + encoded)
    with pytest.raises(ImportRejected) as info:
        read_table(path)
    message = info.value.message
    assert info.value.row == 3 and message.startswith("Dòng 3: tệp «don-vi.csv» không được lưu theo bảng mã UTF-8")
    assert "Windows-1258 hoặc TCVN3" in message and "CSV UTF-8" in message


def test_an_encoding_error_further_down_names_its_line(tmp_path):
    lines = [HEADER] + [f"X{i},Xã số {i},\n" for i in range(2, 9000)]
    data = "".join(lines).encode() + cp1258("X9000,Xã Tân Phú,\n")
    with pytest.raises(ImportRejected, match=r"^Dòng 9000: tệp «lon\.csv» không được lưu theo bảng mã UTF-8"):
        read_table(_write(tmp_path / "lon.csv", data))


def test_utf16_is_refused_by_name(tmp_path):
    path = _write(tmp_path / "unicode.csv", (HEADER + "H87,Đồng Tháp,\n").encode("utf-16"))
    with pytest.raises(ImportRejected, match="bảng mã UTF-16"):
        read_table(path)


def test_json_in_another_encoding_names_the_line(tmp_path):
    text = '[\n  {"MaDonVi": "H87"},\n  {"MaDonVi": "H88", "TenDonVi": "Đồng Tháp"}\n]\n'
    with pytest.raises(ImportRejected, match=r"^Dòng 3: tệp «d\.json» không được lưu theo bảng mã UTF-8"):
        read_table(_write(tmp_path / "d.json", cp1258(text)))


def test_a_nul_in_a_value_is_refused_by_row_and_column(tmp_path):
    path = _write(tmp_path / "don-vi.csv", (HEADER + "H87,Đồng\x00Tháp,\n").encode())
    with pytest.raises(ImportRejected) as info:
        read_table(path)
    assert (info.value.row, info.value.column) == (2, "TenDonVi") and "NUL" in info.value.message


def test_a_csv_is_read_row_by_row_with_flat_memory(tmp_path):
    """37 MB of rows pass through the reader, which never holds more than a block of them."""
    path = tmp_path / "lon.csv"
    row = ("H87.{:07d},Ủy ban nhân dân xã Mỹ An Hưng huyện Lấp Vò tỉnh Đồng Tháp," + "x" * 60 + "\n")
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for i in range(250_000):
            fh.write(row.format(i))
    assert path.stat().st_size > 30 * MB
    tracemalloc.start()
    try:
        with open_rows(path, required=["MaDonVi"]) as table:
            assert table.estimate == 250_000
            count = sum(1 for _ in table)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 250_000
    assert peak < 4 * MB, f"peak {peak} bytes for a {path.stat().st_size} byte file"  # 1 MiB blocks counting lines


def test_a_1_gb_file_is_refused_without_being_read(tmp_path):
    """A gigabyte with no line in it (a sparse file: no disk used), a 1 GB JSON array whose first element never
    ends: refused once a line or an element is too long, memory flat."""
    csv_path, json_path = tmp_path / "hong.csv", tmp_path / "lon.json"
    for path in (csv_path, json_path):
        with path.open("wb") as fh:
            if path is json_path:
                fh.write(b'[{"MaDonVi": "')
            fh.truncate(1024 * MB)
    tracemalloc.start()
    try:
        with pytest.raises(ImportRejected) as csv_refused:
            read_table(csv_path)
        with pytest.raises(ImportRejected) as json_refused:
            read_table(json_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert csv_refused.value.message.startswith("Dòng 1: dòng dài hơn 4.194.304 byte")
    assert "dài hơn 1.048.576 ký tự" in json_refused.value.message and json_refused.value.row == 2
    assert peak < 2 * tabular.MAX_LINE_BYTES + MB, f"peak {peak} bytes"


def test_a_small_catalogue_import_refuses_too_many_rows_when_it_gets_there(tmp_path):
    path = tmp_path / "don-vi.json"
    path.write_text(json.dumps([{"MaDonVi": f"X{i}"} for i in range(12)]), encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        read_table(path, max_rows=10)
    assert info.value.row == 12 and "hơn 10 dòng dữ liệu" in info.value.message and "chia thành nhiều tệp" in info.value.message


def test_xlsx_is_read_in_read_only_mode(tmp_path, monkeypatch):
    from openpyxl import Workbook
    import openpyxl

    wb = Workbook()
    wb.active.append(["MaDonVi", "TenDonVi"])
    wb.active.append(["H87", "Tỉnh Đồng Tháp"])
    wb.save(tmp_path / "d.xlsx")
    modes = []
    real = openpyxl.load_workbook

    def spy(*args, **kwargs):
        modes.append(kwargs.get("read_only"))
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    with open_rows(tmp_path / "d.xlsx") as table:
        assert list(table) == [(2, {"MaDonVi": "H87", "TenDonVi": "Tỉnh Đồng Tháp"})]
    assert modes == [True]
