"""The consolidated provincial report: units on cchc from the data, the others from their accepted XLSX."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from cchc.procedures.models import Procedure, Publication
from cchc.reform import forms as formdefs
from cchc.reports.checks import check_figures
from cchc.reports.figures import all_figures
from cchc.stats.catalogue import catalogue_figures
from cchc.submissions import consolidate, service
from tests.submissions.conftest import PERIOD, filled_xlsx, huyen_values

ON_TIME = datetime(2024, 6, 18, 9, 0)


def publish(db, code: str, day: date, kind: str = "moi") -> None:
    procedure = db.scalar(select(Procedure).where(Procedure.code == code))
    db.add(Publication(procedure_id=procedure.id, decision_no=f"{day.day}/QĐ-UBND", decision_date=day, kind=kind))
    db.flush()


def _accept_xlsx(db, w, unit, path, values):
    filled_xlsx(db, unit, path, values)
    service.prepare_from_xlsx(db, w.leaders[unit.id], unit, PERIOD, path, now=ON_TIME)
    sub = service.submit(db, w.leaders[unit.id], unit, PERIOD, now=ON_TIME)
    return service.accept(db, w.reporter, sub, "Đạt")


def test_totals_equal_the_sum_of_the_units(db, world, tmp_path):
    w = world
    publish(db, "1.001193", date(2024, 3, 1))
    _accept_xlsx(db, w, w.huyen_a, tmp_path / "a.xlsx", huyen_values(40, 37, 3))
    _accept_xlsx(db, w, w.huyen_b, tmp_path / "b.xlsx", huyen_values(25, 20, 2))
    figures = consolidate.consolidated_figures(db, w.province, PERIOD.start, PERIOD.end)

    tp = all_figures(db, w.so_tp, PERIOD.start, PERIOD.end)["dossiers"]["by_level"]["tinh"]
    yt = consolidate.project(all_figures(db, w.so_yt, PERIOD.start, PERIOD.end))["dossiers"]["by_level"]["tinh"]
    assert (tp["resolved_total"], tp["resolved_in_time"]) == (7, 5) and (yt["resolved_total"], yt["resolved_in_time"]) == (5, 4)
    d = figures["dossiers"]
    assert d["by_level"]["tinh"]["resolved_total"] == 12 and d["by_level"]["tinh"]["resolved_in_time"] == 9
    assert d["by_level"]["huyen"]["resolved_total"] == 65 and d["by_level"]["huyen"]["resolved_in_time"] == 57
    assert d["resolved_total"] == 77 and d["resolved_in_time"] == 66
    assert d["on_time_rate"] == formdefs.rate(Decimal(66), Decimal(77))
    # the districts' "công bố mới" 3 + 2 are the province's own publications seen from each unit: the province's
    # catalogue says what was published, once (issue 12: 99 procedures per commune added up were 7.921 "thủ tục")
    own = catalogue_figures(db, w.province, PERIOD.start, PERIOD.end)
    assert figures["catalogue"]["publications"] == own["publications"] and own["publications"]["moi"] == 1
    assert figures["catalogue"]["procedures_total"] == own["procedures_total"] == 1
    assert [c["source"] for c in figures["consolidation"]] == ["cchc", "cchc", "xlsx", "xlsx"]
    assert "received_total" not in d  # a Biểu mẫu carries resolved counts only: no half-counted totals

    # every source key that counts things: consolidated = sum over the four units; what counts distinct procedures
    # and services is the province's own
    parts = [f for _, _, f in consolidate.unit_parts(db, w.province, PERIOD.start, PERIOD.end)]
    for path in consolidate.source_paths():
        found = [formdefs.lookup(p, path) for p in parts if formdefs.lookup(p, path) is not None]
        if found and consolidate.additive(path):
            assert formdefs.lookup(figures, path) == sum(found, Decimal(0)), path
        elif not consolidate.additive(path) and path.startswith("catalogue."):
            assert formdefs.lookup(figures, path) == formdefs.lookup({"catalogue": own}, path), path
    assert check_figures(figures) == []

    report = consolidate.consolidated_report(db, w.province, PERIOD)
    table = {t.form.number: t for t in report.tables}[3]
    assert table.values["3.1.1"] == 12 and table.values["3.2.1"] == 65 and table.values["3.2"] == Decimal("87.69")


def test_units_without_accepted_report_are_missing_not_zero(db, world, tmp_path):
    w = world
    filled_xlsx(db, w.huyen_a, tmp_path / "a.xlsx", huyen_values(40, 37, 3))
    service.prepare_from_xlsx(db, w.leaders[w.huyen_a.id], w.huyen_a, PERIOD, tmp_path / "a.xlsx")
    service.submit(db, w.leaders[w.huyen_a.id], w.huyen_a, PERIOD)  # submitted, not accepted
    parts = consolidate.unit_parts(db, w.province, PERIOD.start, PERIOD.end)
    assert [(u.code, src) for u, src, _ in parts][2:] == [(w.huyen_a.code, "missing"), (w.huyen_b.code, "missing")]
    figures = consolidate.consolidated_figures(db, w.province, PERIOD.start, PERIOD.end)
    assert figures["dossiers"]["by_level"]["huyen"]["resolved_total"] == 0 and figures["dossiers"]["resolved_total"] == 12
    # only units on cchc count: every dossier count is summed too (received, new, in progress …)
    assert figures["dossiers"]["received_total"] == 12 and figures["dossiers"]["new_online"] == 5
    report = consolidate.consolidated_report(db, w.province, PERIOD)
    text = "\n".join(b.text for sec in report.sections for b in sec.blocks)
    assert "Chưa có báo cáo được duyệt, chưa tổng hợp: UBND huyện An, UBND huyện Bình." in text
    assert "Tổng số hồ sơ TTHC đã tiếp nhận từ ngày 15/12/2023 – 14/6/2024 là: 12" in text


def test_a_chosen_level_counts_every_unit_of_that_level_once(db, world):
    w = world
    units = consolidate.reporting_units(db, w.province, "huyen")
    assert [u.code for u in units] == [w.huyen_a.code, w.huyen_b.code]
    assert [u.code for u in consolidate.reporting_units(db, w.province)] == [w.so_tp.code, w.so_yt.code, w.huyen_a.code, w.huyen_b.code]
    w.huyen_b.valid_to = date(2023, 12, 1)  # dissolved before the window: no longer reports
    db.flush()
    units = consolidate.reporting_units(db, w.province, start=PERIOD.start, end=PERIOD.end)
    assert w.huyen_b not in units and len(units) == 3


def test_add_up_and_figures_from_forms():
    a = {"dossiers": {"by_level": {"xa": {"resolved_total": Decimal(3)}}}}
    b = {"dossiers": {"by_level": {"xa": {"resolved_total": Decimal(4)}, "tinh": {"resolved_total": Decimal(1)}}}}
    assert consolidate.add_up([a, b]) == {"dossiers": {"by_level": {"tinh": {"resolved_total": 1}, "xa": {"resolved_total": 7}}}}
    f = consolidate.figures_from_forms({3: {"1.3": Decimal(9), "3.3": Decimal(50)}})
    assert f["catalogue"]["publications"] == {"bai_bo": 9, "thay_the": 0}
    assert "xa" not in f.get("dossiers", {}).get("by_level", {})  # a rate is never read back as a figure


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(consolidate.source_paths()), st.integers(0, 10**9), max_size=12), min_size=1, max_size=6))
def test_add_up_is_the_sum_of_the_units_for_every_key(units):
    trees = []
    for flat in units:
        tree: dict = {}
        for path, value in flat.items():
            consolidate._set(tree, path, Decimal(value))
        trees.append(tree)
    total = consolidate.add_up(trees)
    for path in consolidate.source_paths():
        present = [flat[path] for flat in units if path in flat]
        assert formdefs.lookup(total, path) == (sum(present) if present else None)
    finished = consolidate._finish(total)  # rates recomputed from the summed parts, never added
    assert [p for p in check_figures(finished) if "× 100" in p] == []


def test_dissolved_units_count_under_their_successors_once(db, files_dir):
    """An old province merged into a new one on 1/7/2025: its commune's dossiers and PAKN count under the new
    commune that took it over, its district's (no successor but the province) on a line of their own — the PAKN
    sent to the district itself counted there once, not with its commune's dossiers."""
    from cchc.feedback.models import Feedback
    from cchc.periods import resolve_period
    from cchc.units.service import add_succession
    from cchc.interop.dossier_import import import_dossier_rows
    from tests.interop.factories import make_procedure, make_unit, row, ts

    def dossiers(unit, prefix: str, n: int) -> None:  # received in May 2025, resolved in 2 days
        got = [datetime(2025, 5, 5, 8) + timedelta(days=i) for i in range(n)]
        import_dossier_rows(db, [(i + 2, row(MaHoSo=f"{prefix}-{i:04d}", MaDonViTiepNhan=unit.code, NgayTiepNhan=ts(at),
                                             NgayHenTra=ts(at + timedelta(days=3)), NgayKetThucXuLy=ts(at + timedelta(days=2)),
                                             NgayTra=ts(at + timedelta(days=2)))) for i, at in enumerate(got)], source="test")

    until = date(2025, 6, 30)
    new = make_unit(db, "000.00.00.H57", "Tỉnh Mới", "tinh", "tinh", is_area=True, valid_from=date(2025, 7, 1))
    old = make_unit(db, "000.00.00.H58", "Tỉnh Cũ", "tinh", "tinh", is_area=True, valid_to=until)
    district = make_unit(db, "000.00.20.H58", "Huyện Cũ", "huyen", "huyen", parent=old, is_area=True, valid_to=until)
    one_stop = make_unit(db, "000.01.20.H58", "Bộ phận Một cửa huyện Cũ", "huyen", "bo_phan_mot_cua", parent=district,
                         valid_to=until)
    commune = make_unit(db, "000.21.20.H58", "Xã Cũ", "xa", "xa", parent=district, is_area=True, valid_to=until)
    commune_desk = make_unit(db, "001.21.20.H58", "Bộ phận Một cửa xã Cũ", "xa", "bo_phan_mot_cua", parent=commune,
                             valid_to=until)
    successor = make_unit(db, "000.31.00.H57", "Xã Mới", "xa", "xa", parent=new, is_area=True, valid_from=date(2025, 7, 1))
    so = make_unit(db, "000.00.12.H57", "Sở Tư pháp", "tinh", "so", parent=new, valid_from=date(2025, 7, 1))
    add_succession(db, old, new)
    add_succession(db, commune, successor)
    make_procedure(db, "1.001193", "Đăng ký khai sinh", None, days=3)
    dossiers(one_stop, "HU", 3)
    dossiers(commune_desk, "XA", 4)
    for code, unit in (("PAKN-H", district), ("PAKN-X", commune)):
        db.add(Feedback(code=code, unit_id=unit.id, category="quy_dinh_tthc", channel="cong_dvc", sender_name="Lê Văn Cường",
                        content="Nội dung", received_at=datetime(2025, 5, 20, 9), state="da_cong_khai",
                        answered_at=datetime(2025, 5, 27, 9)))
    db.flush()
    period = resolve_period("2025-Y")  # 15/12/2024 – 14/12/2025, across the reorganisation
    lines = {u.code: f for u, _, f in consolidate.unit_parts(db, new, period.start, period.end)}
    assert set(lines) == {so.code, successor.code, district.code}
    assert lines[successor.code]["dossiers"]["received_total"] == 4 and lines[successor.code]["feedback"]["received"] == 1
    assert lines[district.code]["dossiers"]["received_total"] == 3 and lines[district.code]["feedback"]["received"] == 1
    figures = consolidate.consolidated_figures(db, new, period.start, period.end)
    assert (figures["dossiers"]["received_total"], figures["feedback"]["received"]) == (7, 2)
    by_code = {c["unit_code"]: c for c in figures["consolidation"]}
    assert [m["unit_name"] for m in by_code[successor.code]["merged"]] == ["Xã Cũ"]
    assert by_code[district.code]["dissolved"] and by_code[district.code]["unit_name"] == "Huyện Cũ (kết thúc hoạt động từ 1/7/2025)"
    assert check_figures(figures) == []
