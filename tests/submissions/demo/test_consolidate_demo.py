"""The consolidated report of the demo province adds up (issue 12 item 2). Before: the 80 procedures of the catalogue
were added up unit by unit (a procedure of every commune counted once per commune: 7.921 «thủ tục» where the direct
report said 318), publications likewise; the units were named in one sentence each; the rows a unit sent in its
Biểu mẫu XLSX by hand were dropped; the dossiers and PAKN of the communes dissolved on 30/6/2025 were not counted
anywhere; the PAKN line counted every category."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import func, select

from cchc.dossiers.models import Dossier
from cchc.feedback.models import Feedback
from cchc.periods import resolve_period
from cchc.reform import forms as formdefs
from cchc.reports.figures import all_figures
from cchc.reports.xlsx import write_forms
from cchc.stats.dossiers import dossier_figures
from cchc.submissions import consolidate, service
from cchc.units.models import Unit, UnitSuccession
from cchc.units.scope import resolve_unit

NOW = datetime(2026, 11, 20, 9)


def _province(session, period) -> Unit:
    return resolve_unit(session, "44", period.end)


def _text(report) -> list[str]:
    return [b.text for sec in report.sections for b in sec.blocks]


def test_procedures_and_publications_are_the_provinces_own(demo_db):
    period = resolve_period("2026-Q3")
    province = _province(demo_db, period)
    figures = consolidate.consolidated_figures(demo_db, province, period.start, period.end)
    direct = all_figures(demo_db, province, period.start, period.end)
    for path in ("catalogue.procedures_total", "catalogue.by_level.tinh", "catalogue.by_level.xa",
                 "catalogue.publications.sua_doi", "catalogue.publications.moi", "catalogue.interconnection.cung_cap",
                 "online.full_online.eligible", "online.full_online.provided", "online.fee_procedures.with_fee",
                 "online.fee_procedures.integrated", "online.services_with_dossiers.with_any",
                 "online.services_with_dossiers.with_online"):
        assert formdefs.lookup(figures, path) == formdefs.lookup(direct, path), path
    assert figures["catalogue"]["procedures_total"] == 80
    # every unit is on cchc: what counts dossiers adds up to the province's own figures
    for key in ("received_total", "resolved_total", "resolved_in_time", "in_progress_total", "new_online"):
        assert figures["dossiers"][key] == direct["dossiers"][key], key


def test_dossiers_and_pakn_of_dissolved_units_count_under_their_successors(demo_db):
    year = resolve_period("2025-Y")  # 15/12/2024 – 14/12/2025: the communes of Quảng Bình and Quảng Trị until 30/6
    province = _province(demo_db, year)
    figures = consolidate.consolidated_figures(demo_db, province, year.start, year.end)
    merged_into = list(demo_db.scalars(select(Unit).join(UnitSuccession, UnitSuccession.old_unit_id == Unit.id)
                                       .where(UnitSuccession.new_unit_id == province.id)))
    assert len(merged_into) == 2
    territory = [province, *merged_into]
    expected = sum(dossier_figures(demo_db, u, year.start, year.end)["received_total"] for u in territory)
    direct = dossier_figures(demo_db, province, year.start, year.end)["received_total"]
    assert figures["dossiers"]["received_total"] == expected > direct  # the old units' dossiers were dropped before
    lines = figures["consolidation"]
    assert sum(Decimal(c["resolved_total"] or 0) for c in lines) == figures["dossiers"]["resolved_total"]
    dong_son = next(c for c in lines if c["unit_name"] == "Phường Đồng Sơn")
    assert "Phường Bắc Nghĩa" in [m["unit_name"] for m in dong_son["merged"]]
    assert any(c["dissolved"] for c in lines)  # a district's one-stop shop: no successor but the province

    quarter = resolve_period("2026-Q1")  # the PAKN sent to Phường Bắc Nghĩa (dissolved) on 6/1/2026
    pakn = demo_db.scalar(select(func.count(Feedback.id)).where(Feedback.received_at >= datetime(2025, 12, 15),
                                                               Feedback.received_at < datetime(2026, 3, 15)))
    assert pakn == 1
    figures = consolidate.consolidated_figures(demo_db, province, quarter.start, quarter.end)
    assert figures["feedback"]["received"] == 1
    assert all_figures(demo_db, province, quarter.start, quarter.end)["feedback"]["received"] == 0  # the direct report


def test_the_pakn_line_counts_only_pakn_about_procedure_rules(demo_db):
    period = resolve_period("2026-Q4")  # the demo's one PAKN: about an officer's conduct (2/10/2026)
    province = _province(demo_db, period)
    so = resolve_unit(demo_db, "000.00.03.H44", period.end)
    for i, category in enumerate(("quy_dinh_tthc", "khac", "hanh_vi_can_bo")):
        demo_db.add(Feedback(code=f"PAKN-THU-{i}", unit_id=so.id, category=category, channel="cong_dvc",
                             sender_name="Lê Văn Cường", content="Nội dung", received_at=datetime(2026, 10, 5 + i, 9),
                             state="da_cong_khai", answered_at=datetime(2026, 10, 20, 9)))
    demo_db.flush()
    received = dict(demo_db.execute(select(Feedback.category, func.count(Feedback.id)).where(
        Feedback.received_at >= datetime(2026, 9, 15), Feedback.received_at < datetime(2026, 12, 15))
        .group_by(Feedback.category)).all())
    assert received == {"quy_dinh_tthc": 1, "khac": 1, "hanh_vi_can_bo": 2}
    report = consolidate.consolidated_report(demo_db, province, period, report_date=NOW.date())
    assert any(t.endswith("Trong quý IV năm 2026, tổng số tiếp nhận là 1 PAKN, đã giải quyết xong 1 PAKN, đạt 100%.")
               for t in _text(report))
    table = {t.form.number: t for t in report.tables}[3]
    assert (table.values["3.4.1"], table.values["3.4.2"]) == (1, 1)
    direct = all_figures(demo_db, province, period.start, period.end)["feedback"]
    assert (direct["received"], direct["resolved"]) == (1, 1)


def test_units_are_listed_in_an_appendix_table_not_a_sentence(demo_db):
    period = resolve_period("2026-Q3")
    province = _province(demo_db, period)
    communes = list(demo_db.scalars(select(Unit).where(Unit.parent_id == province.id, Unit.level == "xa")
                                    .order_by(Unit.code).limit(12)))[4:]
    for unit in communes:  # eight communes that send their Biểu mẫu and have not
        service.set_on_cchc(demo_db, None, unit, False)
    report = consolidate.consolidated_report(demo_db, province, period, report_date=NOW.date())
    lines = report.figures["consolidation"]
    table = report.tables[-1]
    assert table.form.title == "Các đơn vị báo cáo và số liệu được tổng hợp"
    rows = {r.stt: r for r in table.form.rows}
    assert rows["2"].label.startswith("Đơn vị có số liệu tính từ Hệ thống thông tin giải quyết TTHC")
    assert rows["3"].label.startswith("Đơn vị chưa có báo cáo được duyệt, chưa tổng hợp")
    assert [r.label for r in table.form.rows if r.stt.count(".") == 1 and r.stt[0] in "23"] == \
        [c["unit_name"] for c in lines if c["source"] == "cchc"] + [u.name for u in communes]
    assert (table.values["1"], table.values["1.1"], table.values["1.2"]) == (len(lines), len(lines) - 8, 8)
    text = _text(report)
    assert f"Số liệu tổng hợp từ {len(lines) - 8}/{len(lines)} đơn vị (tính từ Hệ thống thông tin giải quyết TTHC: " \
           f"{len(lines) - 8} đơn vị); danh sách các đơn vị tại {table.form.name} kèm theo." in text
    assert f"Chưa có báo cáo được duyệt, chưa tổng hợp: 8 đơn vị ({table.form.name})." in text
    assert not any(sum(u.name in t for u in communes) > 5 for t in text)  # no sentence of unit names
    for unit in communes:
        stt = next(r.stt for r in table.form.rows if r.label == unit.name)
        assert stt.startswith("3.") and table.values[stt] is None and table.notes[stt] == "Chưa gửi"


def _filled(session, unit, period, path, values: dict[tuple[int, str], int]):
    write_forms(service.template_context(session, unit, period), path)
    wb = load_workbook(path)
    for (form, stt), value in values.items():
        ws = wb[f"Biểu mẫu {form}"]
        row = next(n for n in range(7, ws.max_row + 1) if str(ws.cell(n, 1).value) == stt)
        ws.cell(row, 4).value = value
    wb.save(path)
    return path


def test_approved_xlsx_figures_are_included_rows_entered_by_hand_too(demo_db, tmp_path):
    period = resolve_period("2026-Q3")
    province = _province(demo_db, period)
    before = consolidate.consolidated_report(demo_db, province, period, report_date=NOW.date())
    before_tables = {t.form.number: t for t in before.tables}
    unit = demo_db.scalar(select(Unit).where(Unit.parent_id == province.id, Unit.level == "xa", ~Unit.id.in_(
        select(Unit.parent_id).join(Dossier, Dossier.unit_id == Unit.id).where(Unit.parent_id.is_not(None))))
        .order_by(Unit.code))
    service.set_on_cchc(demo_db, None, unit, False)
    path = _filled(demo_db, unit, period, tmp_path / "bieu_mau.xlsx", {
        (2, "1"): 4, (2, "1.1"): 1, (2, "1.2"): 3,  # văn bản QPPL ban hành, entered by hand
        (5, "6"): 12,  # lượt cán bộ được đào tạo, bồi dưỡng
        (3, "3.3.1"): 10, (3, "3.3.2"): 9,  # hồ sơ cấp xã đã giải quyết, đúng hạn
    })
    service.prepare_from_xlsx(demo_db, None, unit, period, path, now=NOW)
    sub = service.submit(demo_db, None, unit, period, now=NOW)
    service.accept(demo_db, None, sub, "Đạt")
    report = consolidate.consolidated_report(demo_db, province, period, report_date=NOW.date())
    tables = {t.form.number: t for t in report.tables}
    assert (tables[2].values["1"], tables[2].values["1.1"], tables[2].values["1.2"]) == (4, 1, 3)
    assert tables[2].notes["1"] == "Cộng số liệu của 1 đơn vị"
    assert tables[5].values["6"] == 12 and before_tables[2].values["1"] is None
    assert tables[3].values["3.3.1"] == (before_tables[3].values["3.3.1"] or 0) + 10
    assert tables[3].values["3.3.2"] == (before_tables[3].values["3.3.2"] or 0) + 9
    line = next(c for c in report.figures["consolidation"] if c["unit_code"] == unit.code)
    assert line["source"] == "xlsx" and line["resolved_total"] == 10
