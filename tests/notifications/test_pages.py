"""The pages: a person chooses e-mail and/or SMS or Zalo (a refusal named by its field, nothing saved); officers
list the messages of their units' dossiers, not another unit's; a citizen may not open that list."""

from __future__ import annotations

from sqlalchemy import select

from cchc import clock
from cchc.db import session_factory
from cchc.dossiers import service as svc
from cchc.dossiers.enums import Channel
from cchc.notifications.models import Preference
from tests.dossiers.factories import APPLICANT, MONDAY, make_world
from tests.webclient import csrf_from, login_page, with_passwords


def test_a_citizen_chooses_their_channels(client, make_user):
    citizen_id = make_user("an_thongbao", "cong_dan", email="an@example.vn", phone="0912345678")
    assert login_page(client, "an_thongbao").status_code == 303
    assert 'href="/ca-nhan/thong-bao"' in client.get("/ca-nhan").text
    page = client.get("/ca-nhan/thong-bao")
    assert page.status_code == 200 and "Nhận qua thư điện tử (an@example.vn)" in page.text
    token = csrf_from(page.text)
    saved = client.post("/ca-nhan/thong-bao", data={"email": "1", "phone_channel": "zalo", "csrf_token": token},
                        follow_redirects=False)
    assert saved.status_code == 303
    refused = client.post("/ca-nhan/thong-bao", data={"phone_channel": "fax", "csrf_token": token})
    assert refused.status_code == 422 and "Kênh tin nhắn phải là SMS, Zalo hoặc không nhận." in refused.text
    assert client.post("/ca-nhan/thong-bao", data={"phone_channel": "sms"}).status_code == 403  # no CSRF token
    with session_factory()() as s:
        pref = s.scalar(select(Preference).where(Preference.user_id == citizen_id))
        assert (pref.email, pref.phone_channel) == (True, "zalo")
    assert client.get("/quan-tri/thong-bao").status_code == 403


def test_officers_see_their_units_messages(client):
    with session_factory()() as s, clock.frozen(MONDAY):
        w = with_passwords(make_world(s))
        mine = svc.receive(s, w.receiver, procedure=w.procedure, unit=w.commune, channel=Channel.DIRECT,
                           applicant=APPLICANT, at=MONDAY)
        other = svc.receive(s, w.other_receiver, procedure=w.procedure, unit=w.other_commune, channel=Channel.DIRECT,
                            applicant=APPLICANT | {"email": "binh@example.vn"}, at=MONDAY)
        s.commit()
        mine_code, other_code = mine.code, other.code
    assert login_page(client, "motcua").status_code == 303
    page = client.get("/quan-tri/thong-bao")
    assert page.status_code == 200
    assert f"Hồ sơ {mine_code} đã được tiếp nhận" in page.text and "an@example.vn" in page.text
    assert other_code not in page.text and "binh@example.vn" not in page.text
    assert "Chờ gửi" in page.text and "1 thông báo." in page.text
    assert client.get("/quan-tri/thong-bao?trang_thai=da_gui").text.count("Chưa có thông báo nào.") == 1
    assert login_page(client, "quantri").status_code == 303
    assert 'href="/quan-tri/thong-bao"' in client.get("/quan-tri").text
    assert f"Hồ sơ {mine_code} đã được tiếp nhận" in client.get("/quan-tri/thong-bao").text
