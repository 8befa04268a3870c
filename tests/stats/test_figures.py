from datetime import date

from cchc.periods import resolve_period
from cchc.reports.figures import all_figures
from cchc.stats.dossiers import dossier_figures
from tests.stats.test_dossiers import Q3_END, Q3_START, build_q3


def test_all_figures_for_the_report(db, province):
    build_q3(db, province)
    f = all_figures(db, province.province.code, Q3_START, Q3_END)
    assert {"period", "unit", "dossiers", "catalogue", "online", "digitisation", "feedback", "index766"} <= set(f)
    assert f["period"]["label"] == "quý III năm 2023" and f["period"]["key"] == "2023-Q3"
    assert f["unit"] == {"code": "000.00.00.H20", "name": "Tỉnh Đồng Tháp", "level": "tinh", "kind": "tinh"}
    assert f["dossiers"] == dossier_figures(db, province.province, Q3_START, Q3_END)
    assert f["dossiers"]["received_total"] == 15
    assert f["catalogue"]["procedures_total"] == 3
    assert "digitisation" not in f["online"] and f["digitisation"]["receipt"]["total"] == 12
    assert f["index766"]["band"] in {"Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu"}


def test_custom_window_and_given_period(db, province):
    f = all_figures(db, province.province, date(2023, 7, 1), date(2023, 9, 13))
    assert f["period"]["label"] == "từ 01/7/2023 đến 13/9/2023"
    p = resolve_period("2023-Q3")
    assert all_figures(db, province.province, p.start, p.end, period=p)["period"] == p.as_dict()
