"""scripts/extract_units.py on a small package directory made here (the real run needs the registry)."""

from __future__ import annotations

import csv
import importlib.util
import json
import sqlite3
from pathlib import Path

import pytest

from cchc.units.service import DATA_DIR, official_counts, read_official

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "extract_units.py"


@pytest.fixture(scope="module")
def extract_units():
    spec = importlib.util.spec_from_file_location("extract_units", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LEGACY = [
    # province, provinceKey, code, district, districtType, districtKey, code, ward, wardType, wardKey, code
    ("Thành phố Hà Nội", "thanhphohanoi", "01", "Quận Ba Đình", "Quận", "quanbadinh", "001", "Phường Phúc Xá", "Phường", "phuongphucxa", "00001"),
    ("Thành phố Hà Nội", "thanhphohanoi", "01", "Quận Ba Đình", "Quận", "quanbadinh", "001", "Phường Trúc Bạch", "Phường", "phuongtrucbach", "00004"),
    ("Thành phố Hà Nội", "thanhphohanoi", "01", "Huyện Bạch Long Vĩ", "Huyện", "huyenbachlongvi", "318", None, None, None, None),
    ("Tỉnh Hà Giang", "tinhhagiang", "02", "Thành phố Hà Giang", "Thành phố", "thanhphohagiang", "024", "Phường Quang Trung", "Phường", "phuongquangtrung", "00688"),
    ("Tỉnh Yên Bái", "tinhyenbai", "15", "Huyện Trạm Tấu", "Huyện", "huyentramtau", "138", "Xã Bản Công", "Xã", "xabancong", "04000"),
]
NEW = [
    # province, provinceKey, code, ward, wardType, wardKey, code
    ("Thành phố Hà Nội", "thanhphohanoi", "01", "Phường Ba Đình", "Phường", "phuongbadinh", "00004"),
    ("Thành phố Hà Nội", "thanhphohanoi", "01", "Phường Ngọc Hà", "Phường", "phuongngocha", "00008"),
    ("Thành phố Hà Nội", "thanhphohanoi", "01", "Đặc khu Bạch Long Vĩ", "Đặc khu", "dackhubachlongvi", "11111"),
    ("Tỉnh Lào Cai", "tinhlaocai", "15", "Xã Trạm Tấu", "Xã", "xatramtau", "04001"),
    ("Tỉnh Lào Cai", "tinhlaocai", "15", "Phường Hà Giang 1", "Phường", "phuonghagiang1", "00689"),
]
CONVERTER = {
    "DICT_PROVINCE": {"thanhphohanoi": ["thanhphohanoi"], "tinhlaocai": ["tinhyenbai", "tinhhagiang"]},
    "DICT_PROVINCE_WARD_NO_DIVIDED": {
        "thanhphohanoi": {
            "phuongbadinh": ["thanhphohanoi_quanbadinh_phuongtrucbach"],
            "dackhubachlongvi": ["thanhphohanoi_huyenbachlongvi_"],
        },
        "tinhlaocai": {
            "xatramtau": ["tinhyenbai_huyentramtau_xabancong"],
            "phuonghagiang1": ["tinhhagiang_thanhphohagiang_phuongquangtrung"],
        },
    },
    "DICT_PROVINCE_WARD_DIVIDED": {
        "thanhphohanoi": {
            "thanhphohanoi_quanbadinh_phuongphucxa": [
                {"newWardKey": "phuongbadinh", "isDefaultNewWard": True},
                {"newWardKey": "phuongngocha", "isDefaultNewWard": False},
            ]
        }
    },
}


@pytest.fixture
def package(tmp_path) -> Path:
    site = tmp_path / "site"
    pkg, dist = site / "vietnamadminunits", site / "vietnamadminunits-1.0.4.dist-info"
    (pkg / "data").mkdir(parents=True)
    (dist / "licenses").mkdir(parents=True)
    db = sqlite3.connect(pkg / "data" / "dataset.db")
    db.execute(
        "CREATE TABLE admin_units_legacy (province, provinceShort, provinceKey, provinceCode, district, districtType,"
        " districtKey, districtCode, ward, wardType, wardKey, wardCode)"
    )
    db.executemany(
        "INSERT INTO admin_units_legacy VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", LEGACY
    )
    db.execute("CREATE TABLE admin_units (province, provinceShort, provinceKey, provinceCode, ward, wardType, wardKey, wardCode)")
    db.executemany("INSERT INTO admin_units VALUES (?, '', ?, ?, ?, ?, ?, ?)", NEW)
    db.commit()
    db.close()
    (pkg / "data" / "converter_2025.json").write_text(json.dumps(CONVERTER), encoding="utf-8")
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.4\nName: vietnamadminunits\nVersion: 1.0.4\nAuthor: Hieu Tran\n\nREADME\n", encoding="utf-8"
    )
    (dist / "licenses" / "LICENSE").write_text("MIT License\n\nCopyright (c) 2025 Tran Ngoc Minh Hieu\n", encoding="utf-8")
    return pkg


def test_extract_keeps_continuing_provinces_and_separates_reused_codes(extract_units, package):
    units, links = extract_units.extract(package)
    by_key = {(u["code"], u["valid_from"]): u for u in units}
    assert len(units) == 3 + 1 + 4 + 4 + 5
    hanoi = by_key[("01", "")]
    assert (hanoi["valid_to"], hanoi["kind"]) == ("", "thanh_pho_tw")  # one unit on both sides of 1/7/2025
    assert by_key[("15", "")]["name"] == "Tỉnh Yên Bái" and by_key[("15", "")]["valid_to"] == "2025-06-30"
    assert by_key[("15", "2025-07-01")]["name"] == "Tỉnh Lào Cai"
    assert (by_key[("001", "")]["parent_code"], by_key[("001", "")]["kind"]) == ("01", "quan")
    assert by_key[("024", "")]["kind"] == "thanh_pho"
    assert (by_key[("00004", "")]["parent_code"], by_key[("00004", "")]["valid_to"]) == ("001", "2025-06-30")
    new_ba_dinh = by_key[("00004", "2025-07-01")]
    assert (new_ba_dinh["parent_code"], new_ba_dinh["parent_valid_from"]) == ("01", "")
    lao_cai_commune = by_key[("04001", "2025-07-01")]
    assert (lao_cai_commune["parent_code"], lao_cai_commune["parent_valid_from"]) == ("15", "2025-07-01")
    assert by_key[("11111", "2025-07-01")]["kind"] == "dac_khu"

    got = {(l["old_code"], l["old_valid_from"], l["new_code"], l["new_valid_from"], l["partial"]) for l in links}
    assert got == {
        ("02", "", "15", "2025-07-01", "0"),
        ("15", "", "15", "2025-07-01", "0"),
        ("00004", "", "00004", "2025-07-01", "0"),
        ("318", "", "11111", "2025-07-01", "0"),  # the island district became a đặc khu
        ("04000", "", "04001", "2025-07-01", "0"),
        ("00688", "", "00689", "2025-07-01", "0"),
        ("00001", "", "00004", "2025-07-01", "1"),  # Phúc Xá was divided
        ("00001", "", "00008", "2025-07-01", "1"),
    }  # and no 01 → 01: a continuing province is not its own successor
    with pytest.raises(SystemExit, match="unexpected counts"):
        extract_units.check_counts(units)


def test_main_writes_csv_and_attribution(extract_units, package, tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setattr(
        "sys.argv", ["extract_units.py", "--package-dir", str(package), "--out", str(out), "--any-counts"]
    )
    extract_units.main()
    with (out / "units.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 17 and list(rows[0]) == extract_units.UNIT_COLUMNS
    attribution = (out / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "vietnamadminunits 1.0.4" in attribution and "Hieu Tran" in attribution
    assert "Copyright (c) 2025 Tran Ngoc Minh Hieu" in attribution
    units, links = read_official(out)  # the loader reads what the script writes
    assert len(units) == 17 and len(links) == 8
    assert official_counts(units) == {
        "provinces": 2, "communes": 5, "legacy_provinces": 3, "legacy_districts": 4, "legacy_communes": 4,
    }


def test_shipped_data_is_small_and_attributed():
    sizes = sum(p.stat().st_size for p in DATA_DIR.iterdir())
    assert sizes < 3 * 1024 * 1024
    text = (DATA_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "MIT License" in text and "Permission is hereby granted" in text and "unidecode" in text
