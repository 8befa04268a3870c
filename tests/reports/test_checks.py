"""The self-check: a report whose totals or rates do not add up is refused and nothing is written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cchc.rates import rate
from cchc.reform import forms as formdefs
from cchc.reports.assembly import FormTable, build_report
from cchc.reports.checks import ReportCheckFailed, check_figures, check_tables
from cchc.reports.output import write_report

from .conftest import seed_figures, trend_provider


def test_consistent_figures_pass():
    assert check_figures(seed_figures()) == []


@pytest.mark.parametrize(
    ("path", "delta", "expected"),
    [
        (("dossiers", "received_total"), 1, "dossiers.received_total = 184.028 nhưng dossiers.carried_over + dossiers.new_total = 184.027."),
        (("dossiers", "resolved_late"), 1, "dossiers.resolved_total = 152.104 nhưng dossiers.resolved_early + dossiers.resolved_on_time + dossiers.resolved_late = 152.105."),
        (("dossiers", "in_progress_overdue"), -1, "dossiers.in_progress_total = 10.277 nhưng dossiers.in_progress_within + dossiers.in_progress_overdue = 10.276."),
    ],
)
def test_a_broken_total_is_caught(path, delta, expected):
    figures = seed_figures()
    node = figures
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] += delta
    assert expected in check_figures(figures)


def test_a_level_that_does_not_add_up_to_the_total_is_caught():
    figures = seed_figures()
    figures["dossiers"]["by_level"]["xa"]["resolved_total"] -= 5
    problems = check_figures(figures)
    assert any(p.startswith("dossiers.resolved_total = 152.104 nhưng dossiers.by_level.*.resolved_total") for p in problems)
    assert any(p.startswith("dossiers.by_level.xa.resolved_total") for p in problems)


def test_a_wrong_rate_is_caught():
    figures = seed_figures()
    figures["online"]["full_online_dossiers"]["rate"] = 70.0
    assert check_figures(figures) == [
        "online.full_online_dossiers.rate = 70 nhưng online.full_online_dossiers.online / online.full_online_dossiers.total × 100 = 70,68."
    ]


def test_a_part_larger_than_its_whole_is_caught():
    figures = seed_figures()
    figures["feedback"]["resolved"] = 79
    figures["feedback"]["rate"] = 101.28
    assert "feedback.resolved = 79 lớn hơn feedback.received = 78." in check_figures(figures)


def test_unavailable_figures_are_not_checked():
    figures = seed_figures()
    figures["feedback"] = {"available": False, "received": None, "resolved": None, "rate": None}
    assert check_figures(figures) == []


def test_form_tables_are_checked():
    form = formdefs.get_form(4)
    values = formdefs.compute_values(form, {}, {"2.1": Decimal(50), "2.2": Decimal(57)})
    problems = check_tables([FormTable(form, values, {})])
    assert problems == ["Biểu mẫu 4: STT 2.2 (57) lớn hơn tổng của nó ở STT 2.1 (50)."]


def test_report_with_a_broken_total_raises_and_writes_nothing(db, units, period, tmp_path):
    figures = seed_figures()
    figures["dossiers"]["new_online"] += 10
    with pytest.raises(ReportCheckFailed) as info:
        report = build_report(db, units["office"], period, report_date=date(2023, 9, 20),
                              figures_provider=lambda *a: figures, trend_provider=trend_provider)
        write_report(report, tmp_path / "bao_cao.md")
    assert "dossiers.new_total = 162.637 nhưng dossiers.new_online + dossiers.new_direct + dossiers.new_postal = 162.647." in info.value.message
    assert info.value.message.startswith("Báo cáo không được ghi ra tệp vì số liệu không khớp")
    assert list(tmp_path.iterdir()) == []


def test_a_broken_earlier_period_in_the_trend_is_caught(db, units, period):
    def broken_trend(session, unit, start, end):
        counts = trend_provider(session, unit, start, end)
        counts["resolved_early"] += 1
        return counts

    with pytest.raises(ReportCheckFailed, match="quý IV năm 2022: dossiers.resolved_total"):
        build_report(db, units["office"], period, report_date=date(2023, 9, 20),
                     figures_provider=lambda *a: seed_figures(), trend_provider=broken_trend)


BUCKETS = ("carried_over", "new_online", "new_direct", "new_postal")
ENDS = ("resolved_early", "resolved_on_time", "resolved_late", "refused", "withdrawn", "stopped", "in_progress_within", "in_progress_overdue")
DERIVED = ("received_total", "new_total", "resolved_total", "resolved_in_time", "in_progress_total")


@st.composite
def one_bucket_per_dossier(draw):
    """Figures built as stats builds them: every dossier lands in exactly one arrival and one end bucket."""
    arrivals = {k: draw(st.integers(0, 10_000)) for k in BUCKETS}
    total = sum(arrivals.values())
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=len(ENDS) - 1, max_size=len(ENDS) - 1)))
    ends = {k: b - a for k, a, b in zip(ENDS, [0, *cuts], [*cuts, total])}
    d = {**arrivals, **ends}
    d["new_total"] = d["new_online"] + d["new_direct"] + d["new_postal"]
    d["received_total"] = d["new_total"] + d["carried_over"]
    d["resolved_in_time"] = d["resolved_early"] + d["resolved_on_time"]
    d["resolved_total"] = d["resolved_in_time"] + d["resolved_late"]
    d["in_progress_total"] = d["in_progress_within"] + d["in_progress_overdue"]
    d["on_time_rate"] = rate(d["resolved_in_time"], d["resolved_total"])
    return d


@given(one_bucket_per_dossier(), st.sampled_from(DERIVED), st.integers(1, 50))
def test_figures_that_add_up_pass_and_any_broken_total_is_caught(dossiers, key, delta):
    assert check_figures({"dossiers": dict(dossiers)}) == []
    broken = dict(dossiers)
    broken[key] += delta
    assert any(p.startswith(f"dossiers.{key} = ") or f"dossiers.{key}" in p for p in check_figures({"dossiers": broken}))
