"""What a careful reader finds in a report typed by hand, on sentences modelled on the seeds: a total and its parts
in every phrasing the seeds use, a rate whose numerator and denominator stand in the same sentence, an impossible
date, section numbering that skips, a period named wrong, a typed figure that contradicts the system's. Each
sentence as the seeds write it gives nothing; with one figure changed, exactly the one finding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cchc.verify import check_report_text

D = Decimal

TOTALS = {
    # parts in brackets, by level (seed 001)
    "brackets, by level": ("Tiếp nhận giải quyết 22.318 hồ sơ (cấp huyện 1.043 hồ sơ, cấp xã 21.275 hồ sơ).",
                           "cấp xã 21.275 hồ sơ", "cấp xã 21.285 hồ sơ", (D(22318), D(22328))),
    # "trong đó", by level (seed 000)
    "trong đó, by level": ("Tổng số TTHC thuộc thẩm quyền quản lý, theo dõi của Tỉnh tính đến thời điểm báo cáo: 1.815, "
                           "trong đó: cấp tỉnh: 1.360 thủ tục, cấp huyện: 295 thủ tục, cấp xã: 160 thủ tục.",
                           "cấp xã: 160", "cấp xã: 170", (D(1815), D(1825))),
    # "trong đó", by kind of ending (seed 000)
    "trong đó, by kind": ("- Số lượng hồ sơ đã giải quyết: 152.104; trong đó, giải quyết trước hạn: 129.398, đúng hạn: "
                          "21.206, trễ hạn: 1.500.", "trễ hạn: 1.500", "trễ hạn: 1.510", (D(152104), D(152114))),
    # parts in brackets, by kind of publication (seed 004)
    "brackets, by kind of publication": (
        "Văn phòng UBND tỉnh đã tham mưu trình Chủ tịch UBND tỉnh ban hành 42 Quyết định, công bố 450 TTHC (81 TTHC ban "
        "hành mới, 262 TTHC sửa đổi, bổ sung, 107 TTHC bãi bỏ) thuộc phạm vi chức năng quản lý của các cơ quan.",
        "107 TTHC bãi bỏ", "117 TTHC bãi bỏ", (D(450), D(460))),
    # parts in brackets, by online level (seed 001)
    "brackets, by online level": ("+ Tổng số TTHC cấp huyện: 06 lĩnh vực với 262 thủ tục. Trong đó công khai, tích hợp "
                                  "công dịch vụ công: 235 thủ tục (156 một phần, 53 toàn trình, 26 mức độ 2).",
                                  "26 mức độ 2", "36 mức độ 2", (D(235), D(245))),
    # "trong đó" then parts with their own parts in brackets, by state (seed 002)
    "trong đó, by state, nested": (
        "- Từ ngày 12/11/2021 đến ngày 15/9/2022, UBND tỉnh đã giao tổng cộng 236 nhiệm vụ, trong đó: chờ tiếp nhận 77 "
        "nhiệm vụ (trong hạn: 14 nhiệm vụ, quá hạn: 63 nhiệm vụ); chưa hoàn thành 15 nhiệm vụ (trong hạn: 01 nhiệm vụ, "
        "quá hạn: 14 nhiệm vụ); đã hoàn thành 120 nhiệm vụ (trong hạn: 94 nhiệm vụ, quá hạn: 26 nhiệm vụ); chờ kết thúc 24 "
        "nhiệm vụ (trong hạn: 0 nhiệm vụ, quá hạn: 24 nhiệm vụ).", "quá hạn: 26 nhiệm vụ", "quá hạn: 27 nhiệm vụ",
        (D(120), D(121))),
    # by level, counts of accounts (seed 004)
    "trong đó, accounts by level": ("- Đến nay đã phê duyệt 1.790 tài khoản cấp quyền khai thác CSDLQG về dân cư, trong đó: "
                                    "cấp tỉnh: 558 tài khoản, cấp huyện 471 tài khoản, cấp xã 761 tài khoản.",
                                    "cấp xã 761", "cấp xã 771", (D(1790), D(1800))),
}


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_a_total_and_its_parts_in_every_phrasing(name):
    text, old, new, (stated, computed) = TOTALS[name]
    assert check_report_text(text) == []
    assert old in text
    found = check_report_text(text.replace(old, new))
    assert [(p.kind, p.stated, p.computed) for p in found] == [("tong_thanh_phan", stated, computed)]


RATES = {
    # a fraction then its rate (seed 001)
    "fraction then rate": ("- Số TTHC thực hiện theo cơ chế một cửa liên thông là 14/410 thủ tục, chiếm tỷ lệ 3,4% (trong "
                           "đó: liên thông cùng cấp 11 thủ tục; liên thông giữa các cấp chính quyền 03 thủ tục).",
                           "3,4%", "3,5%", (D("3.5"), D("3.41"))),
    # a part with its rate in the whole it belongs to (seed 004)
    "part, rate of its whole": (
        "- Triển khai tích hợp công khai 1.071 DVCTT của tỉnh lên Cổng Dịch vụ công Quốc gia, đạt 61,98% (trong đó có 848 "
        "DVCTT toàn trình đạt 79,18% trên tổng số DVCTT đã tích hợp, xếp thứ 42/63 tỉnh thành toàn quốc).",
        "79,18%", "79,25%", (D("79.25"), D("79.18"))),
    # received then resolved, the rate of the second in the first (seed 000)
    "received, resolved, rate": ("+ Trong quý III/2023, tổng số tiếp nhận là 78 PAKN, đã giải quyết xong 78 PAKN, đạt 100%.",
                                 "giải quyết xong 78", "giải quyết xong 77", (D(100), D("98.72"))),
    # a part and its rate after a comma, in brackets (seed 001)
    "part, rate after a comma": ("+ Kết quả giải quyết và trả kết quả huyện: 1.034 hồ sơ (trong đó, giải quyết đúng hạn: "
                                 "1.033 hồ sơ, đạt tỷ lệ 99,90%; trễ hạn: 01 hồ sơ, chiếm tỷ lệ 0,10%).",
                                 "99,90%", "99,80%", (D("99.80"), D("99.90"))),
}


@pytest.mark.parametrize("name", sorted(RATES))
def test_a_rate_whose_numerator_and_denominator_stand_in_the_sentence(name):
    text, old, new, (stated, computed) = RATES[name]
    assert check_report_text(text) == []
    found = check_report_text(text.replace(old, new))
    assert [(p.kind, p.stated, p.computed) for p in found] == [("ty_le", stated, computed)]


def test_a_rate_of_another_whole_is_not_checked_against_this_one():
    text = ("- Triển khai tích hợp 1.071 DVCTT, đạt 61,98% (trong đó có 848 DVCTT toàn trình đạt 46,90% trên tổng số TTHC "
            "của tỉnh).")
    assert check_report_text(text) == []


def test_an_impossible_date_and_a_range_running_backwards():
    good = ("- Tổ chức thực hiện tốt Quy chế Văn hóa công sở theo Quyết định số 31/QĐ-VP ngày 30/4/2019 của Chánh Văn "
            "phòng UBND tỉnh; Kế hoạch số 27/KH-UBND ngày 29 tháng 02 năm 2024.\n\n"
            "Tổng số hồ sơ TTHC đã tiếp nhận từ ngày 15/6/2023 – 14/9/2023 là: 184.027.\n")
    assert check_report_text(good) == []
    bad = good.replace("30/4/2019", "31/4/2019").replace("29 tháng 02 năm 2024", "29 tháng 02 năm 2023").replace(
        "15/6/2023 – 14/9/2023", "15/9/2023 – 14/6/2023")
    found = check_report_text(bad)
    assert [(p.kind, p.stated_text) for p in found] == [
        ("ngay_thang", "31/4/2019"), ("ngay_thang", "29/2/2023"), ("ngay_thang", "15/9/2023 – 14/6/2023")]
    assert found[0].explanation == "Ngày «31/4/2019» không có thật: tháng 4 năm 2019 chỉ có 30 ngày."


REPORT = """**BÁO CÁO**

**Công tác cải cách hành chính quý III năm 2023**

*(số liệu tính từ 15/6/2023 đến 14/9/2023)*

## **I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH**

### **1. Kết quả thực hiện của cơ quan**

Văn phòng ban hành kế hoạch ứng dụng công nghệ thông tin.

### **2. Kết quả thực hiện của Ủy ban nhân dân Tỉnh**

Các nhiệm vụ được triển khai kịp thời.

## **II. KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH**

### **1. Cải cách thể chế**

Trong quý III năm 2023, Văn phòng tham mưu ban hành Quyết định số 29/2023/QĐ-UBND ngày 23/6/2023.

### **2. Cải cách TTHC**

Thực hiện Kế hoạch số 27/KH-UBNDHC ngày 31/01/2023.

## **III. ĐÁNH GIÁ CHUNG**

Trong quý III năm 2023, Văn phòng đã triển khai tích cực các nhiệm vụ.

## **IV. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ IV NĂM 2023**

1. Tiếp tục triển khai những nội dung, nhiệm vụ theo Kế hoạch cải cách hành chính.

2. Theo dõi thực hiện tốt công tác kiểm soát, công bố và cải cách TTHC trên địa bàn Tỉnh.

3. Tổ chức kiểm tra nội bộ công tác cải cách hành chính của Văn phòng.

## **V. KIẾN NGHỊ, ĐỀ XUẤT**

Không có.

Trên đây là Báo cáo kết quả thực hiện cải cách hành chính của Văn phòng UBND Tỉnh trong quý III năm 2023./.
"""


def test_a_report_as_the_seeds_lay_it_out_gives_nothing():
    assert check_report_text(REPORT) == []
    six_months = (REPORT.replace("quý III năm 2023**", "6 tháng đầu năm 2023**")
                  .replace("15/6/2023 đến 14/9/2023", "05/01/2023 đến 01/6/2023")  # seed 001's own window
                  .replace("QUÝ IV NĂM 2023", "6 THÁNG CUỐI NĂM 2023").replace("trong quý III năm 2023./.", "6 tháng đầu năm 2023./."))
    assert check_report_text(six_months) == []


@pytest.mark.parametrize(("old", "new", "stated", "should"), [
    ("## **V. KIẾN NGHỊ", "## **VI. KIẾN NGHỊ", "VI", "V"),  # seed 000: III, then VI
    ("### **2. Cải cách TTHC**", "### **3. Cải cách TTHC**", "3", "2"),
    ("3. Tổ chức kiểm tra", "4. Tổ chức kiểm tra", "4", "3"),
])
def test_section_numbering_that_skips(old, new, stated, should):
    found = check_report_text(REPORT.replace(old, new))
    assert [(p.kind, p.stated_text, p.computed_text) for p in found] == [("danh_so", stated, should)]


@pytest.mark.parametrize(("old", "new", "stated"), [
    # the data window of quý I under a quý III title
    ("15/6/2023 đến 14/9/2023", "15/12/2022 đến 14/3/2023", "15/12/2022 – 14/3/2023"),
    # seed 000: the directions of a quý III report «for» quý III
    ("QUÝ IV NĂM 2023", "QUÝ III NĂM 2023", "quý III năm 2023"),
    # the closing sentence about another period
    ("trong quý III năm 2023./.", "trong 6 tháng đầu năm 2023./.", "6 tháng đầu năm năm 2023"),
])
def test_a_period_named_wrong(old, new, stated):
    found = check_report_text(REPORT.replace(old, new))
    assert [p.kind for p in found] == ["ky_bao_cao"]
    assert found[0].stated_text.replace("năm năm", "năm") == stated.replace("năm năm", "năm")


def test_typed_text_against_a_figure_of_the_appendix():
    """«03 văn bản» typed where the register (the appendix row the system computed) counts 5."""
    table = [["1", "Số văn bản chỉ đạo CCHC đã ban hành (Kết luận, chỉ thị, công văn chỉ đạo, quán triệt)", "Văn bản", "5", ""],
             ["1", "Số văn bản quy phạm pháp luật (QPPL) được ban hành trong kỳ", "Văn bản", "4", ""]]
    text = ("- Trong quý III năm 2023, Sở đã ban hành 05 văn bản chỉ đạo, điều hành về CCHC.\n\n"
            "- Trong 6 tháng đầu năm 2023, Ủy ban nhân dân huyện xây dựng và ban hành 04 văn bản quy phạm pháp luật.\n")
    assert check_report_text(text, table) == []
    found = check_report_text(text.replace("05 văn bản", "03 văn bản"), table)
    assert [(p.kind, p.stated, p.computed) for p in found] == [("phu_luc", 3, 5)]
    assert found[0].explanation == ("Phần lời ghi 03 văn bản nhưng phụ lục mục 1 «Số văn bản chỉ đạo CCHC đã ban hành» ghi 5.")
    found = check_report_text(text.replace("04 văn bản", "06 văn bản"), table)
    assert [(p.kind, p.stated, p.computed) for p in found] == [("phu_luc", 6, 4)]
