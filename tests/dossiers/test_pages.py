"""The officers' workspace pages: inbox, counter receipt, the dossier page and its actions, search."""

from __future__ import annotations

from cchc.db import session_factory
from cchc.dossiers.models import Dossier
from tests.webclient import csrf_from, login_page

from .test_views import web_world  # noqa: F401 — the committed world with passwords


def _receive_at_counter(client, w):
    page = client.get("/can-bo/tiep-nhan", params={"thu_tuc": w.procedure.code}).text
    assert "ngày hẹn trả kết quả là" in page
    data = {"csrf_token": csrf_from(page), "procedure_code": w.procedure.code, "name": "Nguyễn Văn An",
            "applicant_type": "1", "id_number": "087090001234", "phone": "0912345678", "address": "Ấp 1",
            "copies": "1", "channel": "1", "component": [str(c.id) for c in w.procedure.components]}
    files = {f"file_{w.procedure.components[0].id}": ("to-khai.pdf", b"%PDF-1.4 scan", "application/pdf")}
    return client.post("/can-bo/tiep-nhan", data=data, files=files, follow_redirects=False)


def test_counter_receipt_then_inbox_and_actions(client, web_world):
    w = web_world
    login_page(client, w.receiver.username)
    partial = client.get("/can-bo/tiep-nhan/thanh-phan", params={"procedure_code": w.procedure.code}).text
    assert "Giấy chứng sinh" in partial and "ngày hẹn trả" in partial
    r = _receive_at_counter(client, w)
    assert r.status_code == 303, r.text
    code = r.headers["location"].rsplit("/", 1)[1]
    page = client.get(f"/can-bo/ho-so/{code}").text
    assert "Đã tiếp nhận hồ sơ" in page and "to-khai.pdf" in page and "Mẫu 06" in page

    client.cookies.clear()
    login_page(client, w.specialist.username)
    inbox = client.get("/can-bo").text
    assert code in inbox and "Đăng ký khai sinh" in inbox
    page = client.get(f"/can-bo/ho-so/{code}").text
    assert "Chuyển bước tiếp theo" in page and "Yêu cầu bổ sung (Mẫu 02)" in page
    token = csrf_from(page)
    bad = client.post(f"/can-bo/ho-so/{code}/thao-tac/request_supplement", data={"csrf_token": token, "reason": ""})
    assert bad.status_code == 422 and 'class="field-error"' in bad.text and "<details class=\"action\" open>" in bad.text
    ok = client.post(f"/can-bo/ho-so/{code}/thao-tac/forward", data={"csrf_token": token, "note": "Đủ điều kiện"},
                     follow_redirects=False)
    assert ok.status_code == 303
    with session_factory()() as s:
        assert s.query(Dossier).one().current_role == "lanh_dao"


def test_receipt_errors_are_shown_next_to_fields(client, web_world):
    w = web_world
    login_page(client, w.receiver.username)
    page = client.get("/can-bo/tiep-nhan").text
    r = client.post("/can-bo/tiep-nhan", data={"csrf_token": csrf_from(page), "procedure_code": w.procedure.code,
                                                "name": "", "id_number": "12"})
    assert r.status_code == 422 and 'class="field-error"' in r.text
    with session_factory()() as s:
        assert s.query(Dossier).count() == 0


def test_officer_of_another_commune_cannot_open_or_act(client, web_world):
    w = web_world
    login_page(client, w.receiver.username)
    code = _receive_at_counter(client, w).headers["location"].rsplit("/", 1)[1]
    client.cookies.clear()
    login_page(client, w.other_specialist.username)
    r = client.get(f"/can-bo/ho-so/{code}")
    assert r.status_code in (403, 404) and "hồ sơ" in r.text.lower()
    token = csrf_from(client.get("/can-bo").text)
    r = client.post(f"/can-bo/ho-so/{code}/thao-tac/forward", data={"csrf_token": token, "note": "x"})
    assert r.status_code in (403, 404)


def test_search_is_accent_insensitive(client, web_world):
    w = web_world
    login_page(client, w.receiver.username)
    _receive_at_counter(client, w)
    page = client.get("/can-bo/tim-kiem", params={"q": "NGUYEN VAN AN"}).text
    assert "Tìm thấy 1 hồ sơ" in page
    bad = client.get("/can-bo/tim-kiem", params={"tu_ngay": "32/13/2025"})
    assert 'class="field-error"' in bad.text


def test_citizen_is_kept_out_of_the_workspace(client, web_world):
    login_page(client, web_world.citizen.username)
    r = client.get("/can-bo")
    assert r.status_code == 403 and "chỉ dành cho cán bộ" in r.text


def test_printed_forms_docx_pdf_and_register(client, web_world, artifacts):
    import io
    import shutil

    from docx import Document

    w = web_world
    login_page(client, w.receiver.username)
    code = _receive_at_counter(client, w).headers["location"].rsplit("/", 1)[1]
    r = client.get(f"/can-bo/ho-so/{code}/mau/01.docx")
    assert r.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text and "Nguyễn Văn An" in text and "Thời gian trả kết quả" in text
    assert any(rel.reltype.endswith("/image") for rel in Document(io.BytesIO(r.content)).part.rels.values())  # the QR code
    assert client.get(f"/can-bo/ho-so/{code}/mau/06.docx").status_code == 200
    missing = client.get(f"/can-bo/ho-so/{code}/mau/02.docx")
    assert missing.status_code == 422 and "chưa có yêu cầu bổ sung" in missing.text
    reg = client.get("/can-bo/so-theo-doi", params={"tu_ngay": "01/01/2020", "den_ngay": "31/12/2030", "dinh_dang": "docx"})
    assert reg.status_code == 200 and code in "\n".join(c.text for t in Document(io.BytesIO(reg.content)).tables for r in t.rows for c in r.cells)
    bad = client.get("/can-bo/so-theo-doi", params={"tu_ngay": "31/12/2030", "den_ngay": "01/01/2020", "dinh_dang": "docx"})
    assert bad.status_code == 422 and 'class="field-error"' in bad.text
    if shutil.which("soffice"):
        pdf = client.get(f"/can-bo/ho-so/{code}/mau/01.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        (artifacts / "mau01.pdf").write_bytes(pdf.content)


def test_the_receipt_is_offered_to_whom_the_service_lets_receive(client, web_world):
    """The inbox asks the service who may receive: the one-stop desk, not the unit's administrator."""
    from cchc.dossiers import service

    w = web_world
    with session_factory()() as s:
        assert service.may_receive(s, s.merge(w.receiver)) is True
        for other in (w.unit_admin, w.specialist, w.leader, w.admin, w.citizen):
            assert service.may_receive(s, s.merge(other)) is False, other.username
    login_page(client, w.receiver.username)
    assert 'href="/can-bo/tiep-nhan">+ Tiếp nhận hồ sơ' in client.get("/can-bo").text
    client.cookies.clear()
    login_page(client, w.unit_admin.username)
    assert 'href="/can-bo/tiep-nhan">+ Tiếp nhận hồ sơ' not in client.get("/can-bo").text
