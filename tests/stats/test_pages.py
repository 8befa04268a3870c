"""The dashboard and the statistics API: figures move with the dossiers, and every figure drills down."""

from __future__ import annotations


from cchc import clock
from cchc.periods import current_quarter
from tests.dossiers.test_views import as_user, receive, web_world  # noqa: F401 — committed world with passwords
from tests.webclient import login_page


def test_dashboard_figures_drill_down_and_charts(client, web_world):
    w = web_world
    as_user(client, w.receiver.username)
    codes = [receive(client, w).json()["code"] for _ in range(3)]
    as_user(client, w.specialist.username)
    client.post(f"/api/v1/dossiers/{codes[0]}/forward", json={"note": "Trình ký"})
    as_user(client, w.leader.username)
    client.post(f"/api/v1/dossiers/{codes[0]}/finish", json={"result_number": "01/GKS", "result_summary": "Giấy khai sinh"})

    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    login_page(client, w.reporter.username)
    page = client.get("/thong-ke")
    assert page.status_code == 200, page.text
    assert "Tỉnh Đồng Tháp" in page.text and current_quarter(clock.today()).label in page.text

    api = client.get("/api/v1/stats").json()
    d = api["dossiers"]
    assert d["received_total"] == 3 and d["resolved_total"] == 1 and d["in_progress_total"] == 2
    assert d["by_level"]["xa"]["received_total"] == 3 and api["index766"]["band"]

    drill = client.get("/thong-ke/ho-so", params={"nhom": "in_progress_total"}).text
    assert codes[1] in drill and codes[2] in drill and codes[0] not in drill
    # The charts are drawn in the browser (ECharts) from the JSON of the lazy panel (tests/reports/test_dashboard.py).
    r = client.get("/thong-ke/phan/bieu-do")
    assert r.status_code == 200 and 'class="echart"' in r.text and "data-chart=" in r.text
    explained = client.get("/api/v1/stats/explain", params={"bucket": "resolved_total"}).json()
    assert explained["codes"] == [codes[0]]
    indicator = client.get("/api/v1/stats/explain", params={"indicator": "2.1"}).json()
    assert indicator["indicator"] == "2.1"


def test_dashboard_scope_and_bad_input(client, web_world):
    w = web_world
    login_page(client, w.other_specialist.username)
    r = client.get("/thong-ke", params={"don_vi": w.commune.code})
    assert r.status_code == 403 and "chỉ xem được số liệu" in r.text
    bad = client.get("/thong-ke", params={"tu_ngay": "40/1/2025", "den_ngay": "01/02/2025"})
    assert bad.status_code == 422 and 'class="field-error"' in bad.text
    api = client.get("/api/v1/stats", params={"period": "2025-Q9"})
    assert api.status_code == 422 and api.json()["detail"]
