"""PAKN pages: the published list and votes, the sending form, the sender's page, the officers' inbox and actions."""

from __future__ import annotations

from sqlalchemy import func, select

from cchc.db import session_factory
from cchc.feedback import service
from cchc.feedback.models import Feedback, FeedbackEvent, FeedbackVote
from tests.web.test_citizen import as_page_user, world  # noqa: F401 — the committed world with passwords
from tests.webclient import csrf_from


def count(model) -> int:
    with session_factory()() as s:
        return s.scalar(select(func.count()).select_from(model))


def state_of(code: str) -> str:
    with session_factory()() as s:
        return s.scalar(select(Feedback.state).where(Feedback.code == code))


def received(w, by=None, **extra) -> str:
    """A feedback sent on the portal by the world's citizen to the commune."""
    with session_factory()() as s:
        f = service.receive(s, s.merge(by or w.citizen), unit_id=w.commune.id, content=extra.pop("content", "Thời hạn khai sinh quá dài"),
                            category="quy_dinh_tthc", channel="cong_dvc", sender_name="Nguyễn Văn An", sender_contact="0912345678",
                            title=extra.pop("title", "Thời hạn đăng ký khai sinh"), **extra)
        s.commit()
        return f.code


def run(w, action: str, code: str, user, *args) -> None:
    with session_factory()() as s:
        f = s.scalar(select(Feedback).where(Feedback.code == code))
        getattr(service, action)(s, s.merge(user), f, *args)
        s.commit()


def published(w, content="Thời hạn khai sinh quá dài") -> str:
    code = received(w, content=content)
    run(w, "accept", code, w.receiver)
    run(w, "answer", code, w.specialist, "Thời hạn là 3 ngày làm việc theo Luật Hộ tịch.")
    run(w, "publish", code, w.leader)
    return code


def officer_post(client, code, action, **data):
    token = csrf_from(client.get(f"/can-bo/phan-anh/{code}").text)
    return client.post(f"/can-bo/phan-anh/{code}/thao-tac/{action}", data={"csrf_token": token, **data}, follow_redirects=False)


# ---- sending ---------------------------------------------------------------------------------------------
def test_citizen_sends_feedback_about_a_dossier(client, world):
    w = world
    as_page_user(client, w.citizen.username)
    page = client.get("/phan-anh/gui", params={"ho_so": "KHONG-CO"})
    assert page.status_code == 200 and 'value="Nguyễn Văn An"' in page.text and "0912345678, an@example.vn" in page.text
    token = csrf_from(page.text)
    base = {"csrf_token": token, "category": "hanh_vi_can_bo", "sender_name": "Nguyễn Văn An", "sender_contact": "0912345678",
            "title": "Cán bộ chậm", "content": "Cán bộ hẹn nhiều lần"}
    r = client.post("/phan-anh/gui", data=base | {"dossier_code": "KHONG-CO"})
    assert r.status_code == 422 and "Không tìm thấy hồ sơ mã «KHONG-CO»" in r.text.split('id="f-dossier_code"', 1)[1].split("</div>", 1)[0]
    r = client.post("/phan-anh/gui", data=base)
    assert r.status_code == 422 and "Chọn cơ quan nhận phản ánh" in r.text.split('id="f-unit_code"', 1)[1].split("</div>", 1)[0]
    r = client.post("/phan-anh/gui", data=base | {"unit_code": w.commune.code, "content": " "})
    assert r.status_code == 422 and "Nhập nội dung" in r.text.split('id="f-content"', 1)[1].split("</div>", 1)[0]
    assert count(Feedback) == 0
    r = client.post("/phan-anh/gui", data=base | {"unit_code": w.commune.code}, follow_redirects=False)
    assert r.status_code == 303
    code = r.headers["location"].rsplit("/", 1)[-1]
    assert code.startswith(f"PAKN-{w.commune.code}-")
    sent = client.get(r.headers["location"]).text
    assert code in sent and w.commune.name in sent and "Hạn trả lời" in sent
    with session_factory()() as s:
        f = s.scalar(select(Feedback))
        assert (f.channel, f.category, f.sender_user_id, f.state) == ("cong_dvc", "hanh_vi_can_bo", w.citizen.id, "moi")
        assert f.resolve_due_at is not None
    mine = client.get("/ca-nhan").text
    assert code in mine and "Mới tiếp nhận" in mine
    own = client.get(f"/phan-anh/{code}")
    assert own.status_code == 200 and "Cán bộ hẹn nhiều lần" in own.text and "Mới tiếp nhận" in own.text


def test_anonymous_sender_must_leave_a_contact(client, world):
    w = world
    page = client.get("/phan-anh/gui")
    token = csrf_from(page.text)
    data = {"csrf_token": token, "category": "quy_dinh_tthc", "unit_code": w.commune.code, "sender_name": "Trần Thị Ẩn Danh",
            "content": "Niêm yết thủ tục không đầy đủ", "procedure_code": w.procedure.code}
    r = client.post("/phan-anh/gui", data=data)
    assert r.status_code == 422 and "phải ghi số điện thoại" in r.text.split('id="f-sender_contact"', 1)[1].split("</div>", 1)[0]
    assert count(Feedback) == 0
    r = client.post("/phan-anh/gui", data=data | {"sender_contact": "an.danh@example.vn"}, follow_redirects=False)
    assert r.status_code == 303
    code = r.headers["location"].rsplit("/", 1)[-1]
    assert code in client.get(r.headers["location"]).text
    with session_factory()() as s:
        f = s.scalar(select(Feedback))
        assert f.sender_user_id is None and f.sender_contact == "an.danh@example.vn" and f.procedure_id == w.procedure.id
    client.cookies.clear()
    assert client.get(f"/phan-anh/da-gui/{code}").status_code == 404  # another browser
    assert client.get(f"/phan-anh/{code}").status_code == 404  # not published yet


def test_suggestions_for_the_form(client, world):
    w = world
    html = client.get("/phan-anh/goi-y/thu-tuc", params={"procedure_code": "khai sinh"}).text
    assert f'<option value="{w.procedure.code}">' in html
    html = client.get("/phan-anh/goi-y/don-vi", params={"unit_code": "my an"}).text
    assert f'<option value="{w.commune.code}">' in html and w.other_commune.code not in html


# ---- officers ---------------------------------------------------------------------------------------------
def test_officer_inbox_accept_answer_publish_and_votes(client, world):
    w = world
    code = received(w)
    as_page_user(client, w.receiver.username)
    inbox = client.get("/can-bo/phan-anh").text
    assert code in inbox and "Từ chối tiếp nhận" in inbox and "Xử lý, trả lời" in inbox and "Trong hạn" in inbox
    page = client.get(f"/can-bo/phan-anh/{code}").text
    assert "Nguyễn Văn An" in page and "0912345678" in page and "Thời hạn xử lý" in page
    for action in ("accept", "request-supplement", "refuse", "forward", "answer"):
        assert f"/thao-tac/{action}" in page
    assert "/thao-tac/publish" not in page
    assert officer_post(client, code, "accept").status_code == 303 and state_of(code) == "dang_xu_ly"
    r = officer_post(client, code, "answer", answer="  ")
    assert r.status_code == 422 and "Thiếu nội dung trả lời" in r.text.split('id="f-answer"', 1)[1].split("</div>", 1)[0]
    assert officer_post(client, code, "answer", answer="Thời hạn là 3 ngày làm việc.").status_code == 303
    assert state_of(code) == "cho_cong_khai"
    r = officer_post(client, code, "publish")
    assert r.status_code == 403 and "chỉ lãnh đạo hoặc quản trị" in r.text
    as_page_user(client, w.leader.username)
    assert "/thao-tac/publish" in client.get(f"/can-bo/phan-anh/{code}").text
    assert officer_post(client, code, "publish").status_code == 303 and state_of(code) == "da_cong_khai"
    page = client.get(f"/can-bo/phan-anh/{code}").text
    assert page.count("Đúng hạn") >= 2  # answered and published on time

    client.cookies.clear()
    listing = client.get("/phan-anh", params={"q": "khai sinh"}).text
    assert code in listing and "Thời hạn là 3 ngày làm việc." in listing and "Đăng nhập</a> để bình chọn" in listing
    assert "0912345678" not in listing  # the sender's contact is never published
    assert code not in client.get("/phan-anh", params={"q": "xây dựng"}).text

    as_page_user(client, w.citizen.username)
    listing = client.get("/phan-anh").text
    token = csrf_from(listing)
    r = client.post(f"/phan-anh/{code}/binh-chon", data={"csrf_token": token, "value": "thich"}, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "Hài lòng: 1" in r.text and "Bạn đã bình chọn «Hài lòng»" in r.text
    r = client.post(f"/phan-anh/{code}/binh-chon", data={"csrf_token": token, "value": "khong_thich"}, headers={"HX-Request": "true"})
    assert r.status_code == 409 and "mỗi người chỉ bình chọn một lần" in r.text and "Không hài lòng: 0" in r.text
    as_page_user(client, w.other_citizen.username)
    token = csrf_from(client.get("/phan-anh").text)
    r = client.post(f"/phan-anh/{code}/binh-chon", data={"csrf_token": token, "value": "khong_thich"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/phan-anh/{code}"
    assert "Không hài lòng: 1" in client.get(f"/phan-anh/{code}").text
    assert count(FeedbackVote) == 2


def test_refused_transitions_and_other_units(client, world):
    w = world
    code = received(w)
    as_page_user(client, w.other_specialist.username)
    assert code not in client.get("/can-bo/phan-anh").text
    r = client.get(f"/can-bo/phan-anh/{code}")
    assert r.status_code == 403 and "không thuộc đơn vị của bạn" in r.text
    as_page_user(client, w.specialist.username)
    assert officer_post(client, code, "accept").status_code == 303
    events = count(FeedbackEvent)
    r = officer_post(client, code, "refuse", reason="Nặc danh")  # only while new
    assert r.status_code == 409 and "Không thể từ chối PAKN" in r.text and "«Mới tiếp nhận»" in r.text
    r = officer_post(client, code, "accept")
    assert r.status_code == 409
    assert officer_post(client, code, "request-supplement", request="Ghi rõ ngày nộp hồ sơ").status_code == 303
    assert state_of(code) == "yeu_cau_bo_sung"
    page = client.get(f"/can-bo/phan-anh/{code}").text
    assert "/thao-tac/request-supplement" not in page and "/thao-tac/answer" not in page
    r = officer_post(client, code, "answer", answer="Trả lời sớm")
    assert r.status_code == 409 and "Yêu cầu bổ sung thông tin" in r.text
    r = officer_post(client, code, "bay", note="x")
    assert r.status_code == 404
    assert count(FeedbackEvent) == events + 1  # only the supplement request was recorded
    as_page_user(client, w.citizen.username)
    r = client.get("/can-bo/phan-anh")
    assert r.status_code == 403


def test_sender_supplements_on_the_portal(client, world):
    w = world
    code = received(w)
    run(w, "request_supplement", code, w.specialist, "Ghi rõ ngày nộp hồ sơ")
    as_page_user(client, w.other_citizen.username)
    assert client.get(f"/phan-anh/{code}").status_code == 404
    as_page_user(client, w.citizen.username)
    page = client.get(f"/phan-anh/{code}").text
    assert "Ghi rõ ngày nộp hồ sơ" in page and "Gửi bổ sung" in page
    token = csrf_from(page)
    r = client.post(f"/phan-anh/{code}/bo-sung", data={"csrf_token": token, "content": ""})
    assert r.status_code == 422 and "Thiếu nội dung bổ sung" in r.text.split('id="f-content"', 1)[1].split("</div>", 1)[0]
    r = client.post(f"/phan-anh/{code}/bo-sung", data={"csrf_token": token, "content": "Nộp ngày 3/3/2025"}, follow_redirects=False)
    assert r.status_code == 303 and state_of(code) == "dang_xu_ly"
    assert "Nộp ngày 3/3/2025" in client.get(f"/phan-anh/{code}").text
    r = client.post(f"/phan-anh/{code}/bo-sung", data={"csrf_token": token, "content": "Lần nữa"})
    assert r.status_code == 409


def test_published_list_is_paged_and_searchable(client, world):
    w = world
    codes = [published(w, content=f"Câu hỏi số {i}") for i in range(3)]
    html = client.get("/phan-anh").text
    assert all(c in html for c in codes) and "3 phản ánh, kiến nghị đã công khai" in html
    html = client.get("/phan-anh", params={"q": "số 1"}).text
    assert codes[1] in html and codes[0] not in html
    assert "Chưa có phản ánh" in client.get("/phan-anh", params={"q": "không có từ này"}).text


def test_published_search_ignores_accents_and_case(client, world):
    w = world
    code = published(w, content="Khai sinh cho TRẺ SINH Ở NƯỚC NGOÀI về nước")
    other = published(w, content="Cấp phiếu lý lịch tư pháp")
    for q in ("tre sinh o nuoc ngoai", "Trẻ sinh ở nước ngoài", "trẻ  sinh   ở nước ngoài", "NUOC NGOAI"):
        html = client.get("/phan-anh", params={"q": q}).text
        assert code in html and other not in html, q
