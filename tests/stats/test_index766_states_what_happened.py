"""The 766 index states only what happened (issue #12, item 1); the DVCQG sync flag is in test_sync_recorded.py.

- An indicator whose denominator is 0 is «không phát sinh» under a rule kept as data (left out with the
  total rescaled, or full points), never a silent 0.
- A unit with too little to score gets no rank, not «0/100 Yếu» (the threshold is data).
- Groups carry the numbers of their indicators; the report names cchc as the source, not the portal.
"""

from __future__ import annotations

from datetime import date

import pytest

from cchc.errors import ValidationError
from cchc.reports.assembly import index766_blocks
from cchc.stats.index766 import STATUS_NO_DATA, STATUS_SCORED, compute_index, definition
from cchc.stats.loader import DEFAULT_DIR
from tests.stats.test_dossiers import Q3_END, Q3_START, build_q3


def _definition_with(tmp_path, monkeypatch, old: str, new: str) -> None:
    text = (DEFAULT_DIR / "index766.yaml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "index766.yaml").write_text(text.replace(old, new), encoding="utf-8")
    monkeypatch.setenv("CCHC_STATS_DIR", str(tmp_path))


# ---- «không phát sinh» is a rule, never a silent 0 ------------------------------------------------

def test_no_data_indicators_are_left_out_and_the_total_rescaled(db, province):
    c = build_q3(db, province)
    for d in c.values():
        d.synced_dvcqg = True
    db.flush()
    r = compute_index(db, province.province, Q3_START, Q3_END)
    empty = [i for i in r.indicators if i.denominator == 0]
    assert {i.id for i in empty} == {"1.1", "1.2", "1.3", "3.6", "5.2", "5.3"}  # 3.6: no dossier with a fee
    assert all(i.status == STATUS_NO_DATA and i.score is None and "Không phát sinh" in i.note for i in empty)
    assert r.zero_denominator == "rescale"
    # 30 points không phát sinh and 2 not computable are not counted as 0: the total is over the 68 scored
    assert r.scored_maximum == 68.0 and r.total == round(r.raw_total * 100 / 68, 2) != r.raw_total


def test_full_points_for_no_data_is_the_other_rule(db, province, tmp_path, monkeypatch):
    build_q3(db, province)
    _definition_with(tmp_path, monkeypatch, "zero_denominator: rescale", "zero_denominator: full")
    r = compute_index(db, province.province, Q3_START, Q3_END)
    empty = [i for i in r.indicators if i.denominator == 0]
    assert all(i.status == STATUS_SCORED and i.score == i.maximum and i.status_label == "Không phát sinh (tính đủ điểm)"
               for i in empty)
    assert r.scored_maximum == 98.0  # only 4.ct (not computable) is left out
    assert r.measured_maximum == 68.0


def test_a_rule_that_is_not_one_of_the_two_is_refused(tmp_path, monkeypatch):
    _definition_with(tmp_path, monkeypatch, "zero_denominator: rescale", "zero_denominator: zero")
    with pytest.raises(ValidationError) as exc:
        definition()
    assert "zero_denominator «zero» không hợp lệ" in exc.value.message


# ---- no rank without enough data ----------------------------------------------------------------

def test_a_unit_with_nothing_to_score_gets_no_rank(db, province):
    r = compute_index(db, province.commune_new, date(2025, 7, 1), date(2025, 9, 30))
    assert not r.ranked and r.total is None and r.band == "Chưa đủ dữ liệu xếp loại"
    assert r.band != "Yếu" and r.measured_maximum < 50
    text = index766_blocks({"index766": r.as_dict()})[0].text
    assert "chưa đủ dữ liệu xếp loại" in text and "Yếu" not in text and "0/100" not in text


def test_the_rank_threshold_is_data(db, province, tmp_path, monkeypatch):
    build_q3(db, province)
    assert compute_index(db, province.province, Q3_START, Q3_END).ranked  # 68 points measured ≥ 50
    _definition_with(tmp_path, monkeypatch, "rank_minimum_points: 50", "rank_minimum_points: 80")
    r = compute_index(db, province.province, Q3_START, Q3_END)
    assert not r.ranked and r.total is None and r.rank_minimum == 80.0 and r.raw_total > 0


# ---- numbering and source -----------------------------------------------------------------------

def test_every_group_lists_its_own_indicators():
    for g in definition()["groups"]:
        ids = [str(i["id"]) for i in g["indicators"]]
        assert all(i.split(".")[0] == str(g["id"]) for i in ids), (g["id"], ids)
    assert [str(g["id"]) for g in definition()["groups"]] == ["1", "2", "3", "4", "5"]


def test_the_report_names_cchc_as_the_source(db, province):
    build_q3(db, province)
    idx = compute_index(db, province.province, Q3_START, Q3_END).as_dict()
    first = index766_blocks({"index766": idx})[0].text
    assert "tính từ số liệu của hệ thống cchc" in first and "Cổng Dịch vụ công quốc gia" not in first
    assert "cung cấp dịch vụ trực tuyến" in first and "số hóa hồ sơ" in first
