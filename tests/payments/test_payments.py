"""Online payment of a dossier's fee through VNPay's protocol, with the gateway's side run as a process of its own
(vnpay_simulator.py): the redirect, the payment, the signed return and notification (IPN); forged, altered and
replayed notifications; counter payments with a receipt number; reconciliation; the receipt; and a citizen trying
to mark their own fee paid."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import subprocess
from decimal import Decimal
from urllib.parse import parse_qsl, quote_plus, urlparse

import httpx
import pytest
from sqlalchemy import func, select

from cchc import clock, config, vn
from cchc.audit.models import AuditEntry
from cchc.db import session_factory
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.payments import vnpay
from cchc.payments.gateway import PaymentRequest
from cchc.payments.models import Payment
from tests.webclient import PASSWORD


from .conftest import FEE, TMN


# ---- helpers -----------------------------------------------------------------------------------------------
def login(app_url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=app_url, timeout=60)
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


def start(citizen: httpx.Client, code: str) -> tuple[str, str]:
    """The citizen starts paying: (the gateway address, our transaction reference)."""
    r = citizen.post(f"/api/v1/payments/dossiers/{code}/online")
    assert r.status_code == 201, r.text
    return r.json()["payment_url"], r.json()["payment"]["txn_ref"]


def pay_at_gateway(gateway_url: str, payment_url: str, txn_ref: str, outcome: str = "paid") -> str:
    """Open the gateway's page (it checks our signature), choose the outcome; the address it sends the browser back to."""
    page = httpx.get(payment_url, timeout=30)
    assert page.status_code == 200 and txn_ref in page.text, page.text
    r = httpx.post(f"{gateway_url}/pay", data={"txn_ref": txn_ref, "outcome": outcome}, timeout=60)
    assert r.status_code == 302
    return r.headers["location"]


def gateway_record(gateway_url: str, txn_ref: str) -> dict:
    return httpx.get(f"{gateway_url}/_control/txn", params={"txn_ref": txn_ref}, timeout=30).json()


def signed(secret: str, params: dict[str, str]) -> dict[str, str]:
    data = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(params.items()))
    return {**params, "vnp_SecureHash": hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()}


def dossier_row(code: str) -> Dossier:
    with session_factory()() as s:
        return s.scalar(select(Dossier).where(Dossier.code == code))


def events(code: str, action: str = "record_payment") -> list[DossierEvent]:
    with session_factory()() as s:
        return list(s.scalars(select(DossierEvent).join(Dossier).where(Dossier.code == code, DossierEvent.action == action)))


def payment_row(txn_ref: str) -> Payment:
    with session_factory()() as s:
        return s.scalar(select(Payment).where(Payment.txn_ref == txn_ref))


# ---- the protocol, offline --------------------------------------------------------------------------------
def test_the_payment_url_is_signed_as_vnpay_publishes():
    gw = vnpay.VNPay(TMN, "bi-mat-thu", "https://cong.example/paymentv2/vpcpay.html")
    at = clock.now().replace(microsecond=0)
    url = gw.payment_url(PaymentRequest(txn_ref="26120500000001", amount=184027, order_info="Thanh toán phí hồ sơ H15-1",
                                        return_url="https://cchc.example/thanh-toan/vnpay/ket-qua", ip_addr="10.0.0.9", created_at=at))
    query = urlparse(url).query
    data, _, digest = query.rpartition("&vnp_SecureHash=")
    params = dict(parse_qsl(data))
    # sorted by name, URL-encoded with + for spaces, HMAC-SHA512 with the merchant's secret
    assert list(params) == sorted(params)
    assert "vnp_OrderInfo=Thanh+toan+phi+ho+so+H15-1" in data and "vnp_ReturnUrl=https%3A%2F%2Fcchc.example%2F" in data
    assert digest == hmac.new(b"bi-mat-thu", data.encode(), hashlib.sha512).hexdigest()
    assert (params["vnp_Version"], params["vnp_Command"], params["vnp_CurrCode"], params["vnp_TmnCode"]) == ("2.1.0", "pay", "VND", TMN)
    assert params["vnp_Amount"] == "18402700"  # ×100
    assert params["vnp_CreateDate"] == at.strftime("%Y%m%d%H%M%S")  # Việt Nam's time, GMT+7
    # what comes back signed verifies; a changed amount or another secret does not
    back = signed("bi-mat-thu", {"vnp_TmnCode": TMN, "vnp_TxnRef": "26120500000001", "vnp_Amount": "18402700",
                                 "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00", "vnp_TransactionNo": "14422574",
                                 "vnp_PayDate": "20261205103000", "vnp_BankCode": "NCB", "vnp_OrderInfo": "Thanh toan"})
    c = gw.verify_notification(back)
    assert (c.paid, c.amount, c.transaction_no, c.paid_at.hour) == (True, 184027, "14422574", 10)
    from cchc.payments.gateway import BadSignature

    with pytest.raises(BadSignature, match="không hợp lệ"):
        gw.verify_notification({**back, "vnp_Amount": "100"})
    with pytest.raises(BadSignature):
        vnpay.VNPay(TMN, "khoa-khac", "https://cong.example").verify_notification(back)


def test_without_its_settings_online_payment_is_off_and_says_so(fee_world, monkeypatch, capsys):
    from fastapi.testclient import TestClient

    from cchc.app.main import create_app
    from tests.webclient import login_api

    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, vnpay_tmn_code="", vnpay_hash_secret="", vnpay_url=""))
    with TestClient(create_app()) as client:
        token = login_api(client, fee_world.world.citizen.username)
        page = client.get(f"/ca-nhan/ho-so/{fee_world.code}")
        assert "Thanh toán trực tuyến chưa được bật" in page.text and "50.000 đồng" in page.text
        r = client.post(f"/api/v1/payments/dossiers/{fee_world.code}/online", headers={"X-CSRF-Token": token})
        assert r.status_code == 409 and "chưa được bật" in r.json()["detail"]
        ipn = client.get("/api/v1/payments/vnpay/ipn", params={"vnp_TxnRef": "1"})
        assert ipn.status_code == 200 and ipn.json()["RspCode"] == "99"
    assert not dossier_row(fee_world.code).fee_paid
    from tests.clirunner import run_cli

    code, _, err = run_cli(monkeypatch, capsys, "payments", "reconcile", "--date", "14/6/2026")
    assert code == 2 and "Chưa cấu hình cổng thanh toán (CCHC_VNPAY_TMN_CODE" in " ".join(err.split())


# ---- through the gateway ------------------------------------------------------------------------------------
def test_a_citizen_pays_through_the_gateway_and_a_replayed_notification_changes_nothing(gateway, fee_world, tmp_path):
    citizen = login(gateway.app_url, fee_world.world.citizen.username)
    page = citizen.get(f"/ca-nhan/ho-so/{fee_world.code}")
    assert "Thanh toán trực tuyến" in page.text and "Lệ phí" in page.text and "50.000 đồng" in page.text
    payment_url, ref = start(citizen, fee_world.code)
    assert payment_url.startswith(gateway.url)
    back = pay_at_gateway(gateway.url, payment_url, ref)

    # the gateway notified cchc (server to server) before sending the citizen back
    assert gateway_record(gateway.url, ref)["ipn_answers"] == [{"RspCode": "00", "Message": "Xác nhận thành công"}]
    d = dossier_row(fee_world.code)
    assert (d.fee_paid, d.paid_online) == (True, 2)
    p = payment_row(ref)
    assert (p.state, p.amount, p.bank_code, p.response_code) == ("paid", Decimal(FEE), "NCB", "00")
    assert p.gateway_txn_no and p.confirmed_params["vnp_TxnRef"] == ref and p.receipt_no
    assert p.fee_lines == [{"kind": "le_phi", "description": "Lệ phí", "amount": FEE}]
    [event] = events(fee_world.code)
    assert event.actor_name == "Hệ thống" and "VNPay" in event.note and event.data["transaction_no"] == p.gateway_txn_no
    with session_factory()() as s:  # the attempt and its confirmation are in the audit log, with the values after
        audited = s.execute(select(AuditEntry.action, AuditEntry.after).where(AuditEntry.object_type == "payments",
                                                                             AuditEntry.object_id == str(p.id))).all()
    assert len(audited) >= 2 and any('"paid"' in after for _, after in audited)

    # the return page shows what the server recorded
    result = citizen.get(back)
    assert result.status_code == 200 and "Đã thanh toán" in result.text and p.gateway_txn_no in result.text

    # the same notification again: «already confirmed», nothing changed
    replay = httpx.post(f"{gateway.url}/_control/replay", params={"txn_ref": ref}, timeout=60).json()
    assert replay == {"RspCode": "02", "Message": "Giao dịch đã được xác nhận trước đó"}
    assert len(events(fee_world.code)) == 1 and payment_row(ref).paid_at == p.paid_at
    assert citizen.get(back).status_code == 200 and len(events(fee_world.code)) == 1  # the return again: the same

    # the citizen may not pay a second time; the receipt is a PDF with the amount in words
    again = citizen.post(f"/api/v1/payments/dossiers/{fee_world.code}/online")
    assert again.status_code == 409 and "đã được ghi nhận nộp phí" in again.json()["detail"]
    pdf = citizen.get(f"/thanh-toan/{p.id}/bien-lai.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    (tmp_path / "bien-lai.pdf").write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "bien-lai.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in text and "50.000" in text and "Năm mươi nghìn đồng" in text and fee_world.code in text
    assert login(gateway.app_url, fee_world.world.other_citizen.username).get(f"/thanh-toan/{p.id}/bien-lai.pdf").status_code in (403, 404)


def test_forged_altered_and_unknown_notifications_are_refused(gateway, fee_world):
    citizen = login(gateway.app_url, fee_world.world.citizen.username)
    ipn = f"{gateway.app_url}/api/v1/payments/vnpay/ipn"

    # through the gateway: signed for another amount (04), signed with another secret (97)
    url, ref = start(citizen, fee_world.code)
    pay_at_gateway(gateway.url, url, ref, "wrong_amount")
    assert gateway_record(gateway.url, ref)["ipn_answers"][0]["RspCode"] == "04"
    url2, ref2 = start(citizen, fee_world.code)
    back = pay_at_gateway(gateway.url, url2, ref2, "bad_signature")
    assert gateway_record(gateway.url, ref2)["ipn_answers"][0]["RspCode"] == "97"
    refused = citizen.get(back)
    assert refused.status_code == 400 and "chữ ký của cổng thanh toán không đúng" in refused.text

    # made up by hand: a reference cchc never sent (01), a tampered value under a real signature (97)
    base = {"vnp_TmnCode": TMN, "vnp_Amount": str(FEE * 100), "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00",
            "vnp_TransactionNo": "99887766", "vnp_PayDate": clock.now().strftime("%Y%m%d%H%M%S"), "vnp_BankCode": "NCB"}
    assert httpx.get(ipn, params=signed(gateway.secret, {**base, "vnp_TxnRef": "00000000000000"})).json()["RspCode"] == "01"
    good = signed(gateway.secret, {**base, "vnp_TxnRef": ref})
    assert httpx.get(ipn, params={**good, "vnp_TransactionNo": "1"}).json()["RspCode"] == "97"
    assert httpx.get(ipn, params={k: v for k, v in good.items() if k != "vnp_SecureHash"}).json()["RspCode"] == "97"

    d = dossier_row(fee_world.code)
    assert (d.fee_paid, d.paid_online) == (False, 0) and events(fee_world.code) == []
    assert {payment_row(ref).state, payment_row(ref2).state} == {"created"}

    # a cancelled payment is recorded as such; the dossier still waits
    url3, ref3 = start(citizen, fee_world.code)
    pay_at_gateway(gateway.url, url3, ref3, "cancel")
    assert payment_row(ref3).state == "cancelled" and not dossier_row(fee_world.code).fee_paid


def test_a_citizen_can_never_mark_their_own_fee_paid(app_url, fee_world):
    """Before: POST /record-payment {"online": 1} as the owner answered «paid». Now refused in Vietnamese, nothing changed."""
    citizen = login(app_url, fee_world.world.citizen.username)
    for online in (1, 2, 0):
        r = citizen.post(f"/api/v1/dossiers/{fee_world.code}/record-payment", json={"amount": FEE, "online": online})
        assert r.status_code == 403 and "Công dân không tự ghi nhận nộp phí" in r.json()["detail"], r.text
    r = citizen.post(f"/api/v1/payments/dossiers/{fee_world.code}/counter", json={"method": "tien_mat", "receipt_no": "1", "amount": FEE})
    assert r.status_code == 403
    assert not dossier_row(fee_world.code).fee_paid and events(fee_world.code) == []


def test_an_officer_records_a_counter_payment_with_its_receipt_number(app_url, fee_world):
    w = fee_world.world
    officer = login(app_url, w.receiver.username)
    url = f"/api/v1/payments/dossiers/{fee_world.code}/counter"
    missing = officer.post(url, json={"method": "tien_mat", "receipt_no": " ", "amount": FEE})
    assert missing.status_code == 422 and "Số biên lai" in missing.json()["detail"]
    bad = officer.post(url, json={"method": "the_tin_dung", "receipt_no": "0001234", "amount": FEE})
    assert bad.status_code == 422 and "Hình thức nộp «the_tin_dung» không hợp lệ" in bad.json()["detail"]
    less = officer.post(url, json={"method": "pos", "receipt_no": "0001234", "amount": 20000})
    assert less.status_code == 422 and "ít hơn số phải nộp" in less.json()["detail"]
    page_url = f"/can-bo/ho-so/{fee_world.code}/thanh-toan"
    assert "Ghi nhận nộp tại quầy" in officer.get(page_url).text
    form = officer.post(page_url, data={"method": "chuyen_khoan", "receipt_no": "", "amount": str(FEE)})
    assert form.status_code == 422 and "Số biên lai" in form.text  # the page again, the message by its field
    online = officer.post(f"/api/v1/dossiers/{fee_world.code}/record-payment", json={"amount": FEE, "online": 2})
    assert online.status_code == 422 and "cổng thanh toán xác nhận" in online.json()["detail"]
    assert not dossier_row(fee_world.code).fee_paid

    r = officer.post(url, json={"method": "tien_mat", "receipt_no": "0001234", "amount": FEE})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["state"], body["method_label"], body["receipt_no"], body["amount"]) == ("paid", "Tiền mặt tại quầy", "0001234", FEE)
    d = dossier_row(fee_world.code)
    assert (d.fee_paid, d.paid_online) == (True, 0)
    [event] = events(fee_world.code)
    assert event.actor_name == w.receiver.full_name and "biên lai số 0001234" in event.note
    assert officer.post(url, json={"method": "tien_mat", "receipt_no": "0001235", "amount": FEE}).status_code == 409

    listing = officer.get("/api/v1/payments").json()
    assert (listing["total"], listing["paid_count"], listing["paid_sum"]) == (1, 1, FEE)
    page = officer.get("/can-bo/thanh-toan")
    assert page.status_code == 200 and "0001234" in page.text and "50.000" in page.text
    assert login(app_url, w.other_receiver.username).get("/api/v1/payments").json()["total"] == 0  # another commune's officer


def test_reconciliation_lists_what_cchc_and_the_gateway_disagree_on(gateway, fee_world, monkeypatch, capsys):
    citizen = login(gateway.app_url, fee_world.world.citizen.username)
    url, unpaid_ref = start(citizen, fee_world.code)
    pay_at_gateway(gateway.url, url, unpaid_ref, "paid_no_ipn")  # the bank took the money, the notification was lost
    url, left_ref = start(citizen, fee_world.code)  # opened, never paid
    day = payment_row(unpaid_ref).created_at.date()

    from tests.clirunner import run_cli

    code, out, err = run_cli(monkeypatch, capsys, "payments", "reconcile", "--date", vn.fmt_date(day))
    assert code == 1, err
    flat = " ".join(out.split())
    assert "cổng thanh toán đã thu 50.000 đồng" in flat and "cchc chưa ghi nhận" in flat and "1/2 giao dịch không khớp:" in flat
    assert payment_row(left_ref).reconcile_result == "" and payment_row(left_ref).reconciled_at is not None
    assert "chưa ghi nhận" in payment_row(unpaid_ref).reconcile_result

    officer = login(gateway.app_url, fee_world.world.receiver.username)
    page = officer.get("/can-bo/thanh-toan", params={"ngay": vn.fmt_date(day)})
    assert "Không khớp" in page.text and "cchc chưa ghi nhận" in page.text
    with session_factory()() as s:  # nothing was marked paid by the reconciliation itself
        assert s.scalar(select(func.count()).select_from(Payment).where(Payment.state == "paid")) == 0


@pytest.mark.browser
def test_the_citizen_pays_in_the_browser_and_sees_it_paid(gateway, fee_world, browser, artifacts):
    context = browser.new_context(base_url=gateway.app_url, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(60000)
    try:
        page.goto("/dang-nhap")
        page.fill("input[name=username]", fee_world.world.citizen.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"/ca-nhan/ho-so/{fee_world.code}")
        page.click("text=Thanh toán trực tuyến")
        page.click("#den-cong-thanh-toan")
        assert page.inner_text("#so-tien") == str(FEE)  # the gateway's page, another origin
        page.click("#thanh-toan")
        page.wait_for_selector("#ket-qua-thanh-toan")
        assert "Đã thanh toán" in page.inner_text("#ket-qua-thanh-toan")
        page.screenshot(path=str(artifacts / "thanh-toan-ket-qua.png"), full_page=True)
        page.click("text=Xem hồ sơ")
        fee = page.inner_text("#phi-le-phi")
        assert "Đã nộp phí, lệ phí" in fee and re.search(r"Biên lai số \S+", fee)
        page.screenshot(path=str(artifacts / "thanh-toan-ho-so-da-nop.png"), full_page=True)
    finally:
        context.close()


def test_the_766_payment_figure_counts_payments_the_gateway_confirmed(gateway, fee_world):
    """Two received dossiers with a fee: one paid through the gateway, one whose online attempt came back forged
    and was then paid at the counter — «thanh toán trực tuyến» is 1 of 2."""
    from cchc.auth.models import User
    from cchc.dossiers import service as dossiers
    from cchc.stats.online import online_figures
    from cchc.units.models import Unit
    from tests.dossiers.factories import APPLICANT

    w = fee_world.world
    with session_factory()() as s:
        first = s.scalar(select(Dossier).where(Dossier.code == fee_world.code))
        second = dossiers.submit_online(s, s.get(User, w.citizen.id), procedure=first.procedure, unit=s.get(Unit, w.commune.id),
                                        applicant=APPLICANT)
        for d in (first, second):
            dossiers.accept(s, s.get(User, w.receiver.id), d)
        s.commit()
        codes, day = (first.code, second.code), first.received_at.date()
    citizen = login(gateway.app_url, w.citizen.username)
    url, ref = start(citizen, codes[0])
    pay_at_gateway(gateway.url, url, ref)
    url, ref = start(citizen, codes[1])
    pay_at_gateway(gateway.url, url, ref, "bad_signature")
    officer = login(gateway.app_url, w.receiver.username)
    assert officer.post(f"/api/v1/payments/dossiers/{codes[1]}/counter",
                        json={"method": "pos", "receipt_no": "0000077", "amount": FEE}).status_code == 201
    with session_factory()() as s:
        figures = online_figures(s, w.commune.id, day, day)
    assert figures["fee_dossiers"] == {"with_fee": 2, "paid_online": 1, "rate": 50.0}
