"""The checks on the four seeds (each finding verified by hand) and on consistent text in the seeds' phrasing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cchc.verify import check_report_file, check_report_text
from cchc.verify.rules import rate_matches
from cchc.vn import fmt_decimal, fmt_int

D = Decimal

SEEDS = {
    "000_f313d9ce77219ae5.txt": [
        # 104.695 + 16.903 + 1.310 = 122.908, the text says 122.098 (two digits swapped)
        ("tong_thanh_phan", D(122098), D(122908)),
        # received 184.027 but resolved 152.104 + in progress 10.277 = 162.381 (21.646 in no group)
        ("tong_thanh_phan", D(184027), D(162381)),
        # second window: 153.404 received, 122.098 + 10.992 = 133.090
        ("tong_thanh_phan", D(153404), D(133090)),
        # "Tổng số TTHC thuộc thẩm quyền … tính đến thời điểm báo cáo": 1.833 then 1.815
        ("mau_thuan", D(1815), D(1833)),
        # sections I, II, III, then "VI. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ III NĂM 2023": IV and V are missing …
        ("danh_so", None, None),
        # … and the directions of a quý III report are for quý III (the next period is quý IV)
        ("ky_bao_cao", None, None),
    ],
    "001_28e96bcc1b24155b.txt": [
        # "đạt 49,14,52 tỷ đồng so với dự toán 487,273": unreadable; 239,426/487,273 = 49,14%
        ("khong_doc_duoc", None, D("49.14")),
        # cấp huyện received 1.043, resolved 1.034 + in progress 00 = 1.034
        ("tong_thanh_phan", D(1043), D(1034)),
    ],
    "002_7eaaa9fbbb774b1b.txt": [
        # 244 tasks, the four groups 77 + 15 + 120 + 24 = 236
        ("tong_thanh_phan", D(244), D(236)),
        # "Quyết định số 31/QĐ-VP ngày 31/4/2019": April has 30 days
        ("ngay_thang", None, None),
    ],
    "004_ed68a66bad1b506e.txt": [
        ("tong_thanh_phan", D(150969), D(146414)),
        ("tong_thanh_phan", D(140394), D(140370)),
        ("tong_thanh_phan", D(6020), D(6015)),
        # "1.071 DVCTT … (trong đó có 848 DVCTT toàn trình đạt 79,25% trên tổng số DVCTT đã tích hợp": 848/1.071 = 79,18%
        ("ty_le", D("79.25"), D("79.18")),
        # Biểu mẫu 3, 3.2: 9,751/10,099 = 96,55%, stated 98,57%
        ("ty_le", D("98.57"), D("96.55")),
        # text: 140.061 on time of 140.394; appendix 3.1–3.3 resolved sum to 140.394 but on time to 139.857
        ("phu_luc", D(140061), D(139857)),
    ],
}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_findings(shared_dir, name):
    problems = check_report_file(shared_dir / "seeds" / name)
    assert [(p.kind, p.stated, p.computed) for p in problems] == SEEDS[name]
    for p in problems:
        assert p.sentence and p.explanation and p.where


def test_seed_explanations_say_what_is_wrong(shared_dir):
    problems = check_report_file(shared_dir / "seeds" / "000_f313d9ce77219ae5.txt")
    assert "21.646 hồ sơ không thuộc nhóm đã giải quyết hoặc đang giải quyết" in problems[1].explanation
    assert problems[0].explanation == "Tổng ghi 122.098 nhưng các thành phần cộng lại 104.695 + 16.903 + 1.310 = 122.908 (chênh 810)."
    assert "Tổng số TTHC thuộc thẩm quyền quản lý, theo dõi của Tỉnh tính đến thời điểm báo cáo" in problems[3].explanation


CONSISTENT = """
Tổng số hồ sơ TTHC đã tiếp nhận từ ngày 15/6/2023 – 14/9/2023 là: 184.027; trong đó: Số mới tiếp nhận trong kỳ: 162.637 (trực tuyến: 83.273, trực tiếp và qua dịch vụ bưu chính: 79.364); số từ kỳ trước chuyển qua: 21.390.

- Số lượng hồ sơ đã giải quyết: 173.750; trong đó, giải quyết trước hạn: 151.044, đúng hạn: 21.206, trễ hạn: 1.500.

- Số lượng hồ sơ đang giải quyết: 10.277; trong đó, trong hạn: 9.547, quá hạn: 730.

Đến nay, tổng số thủ tục hành chính (TTHC) được công bố thuộc thẩm quyền giải quyết của huyện là **410 TTHC** (trong đó, cấp huyện: **262 TTHC**; cấp xã: **148 TTHC**).

- Số TTHC thực hiện theo cơ chế một cửa liên thông là 14/410 thủ tục, chiếm tỷ lệ 3,4% (trong đó: liên thông cùng cấp 11 thủ tục; liên thông giữa các cấp chính quyền 03 thủ tục).

+ Kết quả giải quyết và trả kết quả huyện: 1.034 hồ sơ (trong đó, giải quyết đúng hạn: 1.033 hồ sơ, đạt tỷ lệ 99,90%; trễ hạn: 01 hồ sơ, chiếm tỷ lệ 0,10%; đang giải quyết chưa đến hạn 00 hồ sơ).

Thống kê từ ngày 15/12/2023 đến 12/6/2024, tổng số nhiệm vụ đã giao trên phần mềm là 6.038 nhiệm vụ, trong đó đã hoàn thành 4.182 nhiệm vụ (bao gồm đúng hạn 4.078, hoàn thành chậm 104), số nhiệm vụ chưa hoàn thành là 1.856 nhiệm vụ (bao gồm trong hạn 1.793, quá hạn 63). Tỷ lệ hoàn thành đúng hạn là 96,07%.

Trong quý III/2023, tổng số tiếp nhận là 78 PAKN, đã giải quyết xong 78 PAKN, đạt 100%.

+ Đã tích hợp 505/541 thủ tục hành chính có yêu cầu nghĩa vụ tài chính trên Cổng Dịch vụ công tỉnh, đạt tỷ lệ 93,35%.

Năm 2023: Kinh phí được sử dụng: 21.985.346.717 đồng. Thu ngân sách Q2/2023: 246,613 tỷ đồng; nâng tổng số thu NSNN (tính đến ngày 28/5/2023): 347,344 tỷ đồng, đạt 70,76% so với dự toán tỉnh giao 490,873 tỷ đồng.

Thực hiện Nghị định số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020; Số 265/BC-UBND; Quyết định số 29/2023/QĐ-UBND ngày 23/6/2023; tổng đài 1022.
"""

TABLE = [
    ["1.4.", "Tổng số TTHC thuộc thẩm quyền giải quyết tại địa phương", "Thủ tục", "1877", ""],
    ["1.4.1.", "Số TTHC cấp tỉnh", "Thủ tục", "1465", ""],
    ["1.4.2.", "Số TTHC cấp huyện", "Thủ tục", "261", ""],
    ["1.4.3.", "Số TTHC cấp xã", "Thủ tục", "151", ""],
    ["3.1.", "Tỷ lệ hồ sơ TTHC do các sở, ngành tiếp nhận được giải quyết đúng hạn", "%", "99,69%", ""],
    ["3.1.1.", "Tổng số hồ sơ TTHC đã giải quyết xong", "Hồ sơ", "52,414", ""],
    ["3.1.2.", "Số hồ sơ TTHC giải quyết đúng hạn", "Hồ sơ", "52,249", ""],
    ["6.5.", "Tỷ lệ TTHC được tích hợp, triển khai thành toán trực tuyến", "%", "93,35", ""],
    ["6.5.1", "Tổng số TTHC có yêu cầu nghĩa vụ tài chính", "Thủ tục", "541", ""],
    ["6.5.2", "Số TTHC đã được tích hợp, triển khai thành toán trực tuyến", "Thủ tục", "505", ""],
]


def test_consistent_text_gives_nothing():
    assert check_report_text(CONSISTENT, TABLE) == []


@pytest.mark.parametrize(("old", "new", "kind"), [
    ("đúng hạn: 21.206", "đúng hạn: 21.207", "tong_thanh_phan"),
    ("cấp xã: **148 TTHC**", "cấp xã: **149 TTHC**", "tong_thanh_phan"),
    ("chiếm tỷ lệ 3,4%", "chiếm tỷ lệ 3,5%", "ty_le"),
    ("đạt tỷ lệ 99,90%", "đạt tỷ lệ 99,80%", "ty_le"),
    ("hoàn thành chậm 104", "hoàn thành chậm 105", "tong_thanh_phan"),
    ("đã giải quyết xong 78 PAKN", "đã giải quyết xong 77 PAKN", "ty_le"),
    ("đạt tỷ lệ 93,35%", "đạt tỷ lệ 93,53%", "ty_le"),
    ("đạt 70,76% so", "đạt 70,67% so", "ty_le"),
])
def test_one_wrong_figure_gives_one_problem(old, new, kind):
    assert old in CONSISTENT
    problems = check_report_text(CONSISTENT.replace(old, new), TABLE)
    assert [p.kind for p in problems] == [kind]


@pytest.mark.parametrize(("code", "value", "kind"), [("1.4.3.", "152", "tong_thanh_phan"), ("3.1.2.", "52,149", "ty_le")])
def test_one_wrong_table_cell_gives_one_problem(code, value, kind):
    table = [row if row[0] != code else [row[0], row[1], row[2], value, ""] for row in TABLE]
    assert [p.kind for p in check_report_text(CONSISTENT, table)] == [kind]


def test_a_subset_is_not_a_breakdown():
    text = "Toàn tỉnh có 1.071 DVCTT, trong đó có 848 DVCTT toàn trình và 100 DVCTT một phần."
    assert check_report_text(text) == []
    bigger = "Toàn tỉnh có 1.071 DVCTT, trong đó có 1.848 DVCTT toàn trình và 100 DVCTT một phần."
    assert [(p.kind, p.stated, p.computed) for p in check_report_text(bigger)] == [("tong_thanh_phan", D(1071), D(1848))]


def test_approximate_totals_are_not_checked():
    assert check_report_text("Ban Tiếp công dân tỉnh đã tiếp nhận tổng cộng hơn 716 đơn (346 đơn đủ điều kiện, 300 đơn khác).") == []


def test_rounding_half_up_or_truncated():
    assert rate_matches(D("99.69"), 2, D(52249), D(52414))  # 99,6852 → 99,69
    assert rate_matches(D("99.68"), 2, D(52249), D(52414))  # truncated
    assert not rate_matches(D("99.70"), 2, D(52249), D(52414))
    assert rate_matches(D("3.4"), 1, D(14), D(410))


levels = st.integers(min_value=0, max_value=999_999)


@settings(max_examples=60, deadline=None)
@given(early=levels, on_time=levels, late=levels, within=levels, overdue=levels, new=levels, carried=levels,
       online_share=st.integers(0, 100))
def test_generated_consistent_figures_give_nothing(early, on_time, late, within, overdue, new, carried, online_share):
    resolved, progress = early + on_time + late, within + overdue
    received = resolved + progress
    new = min(new, received)  # the new dossiers are some of the received ones, the rest carried over
    online = new * online_share // 100
    carried = received - new
    text = (
        f"Tổng số hồ sơ TTHC đã tiếp nhận từ ngày 15/6/2023 – 14/9/2023 là: {fmt_int(received)}; trong đó: Số mới "
        f"tiếp nhận trong kỳ: {fmt_int(new)} (trực tuyến: {fmt_int(online)}, trực tiếp và qua dịch vụ bưu chính: "
        f"{fmt_int(new - online)}); số từ kỳ trước chuyển qua: {fmt_int(carried)}.\n\n"
        f"- Số lượng hồ sơ đã giải quyết: {fmt_int(resolved)}; trong đó, giải quyết trước hạn: {fmt_int(early)}, "
        f"đúng hạn: {fmt_int(on_time)}, trễ hạn: {fmt_int(late)}.\n\n"
        f"- Số lượng hồ sơ đang giải quyết: {fmt_int(progress)}; trong đó, trong hạn: {fmt_int(within)}, "
        f"quá hạn: {fmt_int(overdue)}.\n"
    )
    assert check_report_text(text) == []
    if late > 0:
        wrong = text.replace(f"trễ hạn: {fmt_int(late)}.", f"trễ hạn: {fmt_int(late - 1)}.")
        problems = check_report_text(wrong)
        assert [(p.kind, p.stated, p.computed) for p in problems] == [
            ("tong_thanh_phan", D(resolved), D(resolved - 1))]


@settings(max_examples=80, deadline=None)
@given(den=st.integers(1, 500_000), data=st.data(), places=st.sampled_from([0, 1, 2]))
def test_generated_rates(den, data, places):
    num = data.draw(st.integers(0, den))
    pct = fmt_decimal(D(num) * 100 / D(den), places) if places else str(
        (D(num) * 100 / D(den)).quantize(D(1), rounding="ROUND_HALF_UP"))
    huyen = num
    text = (f"+ Kết quả giải quyết và trả kết quả huyện: {fmt_int(den)} hồ sơ (trong đó, giải quyết đúng hạn: "
            f"{fmt_int(huyen)} hồ sơ, đạt tỷ lệ {pct}%; trễ hạn: {fmt_int(den - huyen)} hồ sơ).\n\n"
            f"- Đã tích hợp {fmt_int(num)}/{fmt_int(den)} thủ tục hành chính, đạt tỷ lệ {pct}%.\n")
    assert check_report_text(text) == []
    step = D(1).scaleb(-places)
    stated = D(pct.replace(".", "").replace(",", "."))
    wrong_value = stated + step * 2 if stated + step * 2 <= 100 else stated - step * 2
    wrong = fmt_decimal(wrong_value, places) if places else str(int(wrong_value))
    bad = text.replace(f"{pct}%", f"{wrong}%")
    assert [p.kind for p in check_report_text(bad)] == ["ty_le", "ty_le"]


tokens = st.sampled_from(["1.033", "03", "99,90%", "(", ")", "trong đó", ";", ",", " và ", "đạt", "tỷ lệ", "14/410",
                          "49,14,52", "hồ sơ", "tiếp nhận", "đã giải quyết", "đang giải quyết", "tổng cộng", ":", ".",
                          "cấp huyện", "so với", "15/6/2023", "\t", "\n", "|", "**", "3.1."])


@settings(max_examples=150, deadline=None)
@given(st.lists(tokens, max_size=60))
def test_any_text_is_read_without_crashing(parts):
    text = " ".join(parts)
    for p in check_report_text(text):
        assert p.kind in ("tong_thanh_phan", "ty_le", "mau_thuan", "phu_luc", "khong_doc_duoc")
        assert p.explanation


def test_tong_so_before_a_figure_is_a_total():
    text = "Đến nay có tổng số 6.038 nhiệm vụ, trong đó đã hoàn thành 4.182 nhiệm vụ, chưa hoàn thành 1.855 nhiệm vụ."
    assert [(p.kind, p.stated, p.computed) for p in check_report_text(text)] == [("tong_thanh_phan", D(6038), D(6037))]


def test_a_running_total_in_parenthesis_is_no_part():
    text = ("Đã đồng bộ 147.437 hồ sơ lên Cổng DVC Quốc gia (nâng tổng số hồ sơ trực tuyến của tỉnh được nộp qua Cổng "
            "Dịch vụ công Quốc gia lên 333.293 hồ sơ; đồng bộ tổng số 1.015.153 hồ sơ).")
    assert check_report_text(text) == []
