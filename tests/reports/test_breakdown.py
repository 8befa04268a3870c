"""The dossiers by procedure field, counted by the database with the statistics' own buckets: what the drafted
assessment names (the fields with the most late and overdue dossiers) and what a one-level unit is charted by."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from cchc.dossiers.enums import State
from cchc.procedures.models import Field, Procedure
from cchc.reports.breakdown import UNCLASSIFIED, field_figures
from cchc.stats.dossiers import dossier_figures

from .conftest import add_unit
from .test_real_data import dossier


def test_field_figures_add_up_to_the_units_figures(db, units):
    centre = add_unit(db, "000.50.02.H87", "Trung tâm Phục vụ hành chính công xã Mỹ An", "xa", "trung_tam_hcc", parent=units["province"])
    civil, land = Field(code="HT", name="Hộ tịch"), Field(code="DD", name="Đất đai")
    db.add_all([civil, land])
    db.flush()

    def proc(code, field):
        p = Procedure(code=code, name=f"Thủ tục {code}", levels="xa", online_level="toan_trinh", time_amount=Decimal(3),
                      time_unit="ngay_lam_viec", field_id=field.id if field else None)
        db.add(p)
        db.flush()
        return p

    birth, plot, other = proc("2.000001", civil), proc("2.000002", land), proc("2.000003", None)
    t = datetime
    dossier(db, centre, birth, State.FINISHED, t(2023, 7, 3, 9), t(2023, 7, 4, 9), t(2023, 7, 5), 2, "truoc_han")
    dossier(db, centre, birth, State.FINISHED, t(2023, 7, 6, 9), t(2023, 7, 20, 9), t(2023, 7, 10), 1, "qua_han")
    dossier(db, centre, plot, State.FINISHED, t(2023, 8, 1, 9), t(2023, 8, 30, 9), t(2023, 8, 20), 1, "qua_han")
    dossier(db, centre, plot, State.PROCESSING, t(2023, 8, 2, 9), None, t(2023, 8, 25), 2)  # overdue at the window's end
    dossier(db, centre, plot, State.PROCESSING, t(2023, 9, 1, 9), None, t(2023, 9, 30), 1)
    dossier(db, centre, other, State.FINISHED, t(2023, 6, 1, 9), t(2023, 6, 20, 9), t(2023, 6, 25), 1, "dung_han")
    db.flush()
    rows = field_figures(db, units["province"], date(2023, 6, 15), date(2023, 9, 14))
    by = {r["field_name"]: r for r in rows}
    assert set(by) == {"Hộ tịch", "Đất đai", UNCLASSIFIED}
    assert (by["Đất đai"]["resolved_late"], by["Đất đai"]["in_progress_overdue"], by["Đất đai"]["new_total"]) == (1, 1, 3)
    assert (by["Hộ tịch"]["resolved_total"], by["Hộ tịch"]["resolved_in_time"], by["Hộ tịch"]["on_time_rate"]) == (2, 1, 50.0)
    assert by["Hộ tịch"]["online_rate"] == 50.0
    total = dossier_figures(db, units["province"], date(2023, 6, 15), date(2023, 9, 14))
    for key in ("new_total", "new_online", "resolved_total", "resolved_in_time", "resolved_late", "in_progress_overdue"):
        assert sum(r[key] for r in rows) == total[key], key


def test_late_only_reads_the_late_and_overdue_dossiers_alone(db, units):
    centre = add_unit(db, "000.60.02.H87", "Trung tâm Phục vụ hành chính công xã Bình Thành", "xa", "trung_tam_hcc", parent=units["province"])
    land = Field(code="DD2", name="Đất đai")
    db.add(land)
    db.flush()
    plot = Procedure(code="2.000009", name="Thủ tục đất", levels="xa", online_level="toan_trinh", time_amount=Decimal(3),
                     time_unit="ngay_lam_viec", field_id=land.id)
    db.add(plot)
    db.flush()
    t = datetime
    dossier(db, centre, plot, State.FINISHED, t(2023, 8, 1, 9), t(2023, 8, 30, 9), t(2023, 8, 20), 1, "qua_han")
    dossier(db, centre, plot, State.FINISHED, t(2023, 8, 1, 9), t(2023, 8, 3, 9), t(2023, 8, 20), 1, "truoc_han")
    dossier(db, centre, plot, State.PROCESSING, t(2023, 8, 2, 9), None, t(2023, 8, 25), 2)
    db.flush()
    full = field_figures(db, centre, date(2023, 6, 15), date(2023, 9, 14))
    late = field_figures(db, centre, date(2023, 6, 15), date(2023, 9, 14), late_only=True)
    assert [(r["field_name"], r["resolved_late"], r["in_progress_overdue"]) for r in late] == [("Đất đai", 1, 1)]
    assert [(r["resolved_late"], r["in_progress_overdue"], r["resolved_total"]) for r in full] == [(1, 1, 2)]
    assert late[0]["resolved_total"] == 0 and late[0]["on_time_rate"] is None
