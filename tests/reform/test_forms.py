"""Biểu mẫu 1–7 as data: loading, typed values, derived rates and the rules of totals."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cchc.reform import forms as formdefs


def test_seven_forms_in_order_with_seed_004_rows():
    forms = formdefs.load_forms()
    assert [f.number for f in forms] == [1, 2, 3, 4, 5, 6, 7]
    assert [f.title for f in forms][0] == "Công tác chỉ đạo điều hành CCHC"
    f3 = formdefs.get_form(3)
    assert f3.row("3.1").rate_of == ("3.1.2", "3.1.1")
    assert f3.row("3.1.1").source == ("dossiers.by_level.tinh.resolved_total",)
    assert f3.row("1.4").note == "Bao gồm cả ngành dọc"
    f7 = formdefs.get_form(7)
    assert f7.row("6.3.1").label == "Tổng số hồ sơ của DVCTT toàn trình (gồm hồ sơ nộp trực tuyến + trực tiếp)"
    assert f7.row("2").choices == {0: "Chưa có", 1: "2 cấp", 2: "3 cấp"}
    assert formdefs.get_form(1).row("6").choices == {0: "Không", 1: "Có"}


def test_every_row_refers_to_rows_of_its_form():
    for form in formdefs.load_forms():
        stts = {r.stt for r in form.rows}
        for r in form.rows:
            assert set(r.parts) <= stts and set(r.rate_of or ()) <= stts


def test_a_form_file_with_a_dangling_reference_is_refused(tmp_path: Path):
    bad = tmp_path / "bieu_mau_9.yaml"
    bad.write_text('number: 9\ntitle: Thử\nrows:\n  - {stt: "1", label: Tổng, manual: true, parts: ["1.9"]}\n', encoding="utf-8")
    with pytest.raises(formdefs.FormDefinitionError, match="1.9"):
        formdefs.load_form(bad)


@pytest.mark.parametrize(
    ("text", "value"),
    [("17", Decimal(17)), ("1.081", Decimal(1081)), ("21.985.346.717", Decimal(21985346717)), ("99,76", Decimal("99.76")),
     ("99,76%", Decimal("99.76")), (99.76, Decimal("99.76")), ("  42 ", Decimal(42))],
)
def test_numbers_as_officers_type_them(text, value):
    assert formdefs.parse_number(text) == value


@pytest.mark.parametrize(
    ("form", "stt", "raw", "message"),
    [
        (1, "1", "-3", "phải là số nguyên không âm (nhập -3)"),
        (1, "1", "2,5", "phải là số nguyên không âm (nhập 2,50)"),
        (1, "4.2", "101", "tỷ lệ phải từ 0 đến 100 (nhập 101)"),
        (1, "6", "2", "chỉ nhận 0 = Không; 1 = Có (nhập 2)"),
        (7, "4", "3", "chỉ nhận 0 = Chưa; 1 = Đang làm; 2 = Hoàn thành (nhập 3)"),
        (1, "1", "mười", "«mười» không phải là số"),
        (6, "1", "-1", "số tiền không được âm (nhập -1)"),
        (1, "3", "5", "dòng tiêu đề nhóm, không nhập số liệu"),
    ],
)
def test_wrong_entries_are_refused_in_vietnamese(form, stt, raw, message):
    with pytest.raises(ValueError) as info:
        formdefs.parse_entry(formdefs.get_form(form).row(stt), raw)
    assert str(info.value) == message


def test_revenue_rate_may_exceed_100():
    row = formdefs.get_form(6).row("4.3")
    assert formdefs.parse_entry(row, "120,5") == Decimal("120.50")


def test_values_computed_entered_and_derived():
    form = formdefs.get_form(3)
    figures = {"dossiers": {"by_level": {"tinh": {"resolved_total": 52414, "resolved_in_time": 52249}}},
               "catalogue": {"publications": {"bai_bo": 107, "thay_the": 155}}}
    values = formdefs.compute_values(form, figures, {"1.1": Decimal(3)})
    assert values["3.1"] == Decimal("99.69")
    assert values["1.3"] == Decimal(262)  # bãi bỏ + thay thế
    assert values["1.1"] == Decimal(3)
    assert values["3.2"] is None  # no data, no invented zero


def test_problems_name_the_rows():
    form = formdefs.get_form(2)
    values = formdefs.compute_values(form, {}, {"1": Decimal(4), "1.1": Decimal(1), "1.2": Decimal(2)})
    assert formdefs.problems(form, values) == [("1", "STT 1 (4) khác tổng các STT 1.1, 1.2 (3).")]
    form6 = formdefs.get_form(6)
    values = formdefs.compute_values(form6, {}, {"1": Decimal(10), "1.1": Decimal(6), "1.2": Decimal(4), "2": Decimal(5), "3": Decimal(4)})
    assert formdefs.problems(form6, values) == [("1", "STT 1 (10) khác tổng các STT 2, 3 (9).")]


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=10**9))
def test_a_derived_rate_always_passes_its_own_check(num, den):
    form = formdefs.get_form(2)
    num = min(num, den)
    values = formdefs.compute_values(form, {}, {"3.1": Decimal(den), "3.2": Decimal(num)})
    assert formdefs.problems(form, values) == []
    assert Decimal(0) <= values["3"] <= Decimal(100)


def test_a_rate_row_must_be_a_percent(tmp_path: Path):
    bad = tmp_path / "bieu_mau_8.yaml"
    bad.write_text('number: 8\ntitle: Thử\nrows:\n  - {stt: "1", label: Tỷ lệ, kind: count, rate_of: ["1.1", "1.2"]}\n'
                   '  - {stt: "1.1", label: A, manual: true}\n  - {stt: "1.2", label: B, manual: true}\n', encoding="utf-8")
    with pytest.raises(formdefs.FormDefinitionError, match="Biểu mẫu 8, STT 1: dòng có `rate_of` phải có `kind: percent`"):
        formdefs.load_form(bad)
