"""VNPay's published protocol (payment URL v2.1.0, return URL, IPN, querydr), from its merchant documentation
(sandbox.vnpayment.vn/apis/docs: "Thanh toán PAY", "Truy vấn và hoàn tiền").

Signing: the vnp_* parameters but vnp_SecureHash(Type), sorted by name, each key=value URL-encoded (spaces as +),
joined by &, HMAC-SHA512 with the merchant's hash secret, hex. Amounts are sent ×100 (no decimals). Dates are
yyyyMMddHHmmss in GMT+7 — cchc's local time. querydr is a JSON POST whose checksum joins its fields with |.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import quote_plus

from cchc import vn
from cchc.payments.gateway import OUTCOME_MESSAGES, UNKNOWN, BadSignature, Confirmation, GatewayUnavailable, PaymentRequest

VERSION = "2.1.0"
DATE_FORMAT = "%Y%m%d%H%M%S"
EXPIRE_MINUTES = 15
SIGNATURE_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")
# The fields querydr signs, in this order, for the request and for its answer.
QUERY_SIGNED = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef", "vnp_TransactionDate",
                "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo")
ANSWER_SIGNED = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef",
                 "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType",
                 "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode", "vnp_PromotionAmount")


def hash_data(params: dict[str, str]) -> str:
    """What is signed: the parameters (not the signature, not empty values) sorted by name, URL-encoded."""
    return "&".join(f"{quote_plus(k)}={quote_plus(str(v))}" for k, v in sorted(params.items())
                    if k not in SIGNATURE_FIELDS and k.startswith("vnp_") and str(v) != "")


def sign(secret: str, data: str) -> str:
    return hmac.new(secret.encode("utf-8"), data.encode("utf-8"), hashlib.sha512).hexdigest()


def local_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, DATE_FORMAT)
    except (TypeError, ValueError):
        return None


class VNPay:
    name = "vnpay"
    label = "VNPay"

    def __init__(self, tmn_code: str, hash_secret: str, pay_url: str, api_url: str = "", timeout: float = 20.0):
        if not (tmn_code and hash_secret and pay_url):
            raise GatewayUnavailable("Thiếu cấu hình VNPay (CCHC_VNPAY_TMN_CODE, CCHC_VNPAY_HASH_SECRET, CCHC_VNPAY_URL).")
        self.tmn_code, self._secret, self.pay_url, self.api_url, self.timeout = tmn_code, hash_secret, pay_url, api_url, timeout

    # ---- the citizen's way there and back -------------------------------------------------------------
    def payment_url(self, request: PaymentRequest) -> str:
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(request.amount * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": request.txn_ref,
            "vnp_OrderInfo": vn.strip_accents(request.order_info),  # VNPay asks for Vietnamese without accents
            "vnp_OrderType": "other",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": request.return_url,
            "vnp_IpAddr": request.ip_addr or "127.0.0.1",
            "vnp_CreateDate": request.created_at.strftime(DATE_FORMAT),
            "vnp_ExpireDate": (request.created_at + timedelta(minutes=EXPIRE_MINUTES)).strftime(DATE_FORMAT),
        }
        data = hash_data(params)
        return f"{self.pay_url}?{data}&vnp_SecureHash={sign(self._secret, data)}"

    def _verified(self, params: dict[str, str]) -> Confirmation:
        sent = str(params.get("vnp_SecureHash", ""))
        if not sent or not hmac.compare_digest(sent.lower(), sign(self._secret, hash_data(params))):
            raise BadSignature("Chữ ký của cổng thanh toán VNPay không hợp lệ: dữ liệu không do VNPay gửi hoặc đã bị sửa.")
        if params.get("vnp_TmnCode") != self.tmn_code:
            raise BadSignature(f"Mã website «{params.get('vnp_TmnCode', '')}» không phải của cchc.")
        try:
            amount = int(str(params.get("vnp_Amount", ""))) // 100
        except ValueError:
            amount = -1
        code, status = params.get("vnp_ResponseCode", ""), params.get("vnp_TransactionStatus", "")
        return Confirmation(
            txn_ref=str(params.get("vnp_TxnRef", "")), amount=amount, paid=code == "00" and status in ("00", ""),
            response_code=code, transaction_no=str(params.get("vnp_TransactionNo", "")),
            bank_code=str(params.get("vnp_BankCode", "")), paid_at=local_time(params.get("vnp_PayDate", "")),
            params={k: str(v) for k, v in params.items() if k not in SIGNATURE_FIELDS})

    verify_return = _verified
    verify_notification = _verified

    def notification_answer(self, code: str) -> dict[str, str]:
        return {"RspCode": code if code in OUTCOME_MESSAGES else UNKNOWN, "Message": OUTCOME_MESSAGES.get(code, OUTCOME_MESSAGES[UNKNOWN])}

    # ---- reconciliation ----------------------------------------------------------------------------------------
    def query(self, txn_ref: str, created_at: datetime, order_info: str, *, at: datetime) -> Confirmation:
        if not self.api_url:
            raise GatewayUnavailable("Chưa cấu hình địa chỉ API truy vấn giao dịch của VNPay (CCHC_VNPAY_API_URL).")
        body = {
            "vnp_RequestId": secrets.token_hex(16), "vnp_Version": VERSION, "vnp_Command": "querydr",
            "vnp_TmnCode": self.tmn_code, "vnp_TxnRef": txn_ref, "vnp_OrderInfo": vn.strip_accents(order_info),
            "vnp_TransactionDate": created_at.strftime(DATE_FORMAT), "vnp_CreateDate": at.strftime(DATE_FORMAT),
            "vnp_IpAddr": "127.0.0.1",
        }
        body["vnp_SecureHash"] = sign(self._secret, "|".join(body[k] for k in QUERY_SIGNED))
        request = urllib.request.Request(self.api_url, data=json.dumps(body).encode("utf-8"),
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise GatewayUnavailable(f"Không truy vấn được giao dịch {txn_ref} tại VNPay: {exc}.") from None
        answer = {k: "" if v is None else str(v) for k, v in answer.items()}
        expected = sign(self._secret, "|".join(answer.get(k, "") for k in ANSWER_SIGNED))
        if not hmac.compare_digest(answer.get("vnp_SecureHash", "").lower(), expected):
            raise BadSignature(f"Câu trả lời truy vấn giao dịch {txn_ref} của VNPay có chữ ký không hợp lệ.")
        code = answer.get("vnp_ResponseCode", "")
        if code == "91":  # the gateway knows no such transaction
            return Confirmation(txn_ref=txn_ref, amount=0, paid=False, response_code=code, found=False,
                                message=answer.get("vnp_Message", ""), params=answer)
        if code != "00":
            raise GatewayUnavailable(f"VNPay không trả lời truy vấn giao dịch {txn_ref} (mã {code}: {answer.get('vnp_Message', '')}).")
        try:
            amount = int(answer.get("vnp_Amount") or 0) // 100
        except ValueError:
            amount = -1
        return Confirmation(
            txn_ref=txn_ref, amount=amount, paid=answer.get("vnp_TransactionStatus") == "00", response_code=code,
            transaction_no=answer.get("vnp_TransactionNo", ""), bank_code=answer.get("vnp_BankCode", ""),
            paid_at=local_time(answer.get("vnp_PayDate", "")), params=answer, message=answer.get("vnp_Message", ""))


def from_settings(settings) -> VNPay | None:
    """The VNPay gateway when its merchant code, hash secret and URL are all set; else None (online payment off)."""
    if not (settings.vnpay_tmn_code and settings.vnpay_hash_secret and settings.vnpay_url):
        return None
    return VNPay(settings.vnpay_tmn_code, settings.vnpay_hash_secret, settings.vnpay_url, settings.vnpay_api_url)

