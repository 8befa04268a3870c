"""API /api/v1/submissions and the pages /bao-cao-gui, /bao-cao-tong-hop, on the committed test database."""

from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from cchc.auth.passwords import hash_password
from cchc.db import session_factory
from cchc.reform.models import Submission
from cchc.submissions.models import Reminder, SubmissionEvent
from tests.submissions.conftest import PERIOD, build_province, filled_xlsx, huyen_values
from tests.webclient import PASSWORD, csrf_from, login_api, login_page

KY = PERIOD.key


@pytest.fixture
def web(committed, files_dir, no_charts):
    with session_factory()() as s:
        w = build_province(s)
        for user in [*w.leaders.values(), w.reporter, w.admin_a]:
            user.password_hash = hash_password(PASSWORD)
        s.commit()
        return w


def as_user(client, username):
    client.cookies.clear()
    client.headers["X-CSRF-Token"] = login_api(client, username)
    return client


def names(w):
    return {k: u.username for k, u in w.leaders.items()}


def _count(model) -> int:
    with session_factory()() as s:
        return s.query(model).count()


def test_api_cchc_unit_prepare_submit_accept(client, web):
    w, leaders = web, names(web)
    assert client.get("/api/v1/submissions/mine", params={"period": KY}).status_code == 401
    as_user(client, leaders[w.so_tp.id])
    mine = client.get("/api/v1/submissions/mine", params={"period": KY}).json()
    assert mine["submission"] is None and mine["on_cchc"] and mine["deadline"] == "2024-06-20"
    r = client.post("/api/v1/submissions/prepare", json={"period": KY})
    assert r.status_code == 201, r.text
    sub = r.json()
    assert sub["state"] == "draft" and sub["events"][0]["action"] == "prepare" and isinstance(sub["problems"], list)
    doc = client.get(f"/api/v1/submissions/{sub['id']}/file")
    assert doc.status_code == 200 and "BÁO CÁO" in "\n".join(p.text for p in Document(io.BytesIO(doc.content)).paragraphs)
    r = client.post("/api/v1/submissions/submit", json={"period": KY, "acknowledge": True})
    assert r.status_code == 200 and r.json()["state"] == "submitted" and r.json()["late"] is True  # today is after 20/6/2024
    assert client.post(f"/api/v1/submissions/{sub['id']}/accept", json={}).status_code == 403  # not the leader's to decide

    as_user(client, w.reporter.username)
    overview = client.get("/api/v1/submissions", params={"period": KY}).json()
    assert overview["counts"] == {"missing": 3, "on_time": 0, "late": 1, "accepted": 0, "returned": 0, "total": 4}
    r = client.post(f"/api/v1/submissions/{sub['id']}/accept", json={"comment": "Đạt"})
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    again = client.post(f"/api/v1/submissions/{sub['id']}/return", json={"comment": "Sửa"})
    assert again.status_code == 409 and "đã được duyệt" in again.json()["detail"]


def test_api_xlsx_upload_refusals_and_return(client, web, tmp_path):
    w, leaders = web, names(web)
    with session_factory()() as s:
        good = filled_xlsx(s, s.merge(w.huyen_a), tmp_path / "a.xlsx", huyen_values(40, 37, 3))
        bad = filled_xlsx(s, s.merge(w.huyen_a), tmp_path / "bad.xlsx", {(3, "3.2.1"): 5, (3, "3.2.2"): 9})
    as_user(client, leaders[w.huyen_a.id])
    assert client.post("/api/v1/submissions/prepare", json={"period": KY}).status_code == 422  # not on cchc
    r = client.post("/api/v1/submissions/upload", data={"period": KY}, files={"file": ("bad.xlsx", bad.read_bytes())})
    assert r.status_code == 422 and _count(Submission) == 0
    r = client.post("/api/v1/submissions/upload", data={"period": KY}, files={"file": ("a.xlsx", good.read_bytes())})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert client.post("/api/v1/submissions/submit", json={"period": KY}).status_code == 200
    as_user(client, w.reporter.username)
    assert client.post(f"/api/v1/submissions/{sid}/return", json={"comment": ""}).status_code == 422
    r = client.post(f"/api/v1/submissions/{sid}/return", json={"comment": "Kiểm tra lại 3.2.1"})
    assert r.status_code == 200 and r.json()["status"] == "returned"
    assert client.get("/api/v1/submissions/999999").status_code == 404
    assert client.post("/api/v1/submissions/remind", json={"period": KY}).json()["created"] == 4
    assert client.post("/api/v1/submissions/remind", json={"period": KY}).json()["created"] == 0
    as_user(client, leaders[w.huyen_b.id])
    assert client.get(f"/api/v1/submissions/{sid}").status_code == 404  # another unit's report is not visible
    assert client.get("/api/v1/submissions", params={"period": KY}).status_code == 403
    assert client.get("/api/v1/submissions/mine", params={"period": "2024-ZZ"}).status_code in (400, 422)
    assert _count(SubmissionEvent) == 3 and _count(Reminder) == 4


def test_an_upload_named_dot_dot_is_a_4xx_not_a_500(client, web):
    as_user(client, names(web)[web.huyen_a.id])
    r = client.post("/api/v1/submissions/upload", data={"period": KY}, files={"file": ("..", b"not a workbook")})
    assert 400 <= r.status_code < 500 and r.json()["detail"]


def test_api_without_csrf_is_refused(client, web):
    as_user(client, names(web)[web.so_tp.id])
    client.headers.pop("X-CSRF-Token")
    assert client.post("/api/v1/submissions/prepare", json={"period": KY}).status_code == 403
    assert _count(Submission) == 0


def test_pages_unit_and_province(client, web, tmp_path):
    w, leaders = web, names(web)
    login_page(client, leaders[w.huyen_a.id])
    page = client.get("/bao-cao-gui", params={"ky": KY})
    assert page.status_code == 200 and "Tải lên Biểu mẫu đã điền" in page.text and "20/6/2024" in page.text
    template = client.get("/bao-cao-gui/mau", params={"ky": KY})
    wb = load_workbook(io.BytesIO(template.content))
    assert wb["Biểu mẫu 3"]["E3"].value == w.huyen_a.code and wb["Biểu mẫu 3"]["E4"].value == KY
    token = csrf_from(page.text)
    empty = client.post("/bao-cao-gui/tai-len", data={"csrf_token": token, "ky": KY}, files={"tep": ("", b"")})
    assert empty.status_code == 422 and 'class="field-error' in empty.text and "Chưa chọn tệp" in empty.text
    with session_factory()() as s:
        good = filled_xlsx(s, s.merge(w.huyen_a), tmp_path / "a.xlsx", huyen_values(40, 37, 3))
    r = client.post("/bao-cao-gui/tai-len", data={"csrf_token": token, "ky": KY}, files={"tep": ("a.xlsx", good.read_bytes())},
                    follow_redirects=False)
    assert r.status_code == 303
    r = client.post("/bao-cao-gui/gui", data={"csrf_token": token, "ky": KY}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/bao-cao-gui", params={"ky": KY}).text
    assert "Đã gửi" in page and "Lịch sử" in page and "(muộn)" in page

    client.cookies.clear()
    login_page(client, w.reporter.username)
    page = client.get("/bao-cao-tong-hop", params={"ky": KY})
    assert page.status_code == 200 and "Gửi muộn" in page.text and "Chưa gửi" in page.text
    token = csrf_from(page.text)
    with session_factory()() as s:
        sid = s.query(Submission).one().id
    r = client.post(f"/bao-cao-tong-hop/{sid}/quyet-dinh", data={"csrf_token": token, "ky": KY, "thao_tac": "tra_lai", "y_kien": ""})
    assert r.status_code == 422 and 'class="field-error"' in r.text and "phải ghi ý kiến" in r.text
    r = client.post(f"/bao-cao-tong-hop/{sid}/quyet-dinh", data={"csrf_token": token, "ky": KY, "thao_tac": "duyet"}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post("/bao-cao-tong-hop/nhac", data={"csrf_token": token, "ky": KY}, follow_redirects=False)
    assert r.status_code == 303 and _count(Reminder) == 3
    client.cookies.clear()
    login_page(client, leaders[w.huyen_b.id])
    assert "Cấp trên đã nhắc 1 lần" in client.get("/bao-cao-gui", params={"ky": KY}).text
    client.cookies.clear()
    login_page(client, w.reporter.username)
    docx = client.get("/bao-cao-tong-hop/tai", params={"ky": KY, "dinh_dang": "docx"})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    xlsx = client.get("/bao-cao-tong-hop/tai", params={"ky": KY, "dinh_dang": "xlsx"})
    ws = load_workbook(io.BytesIO(xlsx.content))["Biểu mẫu 3"]
    values = {str(ws.cell(n, 1).value): ws.cell(n, 4).value for n in range(7, ws.max_row + 1)}
    assert values["3.1.1"] == 12 and values["3.2.1"] == 40  # two Sở from cchc + the accepted huyện An XLSX
    assert client.get("/bao-cao-tong-hop/tai", params={"ky": KY, "dinh_dang": "exe"}).status_code == 422

    client.cookies.clear()
    login_page(client, leaders[w.so_tp.id])
    assert client.get("/bao-cao-tong-hop", params={"ky": KY}).status_code == 403


def test_page_cchc_unit_prepare_and_warnings_before_sending(client, web):
    w, leaders = web, names(web)
    with session_factory()() as s:
        from cchc.reform import service as reform

        reform.set_narrative(s, None, s.merge(w.so_tp), PERIOD.start, PERIOD.end, "I",
                             "Tổng số hồ sơ tiếp nhận: 100 hồ sơ, trong đó: trực tuyến 30 hồ sơ, trực tiếp 50 hồ sơ.")
        s.commit()
    login_page(client, leaders[w.so_tp.id])
    page = client.get("/bao-cao-gui", params={"ky": KY})
    assert "Lập dự thảo từ số liệu cchc" in page.text and "Chưa lập" in page.text
    token = csrf_from(page.text)
    r = client.post("/bao-cao-gui/lap", data={"csrf_token": token, "ky": KY}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/bao-cao-gui", params={"ky": KY}).text
    assert "Cảnh báo khi kiểm tra số liệu" in page and "30 + 50 = 80" in page and "Tôi đã xem các cảnh báo và vẫn gửi" in page
    refused = client.post("/bao-cao-gui/gui", data={"csrf_token": token, "ky": KY})
    assert refused.status_code == 422 and 'class="field-error"' in refused.text
    with session_factory()() as s:
        assert s.query(Submission).one().state == "draft"
    sent = client.post("/bao-cao-gui/gui", data={"csrf_token": token, "ky": KY, "xac_nhan": "1"}, follow_redirects=False)
    assert sent.status_code == 303
    with session_factory()() as s:
        assert s.query(Submission).one().state == "submitted"
    assert client.get("/bao-cao-gui", params={"ky": "2024-XX"}).status_code == 422
