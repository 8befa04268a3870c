"""API: payments of a dossier's fees — online through the gateway (the citizen), at the counter (the officer), the
gateway's server-to-server notification (IPN), the officer's list of payments and their reconciliation."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from cchc.auth.deps import current_user, officer
from cchc.auth.models import User
from cchc.dossiers import service as dossiers
from cchc.payments import service
from cchc.payments.enums import Method, PaymentState
from cchc.payments.gateway import UNKNOWN
from cchc.payments.models import Payment
from cchc.payments.pages import return_url
from cchc.web.deps import DB_SESSION, check_csrf, client_address
from cchc.web.inputs import typed_date

router = APIRouter(prefix="/api/v1/payments", tags=["Thanh toán phí, lệ phí"])


class FeeLineOut(BaseModel):
    kind: str
    description: str
    amount: int


class PaymentOut(BaseModel):
    id: int
    dossier_code: str
    amount: int = Field(..., description="Số tiền (đồng)")
    fee_lines: list[FeeLineOut]
    method: str
    method_label: str
    state: str = Field(..., description="created | paid | failed | cancelled")
    state_label: str
    txn_ref: str | None
    gateway_txn_no: str
    bank_code: str
    paid_at: datetime | None
    receipt_no: str
    receipt_url: str | None
    created_at: datetime
    reconciled_at: datetime | None
    reconcile_result: str
    note: str


class PaymentList(BaseModel):
    total: int
    paid_count: int
    paid_sum: int = Field(..., description="Tổng số tiền đã thu (đồng)")
    items: list[PaymentOut]


class OnlineOut(BaseModel):
    payment: PaymentOut
    payment_url: str = Field(..., description="Địa chỉ cổng thanh toán để chuyển người dân tới")


class CounterIn(BaseModel):
    method: str = Field(..., description="tien_mat | pos | chuyen_khoan")
    receipt_no: str = Field(..., description="Số biên lai đã giao cho người nộp")
    amount: int | str = Field(..., description="Số tiền đã nộp (đồng)")


class IpnAnswer(BaseModel):
    RspCode: str = Field(..., description="00 xác nhận; 01 không có giao dịch; 02 đã xác nhận trước đó; 04 sai số tiền; "
                                          "97 sai chữ ký; 99 lỗi khác")
    Message: str


def payment_out(p: Payment, dossier_code: str) -> PaymentOut:
    return PaymentOut(
        id=p.id, dossier_code=dossier_code, amount=int(p.amount), fee_lines=[FeeLineOut(**line) for line in p.fee_lines or []],
        method=p.method, method_label=Method(p.method).label, state=p.state, state_label=PaymentState(p.state).label,
        txn_ref=p.txn_ref, gateway_txn_no=p.gateway_txn_no, bank_code=p.bank_code, paid_at=p.paid_at, receipt_no=p.receipt_no,
        receipt_url=f"/thanh-toan/{p.id}/bien-lai.pdf" if p.state == PaymentState.PAID else None, created_at=p.created_at,
        reconciled_at=p.reconciled_at, reconcile_result=p.reconcile_result, note=p.note,
    )


@router.get("", response_model=PaymentList, summary="Các khoản thanh toán của hồ sơ trong phạm vi cán bộ (theo ngày, trạng thái)")
def api_list(date: str = "", state: str = "", db: Session = DB_SESSION, user: User = Depends(officer)) -> PaymentList:
    day = typed_date(date, "Ngày", "date") if date else None
    listing = service.list_payments(db, user, day=day, state=state)
    return PaymentList(total=listing.total, paid_count=listing.paid_count, paid_sum=listing.paid_sum,
                       items=[payment_out(p, code) for p, code in listing.rows])


@router.get("/dossiers/{code}", response_model=list[PaymentOut], summary="Các khoản thanh toán của một hồ sơ")
def api_of_dossier(code: str, db: Session = DB_SESSION, user: User = Depends(current_user)) -> list[PaymentOut]:
    dossier = dossiers.get_dossier(db, user, code)
    return [payment_out(p, dossier.code) for p in service.payments_of(db, dossier)]


@router.post("/dossiers/{code}/online", response_model=OnlineOut, status_code=201, dependencies=[Depends(check_csrf)],
             summary="Chủ hồ sơ bắt đầu thanh toán trực tuyến: trả về địa chỉ cổng thanh toán")
def api_online(code: str, request: Request, db: Session = DB_SESSION, user: User = Depends(current_user)) -> OnlineOut:
    dossier = dossiers.get_dossier(db, user, code)
    payment, url = service.start_online(db, user, dossier, return_url=return_url(request), ip_addr=client_address(request))
    return OnlineOut(payment=payment_out(payment, dossier.code), payment_url=url)


@router.post("/dossiers/{code}/counter", response_model=PaymentOut, status_code=201, dependencies=[Depends(check_csrf)],
             summary="Cán bộ ghi nhận khoản nộp tại quầy (tiền mặt, POS, chuyển khoản) kèm số biên lai")
def api_counter(code: str, body: CounterIn, db: Session = DB_SESSION, user: User = Depends(officer)) -> PaymentOut:
    dossier = dossiers.get_dossier(db, user, code)
    payment = service.record_counter(db, user, dossier, method=body.method, receipt_no=body.receipt_no, amount=body.amount)
    return payment_out(payment, dossier.code)


@router.get("/vnpay/ipn", response_model=IpnAnswer, summary="Thông báo kết quả thanh toán của VNPay (IPN), máy chủ gọi máy chủ",
            description="Tham số vnp_* có chữ ký vnp_SecureHash (HMAC-SHA512). Luôn trả 200 với RspCode theo giao thức VNPay.")
def api_vnpay_ipn(request: Request, db: Session = DB_SESSION) -> IpnAnswer:
    gateway = service.online_gateway()
    if gateway is None:
        return IpnAnswer(RspCode=UNKNOWN, Message=service.OFF)
    code, _ = service.confirm(db, gateway, dict(request.query_params))
    return IpnAnswer(**gateway.notification_answer(code))

