"""The satisfaction summary of the citizens' ratings (TT 01/2018/TT-VPCP Điều 13): sample, levels, criteria, and by
level, channel, way of rating and unit, from SQL; each equal to a count of the same ratings made here (issue #12, item 6)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime as dt

from cchc.ratings.models import Rating
from cchc.ratings.service import criteria
from cchc.stats.satisfaction import satisfaction_figures
from tests.stats.conftest import add_dossier

Q3 = (date(2023, 7, 1), date(2023, 9, 30))

# (unit, channel, via, satisfaction, scores c1..c9 (None: not applicable), rated on)
RATINGS = [
    ("agency", 1, "tai_quay", "rat_hai_long", [2, 2, 2, 2, 2, 2, 2, 2, 2], dt(2023, 7, 5, 9)),
    ("agency", 2, "chu_ho_so", "hai_long", [2, 1, 2, 2, None, 2, 1, None, None], dt(2023, 8, 1, 9)),
    ("agency", 2, "chu_ho_so", "khong_hai_long", [0, 0, 1, 1, None, 1, 0, None, None], dt(2023, 9, 30, 23, 59)),
    ("district", 1, "tai_quay", "hai_long", [2, 2, 2, 1, 2, 2, 2, 1, None], dt(2023, 7, 20, 10)),
    ("commune_old", 3, "tai_quay", "rat_hai_long", [2, 2, 2, 2, 2, 2, 2, 2, 2], dt(2023, 8, 15, 10)),
    ("commune_old", 1, "tai_quay", "hai_long", [1, 2, 2, 2, 2, 2, 2, 2, None], dt(2023, 9, 1, 10)),
    ("agency", 1, "tai_quay", "khong_hai_long", [0, 0, 0, 0, 0, 0, 0, 0, 0], dt(2023, 6, 30, 23, 59)),  # before Q3
    ("agency", 1, "tai_quay", "rat_hai_long", [2] * 9, dt(2023, 10, 1, 0, 0)),  # after Q3
]


def build_ratings(db, P):
    rows = []
    for n, (unit_key, channel, via, satisfaction, scores, at) in enumerate(RATINGS):
        unit = getattr(P, unit_key)
        proc = {"agency": P.proc_tinh, "district": P.proc_huyen, "commune_old": P.proc_xa}[unit_key]
        d = add_dossier(db, unit, proc, "da_tra_ket_qua", dt(2023, 6, 1, 8), ended_at=dt(2023, 6, 20, 8), channel=channel,
                        code=f"HS-DG-{n:04d}")
        db.flush()
        given = [s for s in scores if s is not None]
        db.add(Rating(dossier_id=d.id, unit_id=d.unit_id, procedure_id=d.procedure_id, via=via, satisfaction=satisfaction,
                      total=sum(given), max_total=2 * len(given), rated_at=at,
                      **{f"c{i}": s for i, s in enumerate(scores, start=1)}))
        rows.append((unit, d.level, channel, via, satisfaction, scores, at))
    db.flush()
    return rows


def _independent(rows, start: date, end: date, keep=lambda r: True):
    """The same figures counted here over the ratings built, not by cchc."""
    inside = [r for r in rows if start <= r[6].date() <= end and keep(r)]
    levels = Counter(r[4] for r in inside)
    points = sum(sum(s for s in r[5] if s is not None) for r in inside)
    maxima = sum(2 * len([s for s in r[5] if s is not None]) for r in inside)
    return inside, levels, points, maxima


def test_summary_sample_levels_and_criteria(db, province):
    rows = build_ratings(db, province)
    f = satisfaction_figures(db, province.province, *Q3)
    inside, levels, points, maxima = _independent(rows, *Q3)
    assert f["ratings"] == len(inside) == 6
    assert (f["very_satisfied"], f["satisfied"], f["not_satisfied"]) == (levels["rat_hai_long"], levels["hai_long"],
                                                                        levels["khong_hai_long"]) == (2, 3, 1)
    assert f["satisfied_total"] == 5 and f["rate"] == 83.33
    assert (f["points"], f["max_points"]) == (points, maxima) == (78, 92) and f["score_rate"] == 84.78
    by_number = {c["number"]: c for c in f["criteria"].values()}
    assert list(f["criteria"]) == [str(c.number) for c in criteria()]
    assert by_number[1]["name"] == criteria()[0].name
    c1 = [r[5][0] for r in inside]
    assert (by_number[1]["rated"], by_number[1]["points"], by_number[1]["average"], by_number[1]["rate"]) == (
        len(c1), sum(c1), 1.5, 75.0)
    assert (by_number[9]["rated"], by_number[9]["points"], by_number[9]["rate"]) == (2, 4, 100.0)  # only where it applies
    assert by_number[5]["rated"] == 4


def test_by_level_channel_way_and_unit_add_up(db, province):
    rows = build_ratings(db, province)
    f = satisfaction_figures(db, province.province, *Q3)
    for key, field in (("by_level", 1), ("by_channel", 2), ("by_via", 3)):
        assert sum(g["ratings"] for g in f[key].values()) == f["ratings"], key
        assert sum(g["satisfied_total"] for g in f[key].values()) == f["satisfied_total"], key
    assert f["by_level"]["tinh"]["ratings"] == 3 and f["by_level"]["tinh"]["rate"] == 66.67
    assert f["by_level"]["xa"] == {**f["by_level"]["xa"], "ratings": 2, "very_satisfied": 1, "satisfied": 1, "rate": 100.0}
    assert (f["by_channel"]["truc_tuyen"]["ratings"], f["by_channel"]["truc_tuyen"]["rate"]) == (2, 50.0)
    assert (f["by_channel"]["buu_chinh"]["ratings"], f["by_channel"]["truc_tiep"]["ratings"]) == (1, 3)
    assert (f["by_via"]["chu_ho_so"]["ratings"], f["by_via"]["tai_quay"]["ratings"]) == (2, 4)
    units = list(f["by_unit"].values())
    assert [u["unit_code"] for u in units] == [province.agency.code, province.district.code, province.commune_old.code]
    assert [u["ratings"] for u in units] == [3, 1, 2] and sum(u["ratings"] for u in units) == f["ratings"]
    inside, levels, *_ = _independent(rows, *Q3, keep=lambda r: r[0] is province.agency)
    assert units[0]["not_satisfied"] == levels["khong_hai_long"] == 1


def test_a_unit_sees_its_subtree_and_nothing_is_zero_by_accident(db, province):
    build_ratings(db, province)
    district = satisfaction_figures(db, province.district, *Q3)  # the huyện and its xã
    assert district["ratings"] == 3 and list(district["by_unit"]) == [str(province.district.id), str(province.commune_old.id)]
    empty = satisfaction_figures(db, province.commune_new, *Q3)
    assert empty["ratings"] == 0 and empty["rate"] is None and empty["score_rate"] is None
    assert all(c["rated"] == 0 and c["rate"] is None and c["average"] is None for c in empty["criteria"].values())
    assert empty["by_unit"] == {}
