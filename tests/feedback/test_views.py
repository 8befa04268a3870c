"""API /api/v1/feedback: send, published list and search, one item by who asks, each officer action, votes, 4xx in Vietnamese."""

from __future__ import annotations

from sqlalchemy import func, select

from cchc.db import session_factory
from cchc.feedback.models import Feedback, FeedbackEvent
from tests.feedback.test_pages import received, run
from tests.web.test_citizen import as_api_user, world  # noqa: F401 — the committed world with passwords

BODY = {"category": "quy_dinh_tthc", "title": "Niêm yết", "content": "Bảng niêm yết thiếu lệ phí"}


def events() -> int:
    with session_factory()() as s:
        return s.scalar(select(func.count()).select_from(FeedbackEvent))


def test_send_as_citizen_and_anonymously(client, world):
    w = world
    as_api_user(client, w.citizen.username)
    r = client.post("/api/v1/feedback", json=BODY | {"unit_code": w.commune.code, "procedure_code": w.procedure.code})
    assert r.status_code == 201, r.text
    sent = r.json()
    assert sent["state"] == "moi" and sent["state_label"] == "Mới tiếp nhận" and sent["sender_name"] == w.citizen.full_name
    assert sent["procedure_code"] == w.procedure.code and sent["unit"] == w.commune.name and sent["allowed_actions"] == []
    assert [d["key"] for d in sent["deadlines"]] == ["tu_choi", "yeu_cau_bo_sung", "chuyen", "xu_ly", "cong_khai"]
    assert sent["deadlines"][3]["due_at"] and sent["resolve_due_at"]
    mine = client.get("/api/v1/me/feedback").json()
    assert [f["code"] for f in mine] == [sent["code"]]

    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    assert client.post("/api/v1/feedback", json=BODY | {"unit_code": w.commune.code}).status_code == 403  # no CSRF token
    form = client.get("/api/v1/feedback/form").json()
    assert form["categories"]["hanh_vi_can_bo"] == "Về hành vi, thái độ của cán bộ, công chức"
    client.headers["X-CSRF-Token"] = form["csrf_token"]
    r = client.post("/api/v1/feedback", json=BODY | {"unit_code": w.commune.code, "sender_name": "Ẩn Danh"})
    assert r.status_code == 422 and r.json()["field"] == "sender_contact" and "số điện thoại" in r.json()["detail"]
    r = client.post("/api/v1/feedback", json=BODY | {"unit_code": w.commune.code, "sender_name": "Ẩn Danh", "sender_contact": "0901234567"})
    assert r.status_code == 201 and r.json()["sender_contact"] == "0901234567"
    r = client.post("/api/v1/feedback", json=BODY | {"unit_code": "X.99", "sender_name": "A", "sender_contact": "b"})
    assert r.status_code == 422 and "X.99" in r.json()["detail"]
    r = client.post("/api/v1/feedback", json=BODY | {"category": "bay", "unit_code": w.commune.code, "sender_name": "A", "sender_contact": "b"})
    assert r.status_code == 422 and r.json()["fields"] == {"category": r.json()["detail"]}
    assert r.json()["detail"].startswith("Phân loại «bay» không hợp lệ (chọn: Về quy định, thủ tục hành chính")
    r = client.post("/api/v1/feedback", json={"category": "khac", "unit_code": w.commune.code})
    assert r.status_code == 422 and r.json()["field"] == "content" and "Nhập nội dung" in r.json()["detail"]
    # every field in error at once, each under its name
    r = client.post("/api/v1/feedback", json={"category": "bay", "procedure_code": "9.999999", "dossier_code": "KHONG-CO",
                                              "title": "x" * 501})
    fields = r.json()["fields"]
    assert r.status_code == 422 and list(fields) == ["category", "procedure_code", "dossier_code", "title", "content",
                                                     "sender_name", "sender_contact"]
    assert "9.999999" in fields["procedure_code"] and "KHONG-CO" in fields["dossier_code"] and "501" in fields["title"]
    with session_factory()() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 2

    as_api_user(client, w.receiver.username)
    r = client.post("/api/v1/feedback", json=BODY | {"unit_code": w.commune.code})
    assert r.status_code == 403 and "dành cho công dân" in r.json()["detail"]
    r = client.post("/api/v1/feedback", json={"category": "khac"})  # told at once, not after fixing every field
    assert r.status_code == 403 and "dành cho công dân" in r.json()["detail"]


def test_officer_actions_and_refusals(client, world):
    w = world
    code = received(w)
    as_api_user(client, w.other_specialist.username)
    r = client.post(f"/api/v1/feedback/{code}/accept", json={})
    assert r.status_code == 403 and "không thuộc đơn vị của bạn" in r.json()["detail"]
    assert client.get(f"/api/v1/feedback/{code}").status_code == 404

    as_api_user(client, w.specialist.username)
    got = client.get(f"/api/v1/feedback/{code}").json()
    assert got["sender_contact"] == "0912345678"
    assert got["allowed_actions"] == ["accept", "request-supplement", "refuse", "forward", "answer"]
    before = events()
    r = client.post(f"/api/v1/feedback/{code}/publish", json={})
    assert r.status_code == 403 and "chỉ lãnh đạo hoặc quản trị" in r.json()["detail"]
    r = client.post(f"/api/v1/feedback/{code}/answer", json={})
    assert r.status_code == 422 and r.json()["detail"] == "Thiếu nội dung trả lời."
    r = client.post(f"/api/v1/feedback/{code}/supplement", json={"content": "x"})
    assert r.status_code == 409 and "«Yêu cầu bổ sung thông tin»" in r.json()["detail"]
    assert events() == before
    r = client.post(f"/api/v1/feedback/{code}/accept", json={"note": "Giao chuyên viên"})
    assert r.status_code == 200 and r.json()["state"] == "dang_xu_ly"
    r = client.post(f"/api/v1/feedback/{code}/refuse", json={"reason": "Nặc danh"})
    assert r.status_code == 409 and "Không thể từ chối" in r.json()["detail"]
    r = client.post(f"/api/v1/feedback/{code}/request-supplement", json={"request": "Ghi rõ ngày"})
    assert r.status_code == 200 and r.json()["state"] == "yeu_cau_bo_sung" and r.json()["resolve_due_at"] is None

    as_api_user(client, w.citizen.username)
    r = client.post(f"/api/v1/feedback/{code}/supplement", json={"content": "Ngày 3/3/2025"})
    assert r.status_code == 200 and r.json()["state"] == "dang_xu_ly" and r.json()["supplement_content"] == "Ngày 3/3/2025"
    r = client.post(f"/api/v1/feedback/{code}/answer", json={"answer": "x"})
    assert r.status_code == 403
    as_api_user(client, w.other_citizen.username)
    r = client.post(f"/api/v1/feedback/{code}/supplement", json={"content": "x"})
    assert r.status_code == 404

    as_api_user(client, w.specialist.username)
    r = client.post(f"/api/v1/feedback/{code}/request-supplement", json={"request": "Lần hai"})
    assert r.status_code == 409 and "chỉ được yêu cầu bổ sung một lần" in r.json()["detail"]
    r = client.post(f"/api/v1/feedback/{code}/answer", json={"answer": "Đã trả lời"})
    assert r.status_code == 200 and r.json()["state"] == "cho_cong_khai"
    assert r.json()["deadlines"][3]["on_time"] is True
    as_api_user(client, w.unit_admin.username)
    r = client.post(f"/api/v1/feedback/{code}/publish", json={})
    assert r.status_code == 200 and r.json()["state"] == "da_cong_khai" and r.json()["deadlines"][4]["on_time"] is True
    r = client.post(f"/api/v1/feedback/{code}/publish", json={})
    assert r.status_code == 409
    assert client.post(f"/api/v1/feedback/{code}/bay", json={}).status_code in (404, 405)
    assert client.post("/api/v1/feedback/PAKN-KHONG/accept", json={}).status_code == 404


def test_forward_and_refuse(client, world):
    w = world
    first, second = received(w), received(w)
    as_api_user(client, w.leader.username)
    r = client.post(f"/api/v1/feedback/{first}/forward", json={"to": ""})
    assert r.status_code == 422 and "cơ quan có thẩm quyền" in r.json()["detail"]
    r = client.post(f"/api/v1/feedback/{first}/forward", json={"to": "Sở Tư pháp", "note": "Thuộc thẩm quyền Sở"})
    assert r.status_code == 200 and r.json()["state"] == "da_chuyen" and r.json()["deadlines"][2]["on_time"] is True
    r = client.post(f"/api/v1/feedback/{second}/refuse", json={"reason": "Đã được trả lời trước đây"})
    assert r.status_code == 200 and r.json()["refusal_reason"] == "Đã được trả lời trước đây"
    assert r.json()["allowed_actions"] == []


def test_published_list_vote_and_visibility(client, world):
    w = world
    code = received(w)
    hidden = received(w, content="Chưa trả lời")
    run(w, "accept", code, w.receiver)
    run(w, "answer", code, w.specialist, "Thời hạn là 3 ngày làm việc.")
    assert client.get("/api/v1/feedback").json()["total"] == 0
    run(w, "publish", code, w.leader)
    data = client.get("/api/v1/feedback", params={"q": "khai sinh"}).json()
    assert data["total"] == 1 and data["items"][0]["code"] == code and data["items"][0]["answer"].startswith("Thời hạn")
    assert "sender_contact" not in data["items"][0]
    assert client.get("/api/v1/feedback", params={"q": "xây dựng"}).json()["total"] == 0
    r = client.get("/api/v1/feedback", params={"limit": 0})
    assert r.status_code == 422 and "lớn hơn hoặc bằng 1" in r.json()["detail"]
    public = client.get(f"/api/v1/feedback/{code}").json()
    assert public["answer"] and "sender_contact" not in public
    r = client.get(f"/api/v1/feedback/{hidden}")
    assert r.status_code == 404 and "đã công khai" in r.json()["detail"]

    r = client.post(f"/api/v1/feedback/{code}/vote", json={"value": "thich"})
    assert r.status_code == 403  # no session: no CSRF token, no vote
    as_api_user(client, w.citizen.username)
    r = client.post(f"/api/v1/feedback/{code}/vote", json={"value": "thich"})
    assert r.status_code == 200 and (r.json()["likes"], r.json()["dislikes"]) == (1, 0)
    r = client.post(f"/api/v1/feedback/{code}/vote", json={"value": "thich"})
    assert r.status_code == 409 and "một lần" in r.json()["detail"]
    r = client.post(f"/api/v1/feedback/{hidden}/vote", json={"value": "thich"})
    assert r.status_code == 409 and "bình chọn" in r.json()["detail"]
    r = client.post(f"/api/v1/feedback/{code}/vote", json={"value": "yeu"})
    assert r.status_code == 422 and "Bình chọn «yeu» không hợp lệ" in r.json()["detail"]
    as_api_user(client, w.receiver.username)
    r = client.post(f"/api/v1/feedback/{code}/vote", json={"value": "khong_thich"})
    assert r.status_code == 403 and "Cán bộ của đơn vị xử lý" in r.json()["detail"]
    assert client.get(f"/api/v1/feedback/{hidden}").json()["state"] == "moi"  # the unit's officer sees it
