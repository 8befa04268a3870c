"""API /api/v1/tasks: assign, every action, list, detail, stats, import — refusals as 4xx in Vietnamese."""

from __future__ import annotations

from datetime import date, timedelta

from cchc import clock
from cchc.db import session_factory
from cchc.tasks.models import Task

from .test_importer import good_rows, write


def body(**extra):
    today = clock.today()
    return {"document_number": "99/UBND-KSTT", "document_date": today.isoformat(), "issuer_level": "chu_tich_ubnd_tinh",
            "title": "Báo cáo kết quả rà soát", "lead_unit_code": "STP1", "coordinating_unit_codes": ["SNV1"],
            "deadline": (today + timedelta(days=30)).isoformat()} | extra


def test_full_life_through_the_api(client, web_world, as_api):
    as_api(client, "vp_baocao")
    r = client.post("/api/v1/tasks", json=body())
    assert r.status_code == 201, r.text
    t = r.json()
    code = t["code"]
    assert t["state"] == "cho_tiep_nhan" and t["source"] == "ubnd_tinh" and t["coordinating_units"] == ["Sở Nội vụ"]
    assert t["allowed_actions"] == ["gia_han"] and t["document_issuer"] == "Chủ tịch UBND tỉnh"

    as_api(client, "stp_lanhdao")
    r = client.post(f"/api/v1/tasks/{code}/confirm")
    assert r.status_code == 403 and "Lãnh đạo không được xác nhận hoàn thành" in r.json()["detail"]
    r = client.post(f"/api/v1/tasks/{code}/report-done", json={"note": "x"})
    assert r.status_code == 409 and "nhiệm vụ đang chờ tiếp nhận" in r.json()["detail"]
    r = client.post(f"/api/v1/tasks/{code}/accept")
    assert r.status_code == 200 and r.json()["state"] == "dang_thuc_hien"
    r = client.post(f"/api/v1/tasks/{code}/report-done", json={"note": "  "})
    assert r.status_code == 422 and r.json()["field"] == "note"
    r = client.post(f"/api/v1/tasks/{code}/report-done", json={"note": "Báo cáo số 7/BC-STP"})
    assert r.json()["state"] == "cho_xac_nhan"

    as_api(client, "vp_baocao")
    r = client.post(f"/api/v1/tasks/{code}/return", json={"reason": "Thiếu số liệu"})
    assert r.json()["state"] == "dang_thuc_hien" and r.json()["return_count"] == 1
    r = client.post(f"/api/v1/tasks/{code}/extend", json={"new_deadline": (clock.today() + timedelta(days=45)).isoformat(), "reason": "Chờ số liệu"})
    assert r.json()["extension_count"] == 1
    as_api(client, "stp_chuyenvien")
    client.post(f"/api/v1/tasks/{code}/report-done", json={"note": "Đã bổ sung"})
    as_api(client, "vp_baocao")
    r = client.post(f"/api/v1/tasks/{code}/confirm", json={"note": "Đạt"})
    d = r.json()
    assert d["state"] == "hoan_thanh" and d["on_time"] is True and d["allowed_actions"] == []
    assert [e["action"] for e in d["events"]] == ["giao", "tiep_nhan", "bao_cao_hoan_thanh", "tra_lai", "gia_han", "bao_cao_hoan_thanh", "xac_nhan"]

    r = client.get("/api/v1/tasks", params={"state": "hoan_thanh"})
    assert r.status_code == 200 and r.json()["total"] == 1 and r.json()["items"][0]["code"] == code
    r = client.get("/api/v1/tasks", params={"state": "sai"})
    assert r.status_code == 422 and "Trạng thái «sai» không hợp lệ" in r.json()["detail"]
    today = clock.today()
    r = client.get("/api/v1/tasks/stats", params={"start": date(today.year, 1, 1).isoformat(), "end": today.isoformat()})
    s = r.json()
    assert r.status_code == 200 and s["unit"]["code"] == "T1" and s["assigned_total"] == 1 and s["done_on_time"] == 1
    assert s["on_time_rate"] == 100.0 and s["by_source"]["ubnd_tinh"]["done_total"] == 1
    assert "Tỷ lệ hoàn thành đúng hạn là 100,00%" in s["sentences"][0]

    as_api(client, "snv_lanhdao")  # co-ordinating unit: sees it, may not act
    assert client.get(f"/api/v1/tasks/{code}").json()["allowed_actions"] == []
    as_api(client, "vp2_baocao")
    r = client.get(f"/api/v1/tasks/{code}")
    assert r.status_code == 403 and "không thuộc phạm vi" in r.json()["detail"]
    r = client.get("/api/v1/tasks/stats", params={"start": "2025-01-01", "end": "2025-12-31", "unit_code": "T1"})
    assert r.status_code == 403 and "không thuộc phạm vi" in r.json()["detail"]
    assert client.get("/api/v1/tasks/NV-KHONG").status_code == 404


def test_assign_refusals(client, web_world, as_api):
    as_api(client, "stp_lanhdao")
    r = client.post("/api/v1/tasks", json=body())
    assert r.status_code == 403 and "Lãnh đạo không được giao nhiệm vụ" in r.json()["detail"]
    as_api(client, "vp_baocao")
    r = client.post("/api/v1/tasks", json=body(lead_unit_code="KHONG"))
    assert r.status_code == 422 and r.json()["field"] == "lead_unit_code" and "Không tìm thấy đơn vị mã «KHONG»" in r.json()["detail"]
    r = client.post("/api/v1/tasks", json=body(deadline=None))
    assert r.status_code == 422 and "một trong hai" in r.json()["detail"]
    r = client.post("/api/v1/tasks", json=body(deadline=None, working_days=5))
    assert r.status_code == 201 and r.json()["deadline_working_days"] == 5
    r = client.post("/api/v1/tasks", json=body(issuer_level="bo"))
    assert r.status_code == 422 and "Cơ quan giao «bo» không hợp lệ" in r.json()["detail"]
    client.headers.pop("X-CSRF-Token")
    r = client.post("/api/v1/tasks", json=body())
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    client.cookies.clear()
    assert client.get("/api/v1/tasks").status_code == 401
    with session_factory()() as s:
        assert s.query(Task).count() == 1


def test_import_through_the_api(client, web_world, as_api, tmp_path):
    path = write(tmp_path, good_rows(web_world))
    as_api(client, "stp_lanhdao")
    with path.open("rb") as f:
        r = client.post("/api/v1/tasks/import", files={"file": ("nv.xlsx", f, "application/octet-stream")})
    assert r.status_code == 403
    as_api(client, "vp_baocao")
    with path.open("rb") as f:
        r = client.post("/api/v1/tasks/import", files={"file": ("nv.xlsx", f, "application/octet-stream")})
    assert r.status_code == 200, r.text
    assert r.json()["tasks"] == 4 and r.json()["message"].startswith("Đã nhập 4 nhiệm vụ")
    with path.open("rb") as f:
        r = client.post("/api/v1/tasks/import", files={"file": ("nv.xlsx", f, "application/octet-stream")})
    assert r.status_code == 422 and r.json()["detail"].startswith("Dòng 2, cột TenNhiemVu: nhiệm vụ này đã có")
    assert r.json()["field"] == "TenNhiemVu"
