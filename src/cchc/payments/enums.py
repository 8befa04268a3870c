"""The states of a payment attempt and the ways a fee is paid, with their Vietnamese labels."""

from __future__ import annotations

from enum import StrEnum


class PaymentState(StrEnum):
    CREATED = "created"  # sent to the gateway, no answer yet
    PAID = "paid"  # the gateway confirmed it (signed), or an officer recorded it at the counter
    FAILED = "failed"  # the gateway answered that it was not paid
    CANCELLED = "cancelled"  # the citizen cancelled at the gateway

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    PaymentState.CREATED: "Chờ cổng thanh toán xác nhận",
    PaymentState.PAID: "Đã thanh toán",
    PaymentState.FAILED: "Không thành công",
    PaymentState.CANCELLED: "Đã hủy",
}


class Method(StrEnum):
    VNPAY = "vnpay"
    PAYGOV = "paygov"
    CASH = "tien_mat"
    POS = "pos"
    TRANSFER = "chuyen_khoan"

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]

    @property
    def online(self) -> bool:
        return self in (Method.VNPAY, Method.PAYGOV)


METHOD_LABELS = {
    Method.VNPAY: "Trực tuyến qua VNPay",
    Method.PAYGOV: "Trực tuyến qua Nền tảng thanh toán của Cổng DVCQG",
    Method.CASH: "Tiền mặt tại quầy",
    Method.POS: "Thẻ qua máy POS tại quầy",
    Method.TRANSFER: "Chuyển khoản",
}
COUNTER_METHODS = (Method.CASH, Method.POS, Method.TRANSFER)
