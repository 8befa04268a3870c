"""Issue 12 item 4 — the sections people would otherwise write: section I from the registers (blank, not 0,
where nothing was entered), III and IV drafted from the figures and marked as drafts, a typed section replacing
the sentences it covers, no placeholder above real content, and a People's Committee whose dossiers its
service centre receives."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from cchc.dossiers.enums import State
from cchc.procedures.models import Procedure
from cchc.reform import service as reform
from cchc.reform.activities import create_activity, create_inspection
from cchc.reform.directives import create_document
from cchc.reform.plan import create_item
from cchc.reports.assembly import TrendPoint, build_report
from cchc.reports.drafting import causes, directions, strengths, weaknesses
from cchc.reports.markdown import render

from .conftest import add_unit, seed_figures, trend_provider
from .test_real_data import dossier

MISSING = "(Chưa có nội dung do đơn vị nhập cho mục này.)"
RULES = {"on_time_good": 95, "group_strong": 90, "group_weak": 80, "rate_weak": 50, "change_noted": 1, "most": 3}


def section(report, key):
    return next(s for s in report.sections if s.key == key)


def texts(report, key):
    return [b.text for b in section(report, key).blocks]


def table(report, number):
    t = {t.form.number: t for t in report.tables}[number]
    return {r.stt: t.display(r) for r in t.form.rows}


# --- section I from the registers -----------------------------------------------------------------

def test_registers_never_kept_are_blank_not_zero(db, units, period):
    """The office keeps no register and was given no task: Biểu mẫu 1 is blank where it showed 0, section I asks."""
    report = build_report(db, units["office"], period, report_date=date(2023, 9, 20))
    b1 = table(report, 1)
    for stt in ("1", "2", "2.1", "2.2", "3.1", "3.2", "3.3.1", "3.3.2", "5.1", "5.2", "5.3", "5.4"):
        assert b1[stt] == "", stt
    for key in ("I.1", "I.2", "I.3", "I.4", "I.5"):
        assert texts(report, key) == [MISSING], key
    assert report.figures["registers"] == dict.fromkeys(("plan", "directives", "inspections", "communication", "tasks"), False)


def test_a_kept_register_speaks_even_when_nothing_happened(db, units, period):
    office = units["office"]
    create_document(db, None, office, number="36/KH-VP", kind="ke_hoach", issued_on=date(2022, 12, 29),
                    subject="Kế hoạch cải cách hành chính năm 2023")
    create_inspection(db, None, office, inspected_on=date(2023, 2, 7), inspected_name="Phòng Tổng hợp", target_kind="noi_bo")
    create_activity(db, None, office, held_on=date(2023, 1, 10), kind="bai_viet", count=2)
    for code, status in (("1", "hoan_thanh"), ("2", "hoan_thanh"), ("3", "dang_thuc_hien")):
        create_item(db, None, office, year=2023, code=code, content=f"Nhiệm vụ {code}", status=status,
                    completed_at=date(2023, 5, 1) if status == "hoan_thanh" else None)
    report = build_report(db, office, period, report_date=date(2023, 9, 20))
    b1 = table(report, 1)
    assert (b1["1"], b1["2.1"], b1["2.2"], b1["2"], b1["3.1"], b1["3.3.1"]) == ("0", "3", "2", "66,67%", "0", "0")
    assert b1["5.1"] == ""  # no task ever recorded: still blank
    assert texts(report, "I.1") == [
        "Kết quả, quý III năm 2023 Văn phòng UBND tỉnh đã hoàn thành 2/3 chỉ tiêu nhiệm vụ của kế hoạch cải cách hành chính năm 2023, đạt 66,67%."
    ]
    assert texts(report, "I.2") == ["Trong quý III năm 2023, Văn phòng UBND tỉnh không ban hành văn bản chỉ đạo, điều hành mới về cải cách hành chính."]
    assert texts(report, "I.3") == ["Trong quý III năm 2023, Văn phòng UBND tỉnh không tổ chức kiểm tra cải cách hành chính."]
    assert texts(report, "I.4") == ["Trong quý III năm 2023, Văn phòng UBND tỉnh không tổ chức hoạt động tuyên truyền cải cách hành chính."]
    assert texts(report, "I.5") == [MISSING]


def test_registers_in_the_period_are_listed_as_the_seeds_list_them(db, units, period):
    office = units["office"]
    create_document(db, None, office, number="103/QĐ-VP", kind="quyet_dinh", issued_on=date(2023, 8, 15),
                    subject="Ban hành Quy định chức năng, nhiệm vụ các phòng trực thuộc")
    create_activity(db, None, office, held_on=date(2023, 7, 10), kind="hoi_nghi", count=3, participants=120)
    report = build_report(db, office, period, report_date=date(2023, 9, 20))
    assert texts(report, "I.2") == [
        "Trong quý III năm 2023, Văn phòng UBND tỉnh đã ban hành 1 văn bản chỉ đạo, điều hành về cải cách hành chính, gồm:",
        "Quyết định số 103/QĐ-VP ngày 15/8/2023 về Ban hành Quy định chức năng, nhiệm vụ các phòng trực thuộc.",
    ]
    assert "tuyên truyền được 3 cuộc, có 120 lượt" in texts(report, "I.4")[0]
    assert table(report, 1)["1"] == "1"


# --- a typed section replaces what it covers; no placeholder above real content ---------------------

def test_a_typed_section_replaces_the_sentences_it_covers(db, units, period):
    office = units["office"]
    create_document(db, None, office, number="312/VP-HCC", kind="cong_van", issued_on=date(2023, 7, 20),
                    subject="về việc tăng cường dịch vụ công trực tuyến")
    reform.set_figures(db, None, office, period.start, period.end, [reform.Entry(2, "1", 5), reform.Entry(2, "1.2", 5)])
    untyped = build_report(db, office, period, report_date=date(2023, 9, 20), figures_provider=None)
    assert "văn bản quy phạm pháp luật" in " ".join(texts(untyped, "II.1"))  # the figure entered by hand speaks…
    assert MISSING not in texts(untyped, "II.1")  # …and no placeholder stands above it
    assert texts(untyped, "I.2")[1].startswith("Công văn số 312/VP-HCC")

    typed = "## I.2\nBan hành Công văn số 312/VP-HCC về dịch vụ công trực tuyến.\n\n## II.1\nBan hành 05 văn bản QPPL.\n\n## II.2\nGhi chú của đơn vị.\n"
    report = build_report(db, office, period, report_date=date(2023, 9, 20), narrative=typed)
    assert texts(report, "I.2") == ["Ban hành Công văn số 312/VP-HCC về dịch vụ công trực tuyến."]
    assert texts(report, "II.1") == ["Ban hành 05 văn bản QPPL."]  # the unit's words, not both
    ii2 = texts(report, "II.2")
    assert ii2[0] == "Ghi chú của đơn vị." and len(ii2) > 1  # beside the system's figures, which stay
    assert table(report, 2)["1"] == "5"  # the table keeps the figure


# --- drafts of III and IV --------------------------------------------------------------------------

def drafting_figures() -> dict:
    figures = seed_figures()
    figures["by_field"] = [
        {"field_code": "HT", "field_name": "Hộ tịch", "new_total": 900, "new_online": 500, "resolved_total": 800, "resolved_in_time": 780,
         "resolved_late": 20, "in_progress_overdue": 5, "on_time_rate": 97.5, "online_rate": 55.56},
        {"field_code": "DD", "field_name": "Đất đai", "new_total": 500, "new_online": 100, "resolved_total": 400, "resolved_in_time": 340,
         "resolved_late": 60, "in_progress_overdue": 30, "on_time_rate": 85.0, "online_rate": 20.0},
        {"field_code": "CT", "field_name": "Chứng thực", "new_total": 300, "new_online": 250, "resolved_total": 300, "resolved_in_time": 300,
         "resolved_late": 0, "in_progress_overdue": 0, "on_time_rate": 100.0, "online_rate": 83.33},
    ]
    figures["index766"] = {"groups": [
        {"id": "2", "name": "Tiến độ, kết quả giải quyết", "score": 19.5, "scored_maximum": 20, "indicators": []},
        {"id": "4", "name": "Số hóa hồ sơ", "score": 8, "scored_maximum": 20, "indicators": [
            {"id": "4.2", "name": "Tỷ lệ số hóa kết quả", "maximum": 8, "score": 2, "rate": 25.0, "numerator": 25, "denominator": 100,
             "measured": True, "status": "scored"},
            {"id": "4.1", "name": "Tỷ lệ số hóa hồ sơ", "maximum": 8, "score": 6, "rate": 75.0, "numerator": 75, "denominator": 100,
             "measured": True, "status": "scored"},
        ]},
    ]}
    return figures


def trend(on_time_before: float, online_before: float, figures: dict) -> list[TrendPoint]:
    d = figures["dossiers"]
    online = round(d["new_online"] * 100 / d["new_total"], 2)
    return [TrendPoint("quý I năm 2023", None, None), TrendPoint("quý II năm 2023", on_time_before, online_before),
            TrendPoint("quý III năm 2023", d["on_time_rate"], online)]


def test_strengths_weaknesses_causes_and_directions_come_from_the_figures():
    figures = drafting_figures()
    points = trend(97.5, 60.0, figures)  # on time up 1,51 points, online down 8,8 points since quý II
    good = [t for _, t in strengths(figures, points, RULES)]
    assert good[0] == (
        "Tỷ lệ hồ sơ giải quyết đúng và trước hạn đạt 99,01% (150.604/152.104 hồ sơ), tăng 1,51 điểm phần trăm so với kỳ trước "
        "(quý II năm 2023: 97,50%)."
    )
    assert any("tiến độ, kết quả giải quyết 19,50/20 điểm (97,50%)" in t for t in good)
    bad = [t for _, t in weaknesses(figures, points, RULES)]
    assert bad[0] == (
        "Còn 1.500 hồ sơ giải quyết trễ hạn và 730 hồ sơ đang giải quyết quá hạn; nhiều nhất ở: Xã (987 hồ sơ trễ hạn, "
        "443 hồ sơ quá hạn); Huyện (348 hồ sơ trễ hạn, 101 hồ sơ quá hạn); Sở (165 hồ sơ trễ hạn, 186 hồ sơ quá hạn); "
        "theo lĩnh vực: Đất đai (60 hồ sơ trễ hạn, 30 hồ sơ quá hạn); Hộ tịch (20 hồ sơ trễ hạn, 5 hồ sơ quá hạn)."
    )
    assert ("Tỷ lệ hồ sơ nộp trực tuyến đạt 51,20% (83.273/162.637 hồ sơ mới tiếp nhận), giảm 8,80 điểm phần trăm so với kỳ trước "
            "(quý II năm 2023: 60%).") in bad
    assert "Các nhóm chỉ số 766 đạt thấp: số hóa hồ sơ 8/20 điểm (40%)." in bad
    why = [t for _, t in causes(figures, points, RULES)]
    assert why[0].startswith("Nhóm chỉ số «số hóa hồ sơ» đạt thấp chủ yếu do chỉ số 4.2 «Tỷ lệ số hóa kết quả» đạt 25% (25/100), 2/8 điểm;")
    assert "lĩnh vực Đất đai, Hộ tịch" in why[-1]
    plan = [t for _, t in directions(figures, points, RULES, year=2023)]
    assert [t.split(". ", 1)[0] for t in plan] == [str(i) for i in range(1, len(plan) + 1)]  # numbered 1, 2, 3 …
    assert plan[0].startswith("1. Xử lý dứt điểm 730 hồ sơ đang giải quyết quá hạn tại Xã, Sở, Huyện;")
    assert "Đất đai, Hộ tịch" in plan[1] and "«số hóa hồ sơ»" in plan[2]


def test_a_rate_that_did_not_move_is_not_called_a_trend():
    figures = drafting_figures()
    points = trend(98.9, 51.0, figures)  # both within 1 point of quý II
    assert not any("so với kỳ trước" in t for _, t in strengths(figures, points, RULES) + weaknesses(figures, points, RULES))


def test_drafts_are_marked_and_the_units_text_replaces_them(db, units, period):
    figures = drafting_figures()
    make = lambda **kw: build_report(db, units["office"], period, report_date=date(2023, 9, 20), figures_provider=lambda *a: figures,  # noqa: E731
                                     trend_provider=trend_provider, **kw)
    report = make()
    for key in ("III.1", "III.2", "III.3", "IV"):
        blocks = section(report, key).blocks
        assert blocks[0].kind == "draft_note" and blocks[0].text.startswith("Dự thảo do hệ thống lập từ số liệu") and all(b.draft for b in blocks)
    assert not any(b.draft for s in report.sections if s.key not in ("III.1", "III.2", "III.3", "IV") for b in s.blocks)
    text = render(report)
    assert "> - Còn 1.500 hồ sơ giải quyết trễ hạn" in text  # quoted in Markdown, never as the unit's own words
    written = make(narrative="## Hạn chế\n- Còn hồ sơ trễ hạn ở lĩnh vực đất đai.\n\n# IV\n1. Tập trung giải quyết hồ sơ đất đai.\n")
    assert [(b.kind, b.text, b.draft) for b in section(written, "III.2").blocks] == [("bullet", "Còn hồ sơ trễ hạn ở lĩnh vực đất đai.", False)]
    assert texts(written, "IV") == ["1. Tập trung giải quyết hồ sơ đất đai."]
    assert section(written, "III.1").blocks[0].kind == "draft_note"  # the sections not written keep their drafts


# --- a People's Committee whose service centre receives its dossiers ---------------------------------

def test_a_peoples_committee_reports_the_dossiers_of_its_service_centre(db, units, period):
    commune = add_unit(db, "000.30.00.H87", "Xã An Bình", "xa", "xa", parent=units["province"], is_area=True)
    committee = add_unit(db, "000.30.01.H87", "Ủy ban nhân dân xã An Bình", "xa", "ubnd", parent=commune)
    centre = add_unit(db, "000.30.02.H87", "Trung tâm Phục vụ hành chính công xã An Bình", "xa", "trung_tam_hcc", parent=commune)
    proc = Procedure(code="2.000001", name="Đăng ký khai sinh", levels="xa", online_level="toan_trinh", time_amount=Decimal(1),
                     time_unit="ngay_lam_viec")
    db.add(proc)
    db.flush()
    t = datetime
    dossier(db, centre, proc, State.FINISHED, t(2023, 7, 3, 9), t(2023, 7, 4, 9), t(2023, 7, 5), 2, "truoc_han")
    dossier(db, centre, proc, State.FINISHED, t(2023, 8, 3, 9), t(2023, 8, 9, 9), t(2023, 8, 7), 1, "qua_han")
    dossier(db, centre, proc, State.PROCESSING, t(2023, 9, 4, 9), None, t(2023, 9, 30), 2)
    db.flush()
    report = build_report(db, committee, period, report_date=date(2023, 9, 20), trend_periods=0)
    assert report.header.body == ["ỦY BAN NHÂN DÂN", "XÃ AN BÌNH"] and report.header.number.endswith("/BC-UBND")
    assert report.figures["dossiers"]["received_total"] == 3  # not the zeros of the committee's own (empty) subtree
    text = render(report)
    assert ("Hồ sơ TTHC của xã An Bình do Trung tâm Phục vụ hành chính công xã An Bình tiếp nhận, giải quyết; "
            "số liệu dưới đây gồm toàn bộ các hồ sơ đó.") in text
    assert "Tổng số hồ sơ TTHC đã tiếp nhận từ ngày 15/6/2023 – 14/9/2023 là: 3;" in text
    assert table(report, 3)["3.3.1"] == "2"


@pytest.mark.parametrize("key", ["I.1", "I.5", "III.3"])
def test_new_sections_are_narrative_keys(key):
    assert key in reform.narrative_keys()
    assert reform.normalise_section(key) == key


def test_a_consolidation_speaks_of_counts_it_added_up(period):
    """A consolidated report adds up its units' registers: counts without lists, a plan without its own year."""
    from cchc.reports.assembly import register_blocks

    said = register_blocks({"directives": {"count": 2}, "plan": {"total": 12, "done": 8, "rate": 66.67}}, period, "Ủy ban nhân dân tỉnh Đồng Tháp")
    assert [b.text for b in said["directives"]] == [
        "Trong quý III năm 2023, Ủy ban nhân dân tỉnh Đồng Tháp đã ban hành 2 văn bản chỉ đạo, điều hành về cải cách hành chính."
    ]
    assert said["plan"][0].text.endswith("kế hoạch cải cách hành chính năm 2023, đạt 66,67%.")


def test_a_trend_is_compared_with_the_previous_period_and_the_first_one():
    figures = drafting_figures()
    points = [TrendPoint("quý IV năm 2022", 96.0, 65.0), *trend(97.5, 60.0, figures)]
    good = [t for _, t in strengths(figures, points, RULES)]
    assert good[0].endswith(
        "tăng 1,51 điểm phần trăm so với kỳ trước (quý II năm 2023: 97,50%) và 3,01 điểm phần trăm so với quý IV năm 2022 (96%)."
    )
    bad = [t for _, t in weaknesses(figures, points, RULES)]
    assert any(t.endswith("giảm 8,80 điểm phần trăm so với kỳ trước (quý II năm 2023: 60%) và 13,80 điểm phần trăm so với quý IV năm 2022 (65%).")
               for t in bad)
    # a first period on the other side of the move is not named
    other = [TrendPoint("quý IV năm 2022", 99.9, 40.0), *trend(97.5, 60.0, figures)]
    assert "quý IV năm 2022" not in " ".join(t for _, t in strengths(figures, other, RULES) + weaknesses(figures, other, RULES))
