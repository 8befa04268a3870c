"""What cchc asks of a payment gateway, whoever runs it: a payment URL to send the citizen to, the verification of
what comes back (the browser's return and the server-to-server notification, IPN), and the query of one
transaction for reconciliation. Each adapter (VNPay: `cchc.payments.vnpay`) speaks its provider's protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from cchc.errors import CchcError


class BadSignature(CchcError):
    """What came back is not signed with our secret (forged or altered on the way)."""

    http_status = 400


class GatewayUnavailable(CchcError):
    """The gateway is not configured, or did not answer: online payment cannot go on now (nothing changed)."""

    http_status = 409


@dataclass(frozen=True)
class PaymentRequest:
    txn_ref: str
    amount: int  # đồng
    order_info: str
    return_url: str
    ip_addr: str
    created_at: datetime  # local time (GMT+7)


@dataclass(frozen=True)
class Confirmation:
    """A verified answer of the gateway about one transaction (return, notification or query)."""

    txn_ref: str
    amount: int  # đồng
    paid: bool
    response_code: str
    transaction_no: str = ""
    bank_code: str = ""
    paid_at: datetime | None = None
    params: dict[str, str] = field(default_factory=dict)
    found: bool = True  # False: the gateway knows no such transaction (query)
    message: str = ""


class Gateway(Protocol):
    name: str  # the Method value of its payments
    label: str

    def payment_url(self, request: PaymentRequest) -> str: ...

    def verify_return(self, params: dict[str, str]) -> Confirmation: ...

    def verify_notification(self, params: dict[str, str]) -> Confirmation: ...

    def notification_answer(self, code: str) -> dict[str, str]: ...

    def query(self, txn_ref: str, created_at: datetime, order_info: str, *, at: datetime) -> Confirmation: ...


# The outcome of a notification, in the codes VNPay's IPN expects (cchc answers every gateway with these).
CONFIRMED, NOT_FOUND, ALREADY, BAD_AMOUNT, BAD_SIGNATURE, UNKNOWN = "00", "01", "02", "04", "97", "99"
OUTCOME_MESSAGES = {
    CONFIRMED: "Xác nhận thành công",
    NOT_FOUND: "Không tìm thấy giao dịch",
    ALREADY: "Giao dịch đã được xác nhận trước đó",
    BAD_AMOUNT: "Số tiền không khớp",
    BAD_SIGNATURE: "Chữ ký không hợp lệ",
    UNKNOWN: "Lỗi không xác định",
}
