"""The 766 index: the scoring formula, the bands, the definition file, and scores on known data."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cchc.errors import ValidationError
from cchc.feedback.models import Feedback
from cchc.procedures.models import Publication
from cchc.stats.index766 import (
    STATUS_MONITORING,
    STATUS_NO_DATA,
    STATUS_NOT_COMPUTABLE,
    STATUS_SCORED,
    band,
    compute_index,
    definition,
    explain_indicator,
    score,
)
from tests.stats.test_dossiers import Q3_END, Q3_START, build_q3


def test_score_formula_with_and_without_threshold():
    assert score(85.0, 6, 80) == 6.0  # above the threshold: full points
    assert score(80.0, 6, 80) == 6.0
    assert score(40.0, 6, 80) == 3.0  # 40 × 6 / 80
    assert score(66.67, 6, 90) == 4.44
    assert score(66.67, 20, None) == 13.33  # 66.67 × 20 / 100
    assert score(100.0, 4, None) == 4.0
    with pytest.raises(ValidationError):
        score(-1, 6, None)


@given(st.floats(0, 100), st.sampled_from([2, 4, 6, 12, 20]), st.one_of(st.none(), st.sampled_from([50, 80, 90])))
def test_score_is_monotonic_and_bounded(rate, maximum, threshold):
    s = score(rate, maximum, threshold)
    assert 0 <= s <= maximum
    assert score(min(100.0, rate + 5), maximum, threshold) >= s
    if threshold and rate >= threshold:
        assert s == maximum


@pytest.mark.parametrize(("total", "label"), [(100, "Xuất sắc"), (90, "Xuất sắc"), (89.99, "Tốt"), (80, "Tốt"),
                                               (79.5, "Khá"), (70, "Khá"), (69.99, "Trung bình"), (50, "Trung bình"),
                                               (49.99, "Yếu"), (0, "Yếu")])
def test_bands(total, label):
    assert band(total) == label


def test_definition_adds_up_to_100_and_is_data():
    d = definition()
    assert sum(g["maximum"] for g in d["groups"]) == 100
    assert {g["name"]: g["maximum"] for g in d["groups"]} == {
        "Công khai, minh bạch": 18, "Tiến độ, kết quả giải quyết": 20, "Số hóa hồ sơ": 22,
        "Cung cấp dịch vụ trực tuyến": 22, "Mức độ hài lòng": 18}


def test_a_definition_whose_group_does_not_add_up_is_refused(tmp_path, monkeypatch):
    (tmp_path / "index766.yaml").write_text(
        "bands: [{min: 0, label: 'Yếu'}]\ngroups:\n  - id: '1'\n    name: 'Nhóm'\n    maximum: 10\n"
        "    indicators:\n      - {id: '1.1', name: 'A', maximum: 4, metric: dossier_sync}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CCHC_STATS_DIR", str(tmp_path))
    with pytest.raises(ValidationError) as exc:
        definition()
    assert "tổng điểm các chỉ số là 4" in exc.value.message


def _known(db, province):
    c = build_q3(db, province)
    for d in c.values():  # a sync recorded for every dossier (the flag is false until one is)
        d.synced_dvcqg = True
    d3 = c["d3"]  # the one online dossier of the toàn trình procedure
    d3.result_digitized = True
    d3.components_digitized = True
    d3.fee_amount = 50000
    d3.paid_online = 1
    db.flush()
    return c


def test_index_on_known_data(db, province):
    _known(db, province)
    r = compute_index(db, province.province, Q3_START, Q3_END)
    by_id = {i.id: i for i in r.indicators}

    def check(iid, n, d, rate, pts):
        i = by_id[iid]
        assert (i.numerator, i.denominator, i.rate, i.score, i.status) == (n, d, rate, pts, STATUS_SCORED), iid

    check("1.4", 12, 12, 100.0, 6.0)
    check("2.1", 10, 15, 66.67, 13.33)  # 4 resolved in time + 3 ended without result + 3 within / 15
    check("3.1", 2, 3, 66.67, 5.0)  # threshold 80: 66.67 × 6 / 80
    check("3.3", 1, 12, 8.33, 1.0)  # threshold 50
    check("3.5", 1, 2, 50.0, 1.25)
    check("3.5b", 1, 2, 50.0, 1.0)
    check("3.6", 1, 1, 100.0, 6.0)
    check("4.1", 1, 5, 20.0, 1.2)
    check("4.2", 1, 5, 20.0, 1.0)
    check("4.3", 0, 12, 0.0, 0.0)
    check("4.5a", 0, 3, 0.0, 0.0)
    check("5.4", 10, 15, 66.67, 4.44)  # 15 − (1 late + 4 overdue)
    for iid in ("1.1", "1.2", "1.3", "5.2", "5.3"):
        assert by_id[iid].status == STATUS_NO_DATA and by_id[iid].score is None
    assert by_id["4.ct"].status == STATUS_NOT_COMPUTABLE
    assert by_id["2.2"].status == STATUS_MONITORING
    assert [i.id for i in r.not_computable] == ["4.ct"]
    groups = {g.id: g.score for g in r.groups}
    assert groups == {"1": 6.0, "2": 13.33, "3": 14.25, "4": 2.2, "5": 4.44}
    # 40,22 points over the 74 points scored (1.1–1.3, 5.2, 5.3 không phát sinh, 4.ct not computable): 54,35/100
    assert (r.raw_total, r.scored_maximum, r.measured_maximum) == (40.22, 74.0, 74.0)
    assert r.total == 54.35 and r.band == "Trung bình" and r.ranked
    assert r.as_dict()["not_computable"] == ["4.ct"]


def test_dossier_satisfaction_counts_disliked_dossiers_once(db, province):
    """5.4: a dissatisfied rating or a PAKN about a dossier makes it «bad» once, even when it is late too;
    a satisfied rating, a PAKN about no dossier and a rating outside the window change nothing."""
    from cchc.ratings.models import Rating

    c = _known(db, province)

    def rating(d, satisfaction):
        db.add(Rating(dossier_id=d.id, unit_id=d.unit_id, procedure_id=d.procedure_id, via="chu_ho_so", total=0,
                      max_total=18, satisfaction=satisfaction))

    rating(c["d3"], "khong_hai_long")  # in time → bad
    rating(c["d12"], "khong_hai_long")  # late already: counted once
    rating(c["d17"], "hai_long")
    rating(c["d1"], "khong_hai_long")  # ended before the window: not received in it
    base = dict(unit_id=province.district.id, category="quy_dinh_tthc", channel="cong_dvc", sender_name="Lê Văn Cường",
                content="Nội dung", received_at=datetime(2023, 8, 1, 8), state="moi")
    db.add(Feedback(code="PAKN-HS", dossier_id=c["d2"].id, **base))  # about an in-time dossier → bad
    db.add(Feedback(code="PAKN-KHAC", **base))  # about no dossier
    db.flush()
    i = {x.id: x for x in compute_index(db, province.province, Q3_START, Q3_END).indicators}["5.4"]
    assert (i.numerator, i.denominator, i.rate) == (8, 15, 53.33)  # 15 − (1 late + 4 overdue + 2 disliked)
    explained = explain_indicator(db, province.province, Q3_START, Q3_END, "5.4")
    assert (explained["numerator"], explained["denominator"]) == (8, 15)
    assert c["d3"].code not in explained["numerator_codes"] and c["d2"].code not in explained["numerator_codes"]


def test_publication_and_feedback_indicators(db, province):
    P = province
    # 1.1: decision 5 working days before the legal basis takes effect (on time) and 2 days before (late).
    db.add(Publication(procedure_id=P.proc_tinh.id, decision_no="1/QĐ-UBND", decision_date=date(2023, 7, 3), kind="moi",
                       legal_effective_date=date(2023, 7, 10), published_on=date(2023, 7, 5)))
    db.add(Publication(procedure_id=P.proc_huyen.id, decision_no="2/QĐ-UBND", decision_date=date(2023, 7, 6), kind="sua_doi",
                       legal_effective_date=date(2023, 7, 10), published_on=date(2023, 7, 20)))
    base = dict(unit_id=P.district.id, category="quy_dinh_tthc", channel="cong_dvc", sender_name="Trần Thị Bình",
                content="Nội dung")
    db.add(Feedback(code="PAKN-1", received_at=datetime(2023, 7, 3, 9), state="da_cong_khai", answered_on_time=True,
                    published_on_time=True, likes=3, dislikes=1, **base))
    db.add(Feedback(code="PAKN-2", received_at=datetime(2023, 7, 4, 9), state="da_cong_khai", answered_on_time=False,
                    likes=0, dislikes=0, **base))
    db.add(Feedback(code="PAKN-3", received_at=datetime(2023, 7, 5, 9), state="cho_cong_khai", answered_on_time=True,
                    likes=0, dislikes=2, **base))
    db.add(Feedback(code="PAKN-4", received_at=datetime(2023, 8, 1, 9), state="dang_xu_ly",
                    resolve_due_at=datetime(2023, 8, 22, 17), **base))
    db.flush()
    r = compute_index(db, P.province, Q3_START, Q3_END)
    by_id = {i.id: i for i in r.indicators}
    assert (by_id["1.1"].numerator, by_id["1.1"].denominator) == (1, 2)
    assert (by_id["1.2"].numerator, by_id["1.2"].denominator) == (1, 2)
    assert (by_id["5.2"].numerator, by_id["5.2"].denominator, by_id["5.2"].score) == (2, 4, 3.0)
    assert (by_id["5.3"].numerator, by_id["5.3"].denominator) == (1, 4)
    e = explain_indicator(db, P.province, Q3_START, Q3_END, "5.2")
    assert e["kind"] == "pakn" and e["numerator_codes"] == ["PAKN-1", "PAKN-3"]
    assert e["denominator_codes"] == ["PAKN-1", "PAKN-2", "PAKN-3", "PAKN-4"]
    e = explain_indicator(db, P.province, Q3_START, Q3_END, "1.1")
    assert e["numerator_codes"] == ["1.000001"] and e["denominator_codes"] == ["1.000001", "1.000002"]


def test_explain_indicator_lists_dossiers_and_procedures(db, province):
    c = _known(db, province)
    e = explain_indicator(db, province.province, Q3_START, Q3_END, "3.6")
    assert e["kind"] == "ho_so" and e["numerator_codes"] == [c["d3"].code] == e["denominator_codes"]
    e = explain_indicator(db, province.province, Q3_START, Q3_END, "2.1", limit=3)
    assert (e["numerator"], e["denominator"]) == (10, 15) and len(e["denominator_codes"]) == 3
    e = explain_indicator(db, province.province, Q3_START, Q3_END, "3.1")
    assert e["kind"] == "thu_tuc" and e["numerator_codes"] == ["1.000001", "1.000002"]
    e = explain_indicator(db, province.province, Q3_START, Q3_END, "4.ct")
    assert e["computable"] is False and "chứng thực" in e["note"]
    with pytest.raises(ValidationError) as exc:
        explain_indicator(db, province.province, Q3_START, Q3_END, "9.9")
    assert "Không có chỉ số «9.9»" in exc.value.message


def test_zero_denominator_rule_is_data(db, province, tmp_path, monkeypatch):
    from cchc.stats.loader import DEFAULT_DIR

    text = (DEFAULT_DIR / "index766.yaml").read_text(encoding="utf-8").replace("zero_denominator: rescale",
                                                                                "zero_denominator: full")
    (tmp_path / "index766.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("CCHC_STATS_DIR", str(tmp_path))
    r = compute_index(db, province.province, date(2019, 1, 1), date(2019, 3, 31))
    empty = [i for i in r.indicators if i.denominator == 0]
    assert len(empty) > 10 and all(i.status == STATUS_SCORED and i.score == i.maximum for i in empty)
