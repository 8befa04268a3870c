"""The journey of issue 14 in real Chromium: a citizen logs in through the OpenID provider (VNeID's stand-in, the npm
package oidc-provider), submits online, pays the fee through the payment gateway simulator (VNPay's protocol); the
officers take the dossier to its result, the leader signs the result PDF with their key; the citizen downloads the
result and pyHanko (cchc.signatures.verification.verify_pdf) confirms the signature."""

from __future__ import annotations

import dataclasses
import re

import pytest

from cchc import config
from cchc.auth import oidc
from cchc.db import session_factory
from cchc.signatures.verification import verify_pdf
from tests.auth.oidc_fixtures import CITIZEN_ID, ACCOUNTS, start_provider
from tests.browser.conftest import login, logout
from tests.dossiers.factories import make_procedure, make_world
from tests.payments.conftest import FEE, app_url, gateway, vnpay_settings  # noqa: F401 — cchc served, the gateway simulator
from tests.signatures.ca import PASSWORD, TestCA
from tests.signatures.test_signatures import a_pdf
from tests.webclient import with_passwords

pytestmark = pytest.mark.browser
SCAN = {"name": "giay-to.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% scan\n"}


@pytest.fixture
def signed_world(committed, tmp_path, monkeypatch):
    """Officers with passwords, a procedure with a fee, the leader's key and the trusted root of a test CA."""
    with session_factory()() as s:
        w = with_passwords(make_world(s))
        procedure = make_procedure(s, "1.000998", name="Cấp bản sao trích lục khai sinh", fee=FEE)
        s.commit()
    ca = TestCA()
    keys, trust = tmp_path / "keys", tmp_path / "trust"
    keys.mkdir()
    trust.mkdir()
    (keys / f"{w.leader.username}.p12").write_bytes(ca.holder(w.leader.full_name, "UBND xã Mỹ An Hưng").pkcs12())
    (trust / "root.pem").write_bytes(ca.root_pem())
    monkeypatch.setattr(config, "settings", dataclasses.replace(
        config.settings, files_dir=tmp_path / "files", signing_dir=keys, signature_trust_dir=trust))
    return w, procedure


@pytest.fixture
def sign_on(app_url, signed_world, monkeypatch):  # noqa: F811
    """The OpenID provider whose clients come back to the live server's address; cchc configured for it."""
    provider = start_provider(app_url)
    monkeypatch.setattr(config, "settings", dataclasses.replace(
        config.settings, oidc={k: provider.provider_settings(k, app_url) for k in ("citizen", "officer")}))
    oidc.forget_documents()
    yield provider
    oidc.forget_documents()
    provider.process.terminate()
    provider.process.wait(timeout=10)


def act(page, code: str, title: str, fields: dict[str, str] | None = None, files: dict | None = None) -> None:
    page.goto(f"/can-bo/ho-so/{code}")
    details = page.locator("details.action", has=page.get_by_text(title, exact=True))
    details.locator("summary").click()
    for label, value in (fields or {}).items():
        details.get_by_label(label).fill(value)
    for label, value in (files or {}).items():
        details.get_by_label(label).set_input_files(value)
    details.get_by_role("button", name=title).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Đã thực hiện «", exact=False).count(), page.content()[:3000]


def test_vneid_login_online_payment_signed_result(browser, gateway, signed_world, sign_on, artifacts):  # noqa: F811
    w, procedure = signed_world
    base = gateway.app_url
    contexts = []

    def new_page():
        context = browser.new_context(base_url=base, locale="vi-VN", accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60000)
        return page

    try:
        # 1. The citizen logs in with VNeID (the provider's login form), the account made from its claims.
        citizen = new_page()
        citizen.goto("/dang-nhap")
        citizen.get_by_role("link", name=re.compile("Đăng nhập bằng VNeID")).click()
        citizen.locator("input[name=login]").fill(CITIZEN_ID)
        citizen.locator("input[name=password]").fill("khong-dung")
        citizen.locator("button[type=submit]").first.click()
        citizen.wait_for_url(re.compile(re.escape(base)))
        citizen.wait_for_load_state("networkidle")
        assert ACCOUNTS[CITIZEN_ID]["name"] in citizen.content()

        # 2. It submits online.
        citizen.goto(f"/nop-ho-so/{procedure.code}")
        citizen.locator("#f-unit_id").select_option(str(w.commune.id))
        for label, value in (("Số điện thoại", "0912345678"),):
            citizen.get_by_label(label).fill(value)
        for box in citizen.locator('input[type="file"]').all():
            box.set_input_files(SCAN)
        citizen.get_by_role("button", name="Nộp hồ sơ").click()
        citizen.get_by_role("heading", name="Đã nộp hồ sơ thành công").wait_for()
        code = citizen.locator(".code-big").inner_text().strip()

        # 3. It pays the fee through the gateway (another origin), which confirms it to cchc (IPN) and sends it back.
        citizen.goto(f"/ca-nhan/ho-so/{code}")
        citizen.click("text=Thanh toán trực tuyến")
        citizen.click("#den-cong-thanh-toan")
        assert citizen.inner_text("#so-tien") == str(FEE)
        citizen.click("#thanh-toan")
        citizen.wait_for_selector("#ket-qua-thanh-toan")
        assert "Đã thanh toán" in citizen.inner_text("#ket-qua-thanh-toan")

        # 4. The officers take it to its result: accepted, forwarded, finished with the result PDF (unsigned).
        officer = new_page()
        login(officer, w.receiver.username)
        act(officer, code, "Tiếp nhận hồ sơ")
        logout(officer)
        login(officer, w.specialist.username)
        act(officer, code, "Chuyển bước tiếp theo", {"Ý kiến xử lý": "Đủ điều kiện, trình ký"})
        logout(officer)
        login(officer, w.leader.username)
        result = {"name": "trich-luc.pdf", "mimeType": "application/pdf", "buffer": a_pdf("Trích lục khai sinh (bản sao)")}
        act(officer, code, "Hoàn thành xử lý", {"Số, ký hiệu kết quả": "15/TLKS", "Trích yếu kết quả": "Trích lục khai sinh"},
            {"Tệp kết quả điện tử (PDF đã ký số thì chữ ký được xác minh)": result})
        assert officer.get_by_text("Kết quả chưa được ký số: Tệp PDF không có chữ ký số.").count()

        # 5. The leader signs it with the key's password.
        act(officer, code, "Ký số kết quả", {"Mật khẩu (mã PIN) khóa ký số": PASSWORD.decode()})
        signature = officer.get_by_text(re.compile(r"Kết quả đã ký số: Phạm Văn Lãnh \(UBND xã Mỹ An Hưng\), \d\d:\d\d ngày"))
        assert signature.count() == 1
        officer.screenshot(path=str(artifacts / "ho-so-ket-qua-da-ky-so.png"), full_page=True)

        # 6. The citizen sees who signed and downloads the signed result; pyHanko confirms the signature.
        citizen.goto(f"/ca-nhan/ho-so/{code}")
        assert citizen.get_by_text(re.compile("Kết quả đã ký số: Phạm Văn Lãnh")).count() == 1
        with citizen.expect_download() as download:
            citizen.get_by_role("link", name=re.compile("Tải kết quả")).click()
        assert download.value.suggested_filename == "trich-luc-da-ky-so.pdf"
        verified = verify_pdf(open(download.value.path(), "rb").read())
        assert (verified.signer, verified.organisation) == ("Phạm Văn Lãnh", "UBND xã Mỹ An Hưng")
        citizen.screenshot(path=str(artifacts / "cong-dan-ket-qua-da-ky-so.png"), full_page=True)
    finally:
        for context in contexts:
            context.close()
