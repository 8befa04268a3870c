"""Reading figures: Vietnamese number writing, what is not a count, and the breakdown of a sentence."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cchc.verify.figures import label_key, numbers, parse_items, parse_scalar

D = Decimal


@pytest.mark.parametrize(("text", "table", "value"), [
    ("184.027", False, D(184027)), ("03", False, D(3)), ("99,90", False, D("99.90")), ("246,613", False, D("246.613")),
    ("52,414", True, D(52414)), ("21.985.346.717", False, D(21985346717)), ("1.234,5", False, D("1234.5")),
    ("49,14,52", False, None), ("3.4", False, None),
])
def test_parse_scalar(text, table, value):
    assert parse_scalar(text, table_count=table)[0] == value


def test_what_is_not_a_count():
    text = ("Số 265/BC-UBND ngày 15/6/2023, Nghị định số 45/2020/NĐ-CP, năm 2023, tổng đài 1022, ISO 9001:2015, "
            "trong 6 tháng, đạt 99,76%, xếp thứ 42/63, đạt 49,14,52 tỷ đồng, 505/541 thủ tục, 1.081 DVC")
    kinds = {n.text: n.kind for n in numbers(text)}
    assert "265" not in kinds and "45" not in kinds and "29" not in kinds
    assert kinds["15/6/2023"] == "date"
    assert kinds["2023"] == "other" and kinds["1022"] == "other" and kinds["6"] == "other"
    assert [n.kind for n in numbers("đến 2030 và 2023 hồ sơ")] == ["other", "year"]
    assert kinds["99,76"] == "percent" and kinds["49,14,52"] == "unreadable"
    assert kinds["42/63"] == "date"  # a rank ("xếp thứ 42/63") is no fraction to check
    assert kinds["505/541"] == "fraction" and kinds["1.081"] == "count"


def test_nested_breakdown():
    text = ("Thống kê từ ngày 15/12/2023 đến 12/6/2024, tổng số nhiệm vụ đã giao trên phần mềm là 6.038 nhiệm vụ, "
            "trong đó đã hoàn thành 4.182 nhiệm vụ (bao gồm đúng hạn 4.078, hoàn thành chậm 104), số nhiệm vụ chưa "
            "hoàn thành là 1.856 nhiệm vụ (bao gồm trong hạn 1.793, quá hạn 63).")
    [total] = [i for i in parse_items(text) if i.children]
    assert total.value == 6038
    assert [c.value for c in total.children] == [4182, 1856]
    assert [[g.value for g in c.children] for c in total.children] == [[4078, 104], [1793, 63]]


def test_rate_attached_and_label_carried():
    text = ("+ Kết quả giải quyết và trả kết quả huyện: 1.034 hồ sơ (trong đó, giải quyết đúng hạn: 1.033 hồ sơ, "
            "đạt tỷ lệ 99,90%; trễ hạn: 01 hồ sơ, chiếm tỷ lệ 0,10%; đang giải quyết chưa đến hạn 00 hồ sơ).")
    [item] = parse_items(text)
    assert item.label.endswith("Kết quả giải quyết và trả kết quả huyện:")
    assert [(c.value, c.rate.text if c.rate else None) for c in item.children] == [
        (1033, "99,90"), (1, "0,10"), (0, None)]


def test_label_key_keeps_the_named_quantity():
    assert label_key("- Tổng hợp, cập nhật: Tổng số TTHC thuộc thẩm quyền quản lý, theo dõi của Tỉnh:") == \
        "tong so tthc thuoc tham quyen quan ly theo doi cua tinh"
