"""The demo's data files: a few hundred real-sounding procedures, agencies, people."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from cchc.errors import ValidationError
from cchc.synth import catalog as catalog_mod
from cchc.synth.catalog import load_catalog


def test_a_few_hundred_procedures_with_the_required_ones():
    cat = load_catalog()
    assert len(cat.procedures) >= 250
    names = [p.name for p in cat.procedures]
    for required in ("Đăng ký khai sinh", "Đăng ký kết hôn", "Cấp Phiếu lý lịch tư pháp", "Cấp giấy phép xây dựng",
                     "Đăng ký thành lập hộ kinh doanh"):
        assert any(n.startswith(required) for n in names), required
    codes = [p.code for p in cat.procedures]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[12]\.\d{6}", c) for c in codes)


def test_levels_time_units_online_levels_and_fees_are_varied():
    cat = load_catalog()
    levels = Counter(p.levels for p in cat.procedures)
    assert set(levels) == {"tinh", "xa", "huyen,xa"}
    assert {p.time_unit for p in cat.procedures} == {"ngay_lam_viec", "gio_lam_viec", "ngay"}
    online = Counter(p.online_level for p in cat.procedures)
    total = len(cat.procedures)
    assert 0.5 <= online["toan_trinh"] / total <= 0.72
    assert 0.25 <= online["mot_phan"] / total <= 0.42
    assert sum(1 for p in cat.procedures if p.fee_total > 0) > total / 3
    assert all(p.components for p in cat.procedures)
    fields = {p.field_name for p in cat.procedures}
    for name in ("Hộ tịch", "Chứng thực", "Đất đai", "Hoạt động xây dựng", "Bảo trợ xã hội", "Giáo dục và Đào tạo",
                 "Giao thông đường bộ", "Lao động, tiền lương và việc làm"):
        assert name in fields


def test_agencies_and_decisions():
    cat = load_catalog()
    keys = {a.key for a in cat.province_agencies}
    assert {"vp_ubnd", "tthcc", "stp", "sxd", "stc", "snv", "syt", "sgddt", "snnmt", "sct", "svhttdl", "skhcn", "sdttg",
            "sngv", "cat"} <= keys
    assert sum(1 for a in cat.province_agencies if a.kind == "so") >= 12
    assert all(p.agency_key in keys for p in cat.procedures)
    assert all(d.effective >= d.day for d in cat.decisions.values())


def test_a_broken_data_file_is_refused_with_the_procedure_named(tmp_path, monkeypatch):
    for name in ("agencies.yaml", "people.yaml"):
        (tmp_path / name).write_text((catalog_mod.DATA_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "procedures.yaml").write_text(
        "decisions:\n  qd: {number: '1/QĐ-UBND', date: 2024-01-02}\n"
        "fields:\n  - code: HT\n    name: Hộ tịch\n    agency: stp\n    levels: xa\n    decisions: [qd]\n"
        "    procedures:\n      - {code: '1.000001', name: 'Thử', time: [3, tuan]}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(catalog_mod, "DATA_DIR", tmp_path)
    load_catalog.cache_clear()
    try:
        with pytest.raises(ValidationError, match=r"TTHC 1\.000001: thời hạn"):
            load_catalog()
    finally:
        load_catalog.cache_clear()


def test_a_smaller_catalogue_keeps_the_most_used_of_every_level():
    cat = load_catalog()
    small = cat.most_used(40)
    assert 35 <= len(small.procedures) <= 45
    assert {p.levels for p in small.procedures} == {"tinh", "xa", "huyen,xa"}
    assert "1.001193" in {p.code for p in small.procedures}  # Đăng ký khai sinh, the most frequent
    assert min(p.weight for p in small.procedures) >= 1
