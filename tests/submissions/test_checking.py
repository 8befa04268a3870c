"""What the check of a unit's document may hold up: what the unit typed, never what cchc computed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from cchc.reform import directives
from cchc.reform import service as reform
from cchc.submissions import checking, service
from cchc.verify import Problem
from tests.submissions.conftest import PERIOD

ON_TIME = datetime(2024, 6, 18, 9, 0)


def test_typed_text_against_a_figure_the_system_computed_needs_acknowledgement(db, world):
    w = world
    leader = w.leaders[w.so_tp.id]
    for i in range(5):  # the register counts 5 directive documents: Biểu mẫu 1, STT 1 = 5
        directives.create_document(db, None, w.so_tp, number=f"{i + 1}/KH-STP", kind="ke_hoach",
                                   issued_on=date(2024, 1, 10 + i), subject=f"Kế hoạch cải cách hành chính số {i + 1}")
    reform.set_narrative(db, None, w.so_tp, PERIOD.start, PERIOD.end, "V",
                         "Trong 6 tháng đầu năm 2024, đơn vị đã ban hành 03 văn bản chỉ đạo, điều hành về CCHC.")
    sub = service.prepare_from_cchc(db, leader, w.so_tp, PERIOD, now=ON_TIME)
    assert [(p["kind"], p["stated"], p["computed"], p["origin"]) for p in sub.problems] == [("phu_luc", "3", "5", "typed")]
    assert "mục 1 «Số văn bản chỉ đạo CCHC đã ban hành» ghi 5" in sub.problems[0]["explanation"]
    assert service.typed_warnings(sub) == sub.problems


def test_a_finding_in_what_cchc_wrote_never_holds_up_the_submission(db, world, monkeypatch):
    w = world
    leader = w.leaders[w.so_tp.id]
    generated = "Số lượng hồ sơ đã giải quyết: 7; trong đó, giải quyết trước hạn: 5, đúng hạn: 0, trễ hạn: 2."
    wrong = Problem("tong_thanh_phan", generated, Decimal(7), Decimal(8), "Tổng ghi 7 nhưng các thành phần cộng lại 8.",
                    "7", "8", "đoạn 30")
    monkeypatch.setattr(checking, "check_report_file", lambda path: [wrong])
    sub = service.prepare_from_cchc(db, leader, w.so_tp, PERIOD, now=ON_TIME)
    assert sub.problems == []
    comment = service.events(db, sub)[-1].comment
    assert "1 chỗ nghi ngờ trong câu, bảng do hệ thống tính (không chặn việc gửi" in comment and "đoạn 30" in comment
    sub = service.submit(db, leader, w.so_tp, PERIOD, now=ON_TIME)  # no acknowledgement asked
    assert sub.state == "submitted" and not sub.problems_acknowledged


def test_a_finding_stored_before_findings_had_an_origin_still_counts():
    class Stored:
        problems = [{"kind": "ty_le", "explanation": "…"}, {"kind": "ty_le", "origin": "cchc"}]

    assert service.typed_warnings(Stored()) == [{"kind": "ty_le", "explanation": "…"}]
