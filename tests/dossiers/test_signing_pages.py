"""Signing where people see it: the leader's sign form on the dossier page (a wrong key password is a Vietnamese
4xx, nothing changed), the signer shown on the officer's page, the citizen's lookup and the API; the unit's "PDF có
ký số" of its printed forms and of its report, and a plain refusal when the unit has no key."""

from __future__ import annotations

import dataclasses
import re
import shutil

import pytest

from cchc import config
from cchc.signatures.verification import verify_pdf
from tests.dossiers.factories import APPLICANT
from tests.dossiers.test_views import as_user, receive, web_world  # noqa: F401 — the committed world with passwords
from tests.signatures.ca import PASSWORD, TestCA
from tests.signatures.test_signatures import a_pdf
from tests.web.test_pages_forms import _dossier, _page_as
from tests.webclient import csrf_from

# The PDFs of forms and reports go through LibreOffice: run once, in the SQLite suite.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ca():
    return TestCA()


@pytest.fixture
def keys(ca, web_world, tmp_path, monkeypatch):
    """The leader's and the commune's PKCS#12 in the signing folder, the test root trusted."""
    folder, trust = tmp_path / "keys", tmp_path / "trust"
    folder.mkdir()
    trust.mkdir()
    (folder / f"{web_world.leader.username}.p12").write_bytes(ca.holder(web_world.leader.full_name, "UBND xã Mỹ An Hưng").pkcs12())
    (folder / f"{web_world.commune.code}.p12").write_bytes(ca.holder("UBND xã Mỹ An Hưng", "UBND xã Mỹ An Hưng").pkcs12())
    (trust / "root.pem").write_bytes(ca.root_pem())
    monkeypatch.setattr(config, "settings", dataclasses.replace(
        config.settings, signing_dir=folder, signature_trust_dir=trust, signing_unit_password=PASSWORD.decode()))
    return folder


def _with_result(client, w) -> str:
    as_user(client, w.receiver.username)
    code = receive(client, w).json()["code"]
    as_user(client, w.specialist.username)
    assert client.post(f"/api/v1/dossiers/{code}/forward", json={"note": "Trình ký"}).status_code == 200
    as_user(client, w.leader.username)
    r = client.post(f"/api/v1/dossiers/{code}/finish", json={"result_number": "12/TP-HT", "result_summary": "Giấy khai sinh"})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/dossiers/{code}/files", data={"kind": "ket_qua"},
                    files={"file": ("giay-khai-sinh.pdf", a_pdf(), "application/pdf")})
    assert r.status_code == 201 and r.json()["result_esigned"] is False
    return code


def test_the_leader_signs_on_the_dossier_page(client, web_world, keys):
    w = web_world
    code = _with_result(client, w)
    assert 'name="password"' not in _page_as(client, w.specialist.username, f"/can-bo/ho-so/{code}")
    page = _page_as(client, w.leader.username, f"/can-bo/ho-so/{code}")
    assert 'type="password"' in page and "Kết quả chưa được ký số: Tệp PDF không có chữ ký số." in page

    wrong = client.post(f"/can-bo/ho-so/{code}/thao-tac/sign_result", data={"csrf_token": csrf_from(page), "password": "sai"})
    assert wrong.status_code == 400 and "Không mở được tệp khóa ký số PKCS#12: sai mật khẩu" in wrong.text
    assert _dossier(code).result_esigned is False

    ok = client.post(f"/can-bo/ho-so/{code}/thao-tac/sign_result", follow_redirects=False,
                     data={"csrf_token": csrf_from(page), "password": PASSWORD.decode()})
    assert ok.status_code == 303, ok.text
    assert _dossier(code).result_esigned is True
    page = client.get(f"/can-bo/ho-so/{code}").text
    assert "Kết quả đã ký số: Phạm Văn Lãnh (UBND xã Mỹ An Hưng), " in page

    # The public lookup says who signed; the signed file is the result to download, and it verifies.
    client.cookies.clear()
    found = client.post("/api/v1/lookup", json={"code": code, "digits": APPLICANT["id_number"][-4:]})
    assert found.status_code == 200 and found.json()["result_signature"].startswith("Kết quả đã ký số: Phạm Văn Lãnh")
    looked = client.post("/tra-cuu", data={"ma": code, "so": APPLICANT["id_number"][-4:]})
    assert looked.status_code == 200
    assert re.search(r"Kết quả đã ký số: Phạm Văn Lãnh \(UBND xã Mỹ An Hưng\), \d\d:\d\d ngày \d+/\d+/\d{4}", looked.text)
    as_user(client, w.leader.username)
    detail = client.get(f"/api/v1/dossiers/{code}").json()
    assert detail["result_esigned"] is True and detail["events"][-1]["action"] == "sign_result"


def test_the_api_signs_and_a_specialist_may_not(client, web_world, keys):
    w = web_world
    code = _with_result(client, w)
    as_user(client, w.specialist.username)
    refused = client.post(f"/api/v1/dossiers/{code}/sign-result", json={"password": PASSWORD.decode()})
    assert refused.status_code == 403 and "Chỉ lãnh đạo đơn vị giải quyết" in refused.text
    as_user(client, w.leader.username)
    r = client.post(f"/api/v1/dossiers/{code}/sign-result", json={"password": PASSWORD.decode()})
    assert r.status_code == 200 and r.json()["result_esigned"] is True


def test_without_a_unit_key_the_pdf_is_unsigned_and_said_plainly(client, web_world, keys, monkeypatch):
    w = web_world
    code = _with_result(client, w)
    page = _page_as(client, w.receiver.username, f"/can-bo/ho-so/{code}")
    assert f'/can-bo/ho-so/{code}/mau/01.pdf?ky_so=1">PDF có ký số' in page
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, signing_unit_password=""))
    page = client.get(f"/can-bo/ho-so/{code}").text
    assert "PDF có ký số" not in page and "PDF in ra không có chữ ký số" in page
    refused = client.get(f"/can-bo/ho-so/{code}/mau/01.pdf", params={"ky_so": "1"})
    assert refused.status_code == 400 and "CCHC_SIGNING_UNIT_PASSWORD" in refused.text
    docx = client.get(f"/can-bo/ho-so/{code}/mau/01.docx", params={"ky_so": "1"})
    assert docx.status_code == 422 and "Chỉ tệp PDF mới được ký số" in docx.text


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is needed to print a form as PDF")
def test_the_unit_signs_its_printed_form(client, web_world, keys):
    w = web_world
    code = _with_result(client, w)
    as_user(client, w.receiver.username)
    pdf = client.get(f"/can-bo/ho-so/{code}/mau/01.pdf", params={"ky_so": "1"})
    assert pdf.status_code == 200, pdf.text
    assert "-ky-so.pdf" in pdf.headers["content-disposition"]
    verified = verify_pdf(pdf.content)
    assert verified.signer == "UBND xã Mỹ An Hưng"
    # the register (Mẫu 07) of the officer's unit, through the register form's third button
    assert 'value="pdf-ky-so">Tải sổ (PDF có ký số)' in client.get("/can-bo/so-theo-doi").text
    register = client.get("/can-bo/so-theo-doi", params={"tu_ngay": "01/01/2020", "den_ngay": "31/12/2030",
                                                         "dinh_dang": "pdf-ky-so"})
    assert register.status_code == 200 and verify_pdf(register.content).signer == "UBND xã Mỹ An Hưng"


def test_the_report_pdf_is_signed_by_its_unit_or_said_unsigned(client, web_world, keys, ca, monkeypatch):
    w = web_world
    from tests.webclient import login_page

    login_page(client, w.reporter.username)
    page = client.get("/bao-cao", params={"ky": "2025-H1"}).text
    assert "PDF tải về không có chữ ký số" in page and "Tải PDF có ký số" not in page  # the province has no key
    refused = client.get("/bao-cao/tai", params={"ky": "2025-H1", "dinh_dang": "pdf", "ky_so": "1"})
    assert refused.status_code == 400 and f"Đơn vị mã {w.province.code} chưa có khóa ký số" in refused.text
    (keys / f"{w.province.code}.p12").write_bytes(ca.holder("UBND tỉnh Đồng Tháp", "UBND tỉnh Đồng Tháp").pkcs12())
    page = client.get("/bao-cao", params={"ky": "2025-H1"}).text
    assert "Tải PDF có ký số" in page and "PDF tải về không có chữ ký số" not in page
    docx = client.get("/bao-cao/tai", params={"ky": "2025-H1", "dinh_dang": "docx", "ky_so": "1"})
    assert docx.status_code == 422 and "Chỉ báo cáo PDF mới được ký số" in docx.text
    if shutil.which("soffice"):
        pdf = client.get("/bao-cao/tai", params={"ky": "2025-H1", "dinh_dang": "pdf", "ky_so": "1"})
        assert pdf.status_code == 200 and "-ky-so.pdf" in pdf.headers["content-disposition"]
        assert verify_pdf(pdf.content).signer == "UBND tỉnh Đồng Tháp"
