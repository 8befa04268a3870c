"""The report's text: the seeds' sentences with exact figures, narrative from file and database."""

from __future__ import annotations

from datetime import date

import pytest

from cchc.errors import ValidationError
from cchc.periods import resolve_period
from cchc.reform import service as reform
from cchc.reports.assembly import build_report, dossier_blocks, narrative_blocks
from cchc.reports.markdown import render

from .conftest import seed_figures, trend_provider

MISSING = "(Chưa có nội dung do đơn vị nhập cho mục này.)"


def make(db, unit, period, figures=None, **kw):
    data = figures if figures is not None else seed_figures()
    return build_report(db, unit, period, report_date=date(2023, 9, 20), figures_provider=lambda *a: data,
                        trend_provider=trend_provider, **kw)


def section(report, key):
    return next(s for s in report.sections if s.key == key)


def test_dossier_sentences_read_like_seed_000(db, units, period):
    text = render(make(db, units["office"], period))
    assert (
        "Tổng số hồ sơ TTHC đã tiếp nhận từ ngày 15/6/2023 – 14/9/2023 là: 184.027; trong đó: Số mới tiếp nhận trong kỳ: "
        "162.637 (trực tuyến: 83.273, trực tiếp và qua dịch vụ bưu chính: 79.364); số từ kỳ trước chuyển qua: 21.390."
    ) in text
    assert "- Số lượng hồ sơ đã giải quyết: 152.104; trong đó, giải quyết trước hạn: 129.398, đúng hạn: 21.206, trễ hạn: 1.500." in text
    assert "Tỷ lệ hồ sơ giải quyết đúng và trước hạn đạt 99,01% trên tổng số hồ sơ đã giải quyết." in text
    assert "- Số lượng hồ sơ đang giải quyết: 10.277; trong đó, trong hạn: 9.547, quá hạn: 730." in text
    assert "từ chối giải quyết: 1.046, công dân rút hồ sơ: 20.000, dừng xử lý: 600." in text
    assert "(cấp tỉnh 60.000 hồ sơ, cấp huyện 20.000 hồ sơ, cấp xã 104.027 hồ sơ)" in text
    assert (
        "+ Cấp tỉnh (sở, ban, ngành): tiếp nhận 60.000 hồ sơ, trong đó đã giải quyết 52.414 hồ sơ (giải quyết đúng và trước hạn "
        "52.249 hồ sơ, đạt tỷ lệ 99,69%; quá hạn 165 hồ sơ); đang giải quyết 4.986 hồ sơ (trong hạn 4.800 hồ sơ, quá hạn 186 hồ sơ)."
    ) in text
    assert "tổng số tiếp nhận là 78 PAKN, đã giải quyết xong 78 PAKN, đạt 100%." in text


def test_online_digitisation_and_payment_sentences_read_like_seed_004(db, units, period):
    text = render(make(db, units["office"], period))
    assert "Tỷ lệ hồ sơ trực tuyến toàn trình đạt 70,68% (42.260/59.789 hồ sơ); tỷ lệ hồ sơ trực tuyến một phần đạt 62,50% (206.913/331.084 hồ sơ)." in text
    assert "Tỷ lệ số hóa hồ sơ khi tiếp nhận đạt 97,79% (không tính tồn đầu kỳ), trong đó: cấp tỉnh đạt 99,61%, cấp huyện đạt 94,76%" in text
    assert "Tỷ lệ số hóa kết quả đạt 88,51% trên tổng số hồ sơ đã giải quyết, trong đó: cấp tỉnh đạt 70,09%" in text
    assert "đã tích hợp 505/541 thủ tục hành chính có yêu cầu nghĩa vụ tài chính để thanh toán trực tuyến, đạt tỷ lệ 93,35%" in text
    assert "Tỷ lệ DVC có phát sinh hồ sơ nộp trực tuyến đạt 79,92% (426/533 dịch vụ)." in text
    # as seed 004 writes it: a kind with nothing published is not listed as «0 TTHC» (issue 12 item 5)
    assert "đã công bố 450 TTHC (81 TTHC ban hành mới, 262 TTHC sửa đổi, bổ sung, 107 TTHC bãi bỏ)." in text
    assert " 0 TTHC" not in text


def test_header_follows_nd30_and_the_unit(db, units, period):
    r = make(db, units["office"], period)
    h = r.header
    assert h.superior == "UBND TỈNH ĐỒNG THÁP"
    assert h.body == ["VĂN PHÒNG UBND TỈNH"]
    assert h.place_date == "Đồng Tháp, ngày 20 tháng 9 năm 2023"
    assert h.subject == "Công tác cải cách hành chính quý III năm 2023"
    assert h.window == "(số liệu tính từ 15/6/2023 đến 14/9/2023)"
    assert h.recipient == "Sở Nội vụ tỉnh Đồng Tháp"
    assert h.number.endswith("/BC-VP")
    assert h.signature == ["KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG"]
    assert r.closing == "Trên đây là báo cáo kết quả thực hiện công tác cải cách hành chính quý III năm 2023 của Văn phòng UBND tỉnh./."


def test_area_unit_reports_as_its_peoples_committee(db, units, period):
    r = make(db, units["province"], period)
    assert r.header.superior == ""
    assert r.header.body == ["ỦY BAN NHÂN DÂN", "TỈNH ĐỒNG THÁP"]
    assert r.header.signature == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert r.header.recipient == "Bộ Nội vụ"
    assert r.unit_name == "Ủy ban nhân dân tỉnh Đồng Tháp"


def test_missing_narrative_is_said_plainly_never_invented(db, units, period):
    r = make(db, units["office"], period)
    for key in ("I.1", "I.2", "I.3", "I.4", "I.5", "II.1", "V"):
        assert [b.text for b in section(r, key).blocks] == [MISSING], key
    # a section with sub-sections carries no notice above them (issue 12 item 4: no placeholder above real content)
    for key in ("I", "II", "III"):
        assert section(r, key).blocks == [], key
    assert MISSING not in [b.text for b in section(r, "II.2").blocks]
    # what the system drafts from the figures is marked as a draft, block by block, never as the unit's words
    for key in ("III.1", "III.2", "III.3", "IV"):
        blocks = section(r, key).blocks
        assert blocks[0].kind == "draft_note" and all(b.draft for b in blocks), key


def test_narrative_from_file_and_from_database(db, units, period):
    office = units["office"]
    reform.set_narrative(db, None, office, period.start, period.end, "IV", "1. Tiếp tục rà soát TTHC.")
    reform.set_narrative(db, None, office, period.start, period.end, "V", "Không có.")
    text = "# I\nBan hành Kế hoạch số 36/KH-VPUBND.\n\n## Mặt tích cực\n- Chuyển biến tích cực.\n\n# V. KIẾN NGHỊ, ĐỀ XUẤT\nĐề nghị bổ sung biên chế.\n"
    r = make(db, office, period, narrative=text)
    assert [b.text for b in section(r, "I").blocks][0] == "Ban hành Kế hoạch số 36/KH-VPUBND."
    assert [(b.kind, b.text) for b in section(r, "III.1").blocks] == [("bullet", "Chuyển biến tích cực.")]
    assert [b.text for b in section(r, "IV").blocks] == ["1. Tiếp tục rà soát TTHC."]  # from the database
    assert [b.text for b in section(r, "V").blocks] == ["Đề nghị bổ sung biên chế."]  # the file wins
    assert section(r, "III.2").blocks[0].kind == "draft_note"  # not written: the system's draft, marked as one


def test_header_keys_from_narrative(db, units, period):
    text = "# Kính gửi\nỦy ban nhân dân tỉnh\n# Số\n265\n# Người ký\nHuỳnh Thanh Sơn\n# Nơi nhận\n- UBND Tỉnh (b/c);\n- Sở Nội vụ;\n- Lưu: VT.\n"
    r = make(db, units["office"], period, narrative=text)
    assert r.header.recipient == "Ủy ban nhân dân tỉnh"
    assert r.header.number == "Số: 265/BC-VP"
    assert r.header.signer == "Huỳnh Thanh Sơn"
    assert r.header.recipients == ["UBND Tỉnh (b/c);", "Sở Nội vụ;", "Lưu: VT."]


def test_unknown_narrative_heading_is_refused_with_its_line(db, units, period):
    with pytest.raises(ValidationError, match="dòng 3"):
        make(db, units["office"], period, narrative="# I\nNội dung.\n# Mục lạ\n")


def test_zero_figures_are_phrased_naturally(db, units, period):
    figures = seed_figures()
    d = figures["dossiers"]
    for key in list(d):
        if isinstance(d[key], int):
            d[key] = 0
    d["on_time_rate"] = None
    d["by_level"], d["by_unit"] = {}, []
    figures["digitisation"] = {}
    blocks = dossier_blocks(figures, period)
    assert blocks[-1].text == "Từ ngày 15/6/2023 – 14/9/2023, không phát sinh hồ sơ TTHC tiếp nhận trên Hệ thống thông tin giải quyết TTHC."
    figures["feedback"] = {"available": True, "received": 0, "resolved": 0, "rate": None}
    r = make(db, units["office"], period, figures=figures)
    assert "trong quý III năm 2023, không phát sinh PAKN." in render(r)


def test_manual_figures_become_sentences_and_table_values(db, units, period):
    office = units["office"]
    entries = [
        reform.Entry(1, "6", 1), reform.Entry(1, "6.1", 1081),
        reform.Entry(2, "1", 4), reform.Entry(2, "1.1", 0), reform.Entry(2, "1.2", 4),
        reform.Entry(4, "2.1", 59), reform.Entry(4, "2.2", 57), reform.Entry(4, "2.3", 17),
        reform.Entry(5, "7.2", 0),
        reform.Entry(6, "2", 10169000000), reform.Entry(6, "2.1", 7226007903),
    ]
    reform.set_figures(db, None, office, period.start, period.end, entries)
    r = make(db, office, period)
    text = render(r)
    assert "Có thực hiện khảo sát sự hài lòng của người dân, tổ chức." in text
    assert "Số lượng phiếu khảo sát: 1.081 số lượng." in text or "1.081" in text
    assert "Trong quý III năm 2023, Văn phòng UBND tỉnh xây dựng và ban hành 4 văn bản quy phạm pháp luật." in text
    assert "Biên chế được cấp có thẩm quyền giao: 59 biên chế; biên chế thực hiện (có mặt): 57 biên chế; số lượng ký hợp đồng lao động theo Nghị định số 111/2022/NĐ-CP: 17 hợp đồng." in text
    assert "chưa phát hiện trường hợp vi phạm phải xử lý kỷ luật." in text
    assert "Kinh phí thực hiện tự chủ: 10.169.000.000 đồng; số kinh phí đã thực hiện: 7.226.007.903 đồng, đạt tỷ lệ 71,06%." in text
    # parts named by a total's sentence are not repeated on their own
    assert "Số kinh phí đã thực hiện:" not in text
    table = {t.form.number: t for t in r.tables}[6]
    assert table.display(table.form.row("2.2")) == "71,06%"


def test_custom_window_is_named_by_its_dates(db, units):
    p = resolve_period(None, "01/7/2023", "13/9/2023")
    r = make(db, units["office"], p)
    assert r.header.subject == "Công tác cải cách hành chính từ 01/7/2023 đến 13/9/2023"
    assert "Tổng số hồ sơ TTHC đã tiếp nhận từ ngày 1/7/2023 – 13/9/2023 là: 184.027" in render(r)


def test_trend_has_the_last_four_periods(db, units, period):
    r = make(db, units["office"], period)
    assert [p.label for p in r.trend] == ["quý IV năm 2022", "quý I năm 2023", "quý II năm 2023", "quý III năm 2023"]
    assert r.trend[-1].on_time_rate == pytest.approx(99.01)
    assert r.trend[-1].online_rate == pytest.approx(51.2)


def test_narrative_blocks_keep_lists_and_paragraphs():
    blocks = narrative_blocks("Dòng một\ntiếp tục.\n\n- Ý một\n+ Ý con\n### Tiểu mục\n1. Việc thứ nhất.")
    assert [(b.kind, b.text) for b in blocks] == [
        ("para", "Dòng một tiếp tục."), ("bullet", "Ý một"), ("sub", "Ý con"), ("subheading", "Tiểu mục"),
        ("para", "1. Việc thứ nhất."),
    ]



def test_directions_are_titled_with_the_next_period(db, units, period):
    assert section(make(db, units["office"], period), "IV").title == "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ IV NĂM 2023"
    assert section(make(db, units["office"], resolve_period("2024-H1")), "IV").title == "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ 6 THÁNG CUỐI NĂM 2024"
    custom = resolve_period(None, "01/7/2023", "13/9/2023")
    assert section(make(db, units["office"], custom), "IV").title == "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI"
