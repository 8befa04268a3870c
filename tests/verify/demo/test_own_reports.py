"""Done when (issue #12): for a Sở, a commune, the province and a unit with no dossiers, cchc's own report passes
its own check in md, docx and pdf — and so does the province's consolidated report. Before the check paired by
label and unit, two unrelated rows sharing a denominator were paired («6/12 hồ sơ mới tiếp nhận» against 3.1.2/3.1.1
«12/12 hồ sơ đã giải quyết xong», «12/18 điểm» of the 766 index against 3.2/3.1)."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from cchc.dossiers.models import Dossier
from cchc.periods import resolve_period
from cchc.reports import charts
from cchc.reports.assembly import build_report
from cchc.reports.output import write_report
from cchc.submissions.consolidate import consolidated_report
from cchc.units.models import Unit
from cchc.units.scope import resolve_unit, subtree_condition
from cchc.verify import check_report_file
from tests.verify.demo.world import TODAY

PERIODS = ("2026-Q3", "2025-Y")  # after the two-tier reform, and a year across 1/7/2025


def _dossiers_under(session, unit: Unit, period) -> int:
    return session.scalar(select(func.count(Dossier.id)).join(Unit, Unit.id == Dossier.unit_id).where(
        subtree_condition(unit), Dossier.received_at >= period.start, Dossier.received_at <= period.end)) or 0


def units_to_report(session, period) -> dict[str, Unit]:
    province = resolve_unit(session, "44", period.end)
    children = list(session.scalars(select(Unit).where(Unit.parent_id == province.id).order_by(Unit.code)))
    counted = [(u, _dossiers_under(session, u, period)) for u in children]
    so = max((c for c in counted if c[0].kind == "so"), key=lambda c: c[1])[0]
    commune = max((c for c in counted if c[0].level == "xa"), key=lambda c: c[1])[0]
    empty = next(u for u, n in counted if u.kind == "so" and n == 0)
    return {"province": province, "so": so, "commune": commune, "no_dossiers": empty}


@pytest.fixture
def no_charts(monkeypatch):
    monkeypatch.setattr(charts, "render_charts", lambda report, directory: [])


@pytest.mark.parametrize("spec", PERIODS)
def test_own_reports_pass_their_own_check_in_md_and_docx(demo_db, tmp_path, no_charts, spec):
    period = resolve_period(spec)
    units = units_to_report(demo_db, period)
    assert _dossiers_under(demo_db, units["so"], period) and _dossiers_under(demo_db, units["commune"], period)
    reports = {key: build_report(demo_db, u, period, report_date=TODAY) for key, u in units.items()}
    reports["consolidated"] = consolidated_report(demo_db, units["province"], period, report_date=TODAY)
    for key, report in reports.items():
        for fmt in ("md", "docx"):
            path = write_report(report, tmp_path / f"{key}.{fmt}", fmt)[0]
            assert [(p.kind, p.where, p.explanation) for p in check_report_file(path)] == [], (key, fmt)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (libreoffice-writer-nogui) chưa cài")
def test_own_reports_pass_their_own_check_in_pdf(demo_db, tmp_path, no_charts):
    period = resolve_period(PERIODS[0])
    units = units_to_report(demo_db, period)
    reports = {key: build_report(demo_db, u, period, report_date=TODAY) for key, u in units.items()}
    reports["consolidated"] = consolidated_report(demo_db, units["province"], period, report_date=TODAY)
    for key, report in reports.items():
        path = write_report(report, tmp_path / f"{key}.pdf", "pdf")[0]
        assert [(p.kind, p.where, p.explanation) for p in check_report_file(path)] == [], key


def test_unrelated_rows_sharing_a_denominator_are_not_paired():
    """The two pairings the old check made on cchc's own Sở and commune reports."""
    from cchc.verify import check_report_text

    table = [
        ["3.1", "Tỷ lệ hồ sơ TTHC do các sở, ngành tiếp nhận được giải quyết đúng hạn", "%", "100%", ""],
        ["3.1.1", "Tổng số hồ sơ TTHC đã giải quyết xong", "Hồ sơ", "12", ""],
        ["3.1.2", "Số hồ sơ TTHC giải quyết đúng hạn", "Hồ sơ", "12", ""],
        ["6.3", "Tỷ lệ hồ sơ trực tuyến toàn trình", "%", "83,33%", ""],
        ["6.3.1", "Tổng số hồ sơ của DVCTT toàn trình (gồm hồ sơ nộp trực tuyến + trực tiếp)", "Hồ sơ", "18", ""],
        ["6.3.2", "Số hồ sơ nộp trực tuyến của các DVCTT toàn trình", "Hồ sơ", "15", ""],
    ]
    text = ("- Tỷ lệ hồ sơ nộp trực tuyến đạt 50% (6/12 hồ sơ mới tiếp nhận trong kỳ, không tính tồn đầu kỳ).\n\n"
            "- Theo Bộ chỉ số 766, kết quả đạt 74,80/100 điểm; trong đó: công khai, minh bạch 12/18 điểm.\n")
    assert check_report_text(text, table) == []
    # the same rows, stated wrongly in the text where the text says what they are: found
    wrong = "- Tỷ lệ hồ sơ trực tuyến toàn trình đạt 83,33% (15/19 hồ sơ).\n"
    assert [(p.kind, p.stated, p.where) for p in check_report_text(wrong, table)] == [
        ("phu_luc", 19, "phụ lục, mục 6.3.1")]
