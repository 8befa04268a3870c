"""The report on real rows: dossiers in the database, figures by cchc.stats (SQL), sentences exact."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from cchc.dossiers.enums import State
from cchc.dossiers.models import Dossier
from cchc.procedures.models import Procedure
from cchc.reports.assembly import build_report
from cchc.reports.markdown import render

from .conftest import add_unit

N = iter(range(1, 10_000))


def dossier(session, unit, proc, state, received, ended=None, due=None, channel=1, timeliness=None):
    state = State(state)
    d = Dossier(code=f"{unit.code}-{received:%y%m%d}-{next(N):04d}", procedure_id=proc.id, unit_id=unit.id, level=unit.level,
                channel=channel, state=state.value, status_code=state.dvcqg_code, applicant_name="Nguyễn Văn An",
                received_at=received, ended_at=ended, due_at=due, timeliness=timeliness)
    session.add(d)
    return d


def build(session):
    province = add_unit(session, "88", "Tỉnh Thử Nghiệm", "tinh", "tinh", is_area=True)
    agency = add_unit(session, "000.00.10.H88", "Sở Tư pháp", "tinh", "so", parent=province)
    commune = add_unit(session, "000.20.00.H88", "Xã An Bình", "xa", "xa", parent=province, is_area=True)
    proc = Procedure(code="1.009999", name="Cấp phiếu lý lịch tư pháp", levels="tinh,xa", online_level="toan_trinh",
                     time_amount=Decimal(5), time_unit="ngay_lam_viec")
    session.add(proc)
    session.flush()
    t = datetime
    dossier(session, agency, proc, State.FINISHED, t(2023, 6, 1, 9), t(2023, 6, 20, 9), t(2023, 6, 25), 1, "truoc_han")
    dossier(session, agency, proc, State.RETURNED, t(2023, 7, 1, 9), t(2023, 7, 5, 9), t(2023, 7, 5, 17), 2, "dung_han")
    dossier(session, agency, proc, State.FINISHED, t(2023, 7, 2, 9), t(2023, 7, 20, 9), t(2023, 7, 10), 1, "qua_han")
    dossier(session, commune, proc, State.PROCESSING, t(2023, 8, 1, 9), None, t(2023, 10, 1), 3)
    dossier(session, commune, proc, State.PROCESSING, t(2023, 8, 2, 9), None, t(2023, 8, 10), 1)
    dossier(session, commune, proc, State.REFUSED, t(2023, 8, 3, 9), t(2023, 8, 4, 9), t(2023, 8, 10), 2)
    dossier(session, agency, proc, State.FINISHED, t(2023, 5, 1, 9), t(2023, 5, 10, 9), t(2023, 5, 12), 1, "truoc_han")
    session.flush()
    return province


def test_report_from_the_database(db, period):
    province = build(db)
    report = build_report(db, province, period, report_date=date(2023, 9, 20))
    text = render(report)
    assert (
        "Tổng số hồ sơ TTHC đã tiếp nhận từ ngày 15/6/2023 – 14/9/2023 là: 6; trong đó: Số mới tiếp nhận trong kỳ: 5 "
        "(trực tuyến: 2, trực tiếp và qua dịch vụ bưu chính: 3); số từ kỳ trước chuyển qua: 1."
    ) in text
    assert "- Số lượng hồ sơ đã giải quyết: 3; trong đó, giải quyết trước hạn: 1, đúng hạn: 1, trễ hạn: 1." in text
    assert "Tỷ lệ hồ sơ giải quyết đúng và trước hạn đạt 66,67% trên tổng số hồ sơ đã giải quyết." in text
    assert "- Số lượng hồ sơ kết thúc không có kết quả giải quyết: 1; trong đó, từ chối giải quyết: 1, công dân rút hồ sơ: 0, dừng xử lý: 0." in text
    assert "- Số lượng hồ sơ đang giải quyết: 2; trong đó, trong hạn: 1, quá hạn: 1." in text
    assert "(cấp tỉnh 3 hồ sơ, cấp xã 3 hồ sơ)" in text
    assert "+ Cấp xã: tiếp nhận 3 hồ sơ, trong đó chưa có hồ sơ giải quyết xong; đang giải quyết 2 hồ sơ (trong hạn 1 hồ sơ, quá hạn 1 hồ sơ)." in text
    table = {t.form.number: t for t in report.tables}[3]
    assert table.values["3.1.1"] == 3 and table.values["3.1"] == Decimal("66.67")
    assert report.header.body == ["ỦY BAN NHÂN DÂN", "TỈNH THỬ NGHIỆM"]
    # the two quarters before the first dossier are no points of the trend (issue 12 item 5), though still checked
    assert [p.label for p in report.trend] == ["quý II năm 2023", "quý III năm 2023"]
    assert report.trend[-1].on_time_rate == pytest.approx(66.67)
    assert len(report.trend_figures) == 3
