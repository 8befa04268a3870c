from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cchc.errors import ValidationError
from cchc.periods import (
    current_quarter,
    custom_period,
    period_for,
    presets_of_year,
    previous_periods,
    resolve_period,
)


@pytest.mark.parametrize(
    ("spec", "start", "end", "kind", "label"),
    [
        ("2023-Q1", date(2022, 12, 15), date(2023, 3, 14), "quy", "quý I năm 2023"),
        ("2023-Q2", date(2023, 3, 15), date(2023, 6, 14), "quy", "quý II năm 2023"),
        ("2023-H1", date(2022, 12, 15), date(2023, 6, 14), "6thang", "6 tháng đầu năm 2023"),
        ("2023-Q3", date(2023, 6, 15), date(2023, 9, 14), "quy", "quý III năm 2023"),
        ("2022-9M", date(2021, 12, 15), date(2022, 9, 14), "9thang", "9 tháng đầu năm 2022"),
        ("2023-Q4", date(2023, 9, 15), date(2023, 12, 14), "quy", "quý IV năm 2023"),
        ("2023-Y", date(2022, 12, 15), date(2023, 12, 14), "nam", "năm 2023"),
        ("2024-h1", date(2023, 12, 15), date(2024, 6, 14), "6thang", "6 tháng đầu năm 2024"),
        ("Q3/2023", date(2023, 6, 15), date(2023, 9, 14), "quy", "quý III năm 2023"),
    ],
)
def test_presets_follow_581(spec, start, end, kind, label):
    p = resolve_period(spec)
    assert (p.start, p.end, p.kind, p.label) == (start, end, kind, label)
    assert p.year == int(p.key[:4])


def test_custom_window_label_as_in_the_reports():
    p = resolve_period(start=date(2023, 7, 1), end=date(2023, 9, 13))
    assert p.kind == "tuy_chon"
    assert p.label == "từ 01/7/2023 đến 13/9/2023"
    assert resolve_period(start="01/07/2023", end="2023-09-13") == p
    assert resolve_period("2023-07-01..2023-09-13") == p


def test_dates_equal_to_a_preset_resolve_to_the_preset():
    p = resolve_period(start=date(2023, 6, 15), end=date(2023, 9, 14))
    assert p.key == "2023-Q3" and p.label == "quý III năm 2023"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"spec": "2023-Q9"}, "Không có kỳ báo cáo «Q9»"),
        ({"spec": "quý ba"}, "không hợp lệ"),
        ({"start": date(2023, 9, 1), "end": date(2023, 8, 1)}, "phải trước hoặc bằng"),
        ({"start": date(2023, 9, 1)}, "cần cả ngày bắt đầu"),
        ({"spec": "2023-Q3", "start": date(2023, 9, 1), "end": date(2023, 9, 2)}, "Chỉ chọn một cách"),
        ({"start": "31/02/2023", "end": "2023-03-01"}, "không hợp lệ"),
    ],
)
def test_bad_period_is_refused_in_vietnamese(kwargs, words):
    with pytest.raises(ValidationError) as exc:
        resolve_period(**kwargs)
    assert words in exc.value.message


def test_previous_quarters_cross_the_year():
    p = resolve_period("2024-Q2")
    keys = [x.key for x in previous_periods(p, 3)]
    assert keys == ["2023-Q3", "2023-Q4", "2024-Q1"]


def test_previous_of_other_presets_and_custom_windows():
    assert [x.key for x in previous_periods(resolve_period("2024-H1"), 2)] == ["2022-H1", "2023-H1"]
    c = custom_period(date(2023, 7, 1), date(2023, 7, 31))
    prev = previous_periods(c, 2)
    assert [(x.start, x.end) for x in prev] == [
        (date(2023, 4, 30), date(2023, 5, 30)),
        (date(2023, 5, 31), date(2023, 6, 30)),
    ]
    assert previous_periods(c, 0) == []


def test_presets_of_a_year_and_current_quarter():
    keys = [p.key for p in presets_of_year(2023)]
    assert keys == ["2023-Q1", "2023-Q2", "2023-H1", "2023-Q3", "2023-9M", "2023-Q4", "2023-Y"]
    assert current_quarter(date(2023, 12, 20)).key == "2024-Q1"
    assert current_quarter(date(2023, 12, 14)).key == "2023-Q4"


def test_definition_file_can_be_overridden(tmp_path, monkeypatch):
    (tmp_path / "periods.yaml").write_text(
        "presets:\n  Q1:\n    kind: quy\n    order: 1\n    start: {day: 1, month: 1}\n    end: {day: 31, month: 3}\n"
        "    label: 'quý I/{year}'\ncustom_label: '{start} – {end}'\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CCHC_STATS_DIR", str(tmp_path))
    p = resolve_period("2025-Q1")
    assert (p.start, p.end, p.label) == (date(2025, 1, 1), date(2025, 3, 31), "quý I/2025")
    with pytest.raises(ValidationError):
        resolve_period("2025-Q2")


@given(st.integers(2000, 2100))
def test_quarters_tile_the_year_and_sum_to_the_year(year):
    quarters = [resolve_period(f"{year}-Q{i}") for i in range(1, 5)]
    whole = resolve_period(f"{year}-Y")
    assert quarters[0].start == whole.start and quarters[-1].end == whole.end
    for a, b in zip(quarters, quarters[1:]):
        assert b.start == a.end + timedelta(days=1)
    assert sum(q.days for q in quarters) == whole.days
    assert resolve_period(f"{year}-H1").end == quarters[1].end
    assert resolve_period(f"{year}-9M").end == quarters[2].end


@given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(0, 400))
def test_period_for_round_trips(start, length):
    end = start + timedelta(days=length)
    p = period_for(start, end)
    assert (p.start, p.end) == (start, end)
    assert resolve_period(start=start, end=end) == p
