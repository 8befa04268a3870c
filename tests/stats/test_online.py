from datetime import datetime

from cchc.feedback.models import Feedback
from cchc.stats.online import online_figures
from tests.stats.test_dossiers import Q3_END, Q3_START, build_q3


def test_online_services_payment_and_digitisation(db, province):
    c = build_q3(db, province)
    c["d3"].fee_amount, c["d3"].paid_online = 50000, 1
    c["d4"].fee_amount = 50000
    c["d3"].components_digitized = c["d14"].components_digitized = True
    c["d3"].result_digitized = c["d17"].result_digitized = True
    db.flush()
    f = online_figures(db, province.province, Q3_START, Q3_END)
    assert f["full_online"] == {"eligible": 2, "provided": 1, "rate": 50.0}
    assert f["services_with_dossiers"] == {"with_any": 2, "with_online": 2, "rate": 100.0}
    assert f["full_online_dossiers"] == {"total": 3, "online": 1, "rate": 33.33}
    assert f["partial_online_dossiers"] == {"total": 3, "online": 1, "rate": 33.33}
    assert f["fee_procedures"] == {"with_fee": 2, "integrated": 1, "rate": 50.0}
    assert f["fee_dossiers"] == {"with_fee": 2, "paid_online": 1, "rate": 50.0}
    dig = f["digitisation"]
    assert dig["receipt"] == {"total": 12, "digitized": 2, "rate": 16.67}
    assert dig["result"] == {"total": 5, "digitized": 2, "rate": 40.0}
    assert dig["by_level"]["tinh"]["receipt"] == {"total": 3, "digitized": 1, "rate": 33.33}
    assert dig["by_level"]["huyen"]["result"] == {"total": 1, "digitized": 0, "rate": 0.0}
    assert dig["by_level"]["xa"]["result"] == {"total": 2, "digitized": 1, "rate": 50.0}


def test_feedback_received_and_resolved_in_the_window(db, province):
    base = dict(unit_id=province.district.id, category="quy_dinh_tthc", channel="cong_dvc",
                sender_name="Lê Văn Cường", content="Nội dung")
    db.add(Feedback(code="PAKN-A", received_at=datetime(2023, 5, 1, 8), state="da_cong_khai",
                    answered_at=datetime(2023, 7, 1, 8), **base))
    db.add(Feedback(code="PAKN-B", received_at=datetime(2023, 7, 3, 8), state="cho_cong_khai",
                    answered_at=datetime(2023, 7, 10, 8), **base))
    db.add(Feedback(code="PAKN-C", received_at=datetime(2023, 8, 1, 8), state="dang_xu_ly", **base))
    db.flush()
    f = online_figures(db, province.province, Q3_START, Q3_END)["feedback"]
    assert f == {"available": True, "received": 2, "resolved": 2, "rate": 100.0}
    agency = online_figures(db, province.agency, Q3_START, Q3_END)["feedback"]
    assert (agency["received"], agency["resolved"]) == (0, 0)
