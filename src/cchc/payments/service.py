"""Payments of a dossier's fees: an online attempt sent to a gateway, its confirmation (the gateway's signed
notification, or the signed return of the citizen's browser — both verified the same way, either may come first),
payments at the counter with a receipt number, the reconciliation of a day against the gateway's answers.

The dossier's fee paid / paid online flags change only here and only through cchc.dossiers.service.record_payment:
as the system when a gateway confirmed a payment, as the officer at the counter. A notification received again
changes nothing ("already confirmed"); an amount other than the attempt's is refused, and so is a signature that
is not ours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from cchc import config
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.dossiers import service as dossiers
from cchc.dossiers import transitions as tr
from cchc.dossiers.enums import OnlinePayment
from cchc.dossiers.models import Dossier
from cchc.dossiers.scope import dossier_clause
from cchc.errors import CchcError, NotFound, PermissionDenied, ValidationError
from cchc.payments import vnpay
from cchc.payments.enums import COUNTER_METHODS, Method, PaymentState
from cchc.payments.gateway import (ALREADY, BAD_AMOUNT, BAD_SIGNATURE, CONFIRMED, NOT_FOUND, BadSignature, Confirmation,
                                   Gateway, GatewayUnavailable, PaymentRequest)
from cchc.payments.models import Payment
from cchc.procedures.models import Procedure
from cchc.values import moment, required_text
from cchc.vn import fmt_date, fmt_int

# How a gateway's confirmed payment is told to DVCQG (DuocThanhToanTrucTuyen): through the national platform = 1,
# through a gateway of the province = 2.
ONLINE_FLAG = {Method.VNPAY: OnlinePayment.LOCAL_GATEWAY, Method.PAYGOV: OnlinePayment.DVCQG}
OFF = ("Thanh toán trực tuyến chưa được bật trên hệ thống này (chưa cấu hình cổng thanh toán); vui lòng nộp phí, "
       "lệ phí tại Bộ phận Một cửa.")


def online_gateway() -> Gateway | None:
    """The configured gateway (VNPay), or None: online payment is off."""
    return vnpay.from_settings(config.settings)


def order_info(dossier_code: str) -> str:
    return f"Thanh toan phi, le phi ho so {dossier_code}"


# ---- what is owed ------------------------------------------------------------------------------------------
def fee_lines(session: Session, dossier: Dossier) -> list[dict[str, Any]]:
    """The procedure's fee lines that make up the dossier's fee due; when the agency asked for another sum (a
    financial obligation, request_financial), that one obligation."""
    due = int(dossier.fee_amount or 0)
    procedure = session.get(Procedure, dossier.procedure_id)
    lines = [{"kind": f.kind, "description": f.description or ("Phí" if f.kind == "phi" else "Lệ phí"), "amount": int(f.amount)}
             for f in (procedure.fees if procedure else []) if f.amount and f.amount > 0]
    if sum(line["amount"] for line in lines) != due:
        when = f" ngày {fmt_date(dossier.financial_requested_at)}" if dossier.financial_requested_at else ""
        lines = [{"kind": "nghia_vu_tai_chinh", "description": f"Nghĩa vụ tài chính theo yêu cầu của cơ quan giải quyết{when}",
                  "amount": due}]
    return lines


def payable(dossier: Dossier) -> bool:
    """The dossier has a fee due now (the state rules of record_payment)."""
    try:
        tr.require(dossier, "record_payment")
    except CchcError:
        return False
    return True


# ---- online ------------------------------------------------------------------------------------------------
def start_online(session: Session, user: User, dossier: Dossier, *, return_url: str, ip_addr: str,
                 gateway: Gateway | None = None, at: datetime | None = None) -> tuple[Payment, str]:
    """A new attempt for the dossier's whole fee due, and the gateway's address to send the citizen to."""
    at = moment(at)
    tr.require_active(user)
    if not tr.is_owner(user, dossier):
        raise PermissionDenied(f"Chỉ chủ hồ sơ {dossier.code} thanh toán trực tuyến phí, lệ phí của hồ sơ này.")
    gateway = gateway or online_gateway()
    if gateway is None:
        raise GatewayUnavailable(OFF)
    tr.require(dossier, "record_payment")
    payment = Payment(dossier_id=dossier.id, unit_id=dossier.unit_id, amount=Decimal(dossier.fee_amount),
                      fee_lines=fee_lines(session, dossier), method=gateway.name, state=PaymentState.CREATED,
                      created_by_user_id=user.id, created_at=at)
    session.add(payment)
    session.flush()
    payment.txn_ref = f"{at:%y%m%d}{payment.id:08d}"
    session.flush()
    url = gateway.payment_url(PaymentRequest(txn_ref=payment.txn_ref, amount=int(payment.amount), order_info=order_info(dossier.code),
                                             return_url=return_url, ip_addr=ip_addr, created_at=at))
    return payment, url


def confirm(session: Session, gateway: Gateway, params: dict[str, str], *, at: datetime | None = None,
            via_return: bool = False) -> tuple[str, Payment | None]:
    """Apply what the gateway signed (a notification, or the browser's return): the outcome code of the notification
    (00 confirmed, 01 unknown reference, 02 already confirmed, 04 wrong amount, 97 bad signature) and the payment."""
    at = moment(at)
    try:
        c = gateway.verify_return(params) if via_return else gateway.verify_notification(params)
    except BadSignature:
        return BAD_SIGNATURE, None
    payment = session.scalar(select(Payment).where(Payment.txn_ref == c.txn_ref, Payment.method == gateway.name).with_for_update())
    if payment is None:
        return NOT_FOUND, None
    if c.amount != int(payment.amount):
        return BAD_AMOUNT, payment
    if payment.state != PaymentState.CREATED:
        return ALREADY, payment
    _apply(session, gateway, payment, c, at)
    return CONFIRMED, payment


def _apply(session: Session, gateway: Gateway, payment: Payment, c: Confirmation, at: datetime) -> None:
    payment.response_code, payment.gateway_txn_no, payment.bank_code = c.response_code, c.transaction_no, c.bank_code
    payment.confirmed_params = c.params
    if not c.paid:
        payment.state = PaymentState.CANCELLED if c.response_code == "24" else PaymentState.FAILED  # 24: the citizen cancelled
        session.flush()
        return
    payment.state, payment.paid_at = PaymentState.PAID, c.paid_at or at
    payment.receipt_no = f"{payment.paid_at:%y}TT{payment.id:06d}"
    dossier = session.get(Dossier, payment.dossier_id)
    try:
        dossiers.record_payment(
            session, None, dossier, payment.amount, ONLINE_FLAG[Method(gateway.name)], at=max(at, payment.paid_at),
            note=f"{gateway.label}, mã giao dịch {c.transaction_no}, biên lai số {payment.receipt_no}",
            details={"payment_id": payment.id, "txn_ref": payment.txn_ref, "transaction_no": c.transaction_no,
                     "gateway": gateway.name, "receipt_no": payment.receipt_no})
    except CchcError as exc:
        # The money was taken: the payment stays paid, and the reconciliation lists it for a refund or a correction.
        payment.note = f"Cổng thanh toán đã thu tiền nhưng không ghi nhận được vào hồ sơ: {exc.message}"
    session.flush()


# ---- at the counter ----------------------------------------------------------------------------------------
def record_counter(session: Session, officer: User, dossier: Dossier, *, method: str, receipt_no: str, amount: Any,
                   at: datetime | None = None) -> Payment:
    """A fee paid at the counter (cash, POS card, bank transfer) with the number of the receipt given (biên lai số)."""
    at = moment(at)
    try:
        how = Method(str(method or ""))
    except ValueError:
        how = None
    if how not in COUNTER_METHODS:
        names = ", ".join(f"{m.value} ({m.label})" for m in COUNTER_METHODS)
        raise ValidationError(f"Hình thức nộp «{method}» không hợp lệ: chọn một trong {names}.", field="method")
    number = required_text(receipt_no, "Số biên lai", field="receipt_no", limit=40)
    paid = tr.amount(amount, "Số tiền đã nộp")
    if session.scalar(select(exists().where(Payment.unit_id == dossier.unit_id, Payment.receipt_no == number))):
        raise ValidationError(f"Biên lai số {number} đã được ghi cho một khoản nộp khác của đơn vị.", field="receipt_no")
    dossiers.record_payment(session, officer, dossier, paid, OnlinePayment.NONE, at=at,
                            note=f"{how.label}, biên lai số {number}", details={"method": how.value, "receipt_no": number})
    payment = Payment(dossier_id=dossier.id, unit_id=dossier.unit_id, amount=paid, fee_lines=fee_lines(session, dossier),
                      method=how, state=PaymentState.PAID, paid_at=at, receipt_no=number, created_by_user_id=officer.id,
                      created_at=at)
    session.add(payment)
    session.flush()
    return payment


# ---- reading ------------------------------------------------------------------------------------------------
def payments_of(session: Session, dossier: Dossier) -> list[Payment]:
    return list(session.scalars(select(Payment).where(Payment.dossier_id == dossier.id).order_by(Payment.id)))


def get_payment(session: Session, user: User, payment_id: int) -> tuple[Payment, Dossier]:
    """A payment and its dossier, if the user may see the dossier (its owner, an officer in scope)."""
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFound(f"Không tìm thấy khoản thanh toán số {payment_id}.")
    dossier = session.get(Dossier, payment.dossier_id)
    dossiers.get_dossier(session, user, dossier.code)  # refuses outside the user's scope
    return payment, dossier


def day_window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time())
    return start, start + timedelta(days=1)


@dataclass
class Listing:
    rows: list[tuple[Payment, str]]  # (payment, dossier code)
    total: int
    paid_count: int
    paid_sum: int


def list_payments(session: Session, user: User, *, day: date | None = None, state: str = "", limit: int = 200) -> Listing:
    """The payments of the dossiers the officer may see (of one day), newest first, with their totals counted in SQL."""
    if user.role == Role.CITIZEN:
        raise PermissionDenied("Danh sách thanh toán chỉ dành cho cán bộ.")
    conds = [dossier_clause(session, user)]
    if day is not None:
        start, end = day_window(day)
        conds.append(or_(and_(Payment.created_at >= start, Payment.created_at < end),
                         and_(Payment.paid_at >= start, Payment.paid_at < end)))
    if state:
        try:
            conds.append(Payment.state == PaymentState(state).value)
        except ValueError:
            raise ValidationError(f"Trạng thái thanh toán «{state}» không hợp lệ.", field="state") from None
    base = select(Payment).join(Dossier, Dossier.id == Payment.dossier_id).where(*conds)
    sub = base.subquery()
    total, paid_count, paid_sum = session.execute(select(
        func.count(), func.count().filter(sub.c.state == PaymentState.PAID),
        func.coalesce(func.sum(sub.c.amount).filter(sub.c.state == PaymentState.PAID), 0))).one()
    rows = session.execute(base.add_columns(Dossier.code).order_by(Payment.id.desc()).limit(limit)).all()
    return Listing([(p, code) for p, code in rows], total, paid_count, int(paid_sum))


# ---- reconciliation ----------------------------------------------------------------------------------------
@dataclass
class Finding:
    payment: Payment
    dossier_code: str
    problem: str  # "" when cchc and the gateway agree


def _compare(payment: Payment, answer: Confirmation) -> str:
    ours = int(payment.amount)
    if not answer.found:
        return ("cchc ghi đã thu nhưng cổng thanh toán không có giao dịch này" if payment.state == PaymentState.PAID
                else "" if payment.state == PaymentState.CREATED else "cổng thanh toán không có giao dịch này")
    if answer.paid and payment.state != PaymentState.PAID:
        return (f"cổng thanh toán đã thu {fmt_int(answer.amount)} đồng (mã giao dịch {answer.transaction_no}) nhưng cchc "
                f"chưa ghi nhận (trạng thái «{PaymentState(payment.state).label}»)")
    if not answer.paid and payment.state == PaymentState.PAID:
        return f"cchc ghi đã thu {fmt_int(ours)} đồng nhưng cổng thanh toán báo giao dịch chưa thành công"
    problems = []
    if answer.paid and answer.amount != ours:
        problems.append(f"số tiền khác nhau: cchc {fmt_int(ours)} đồng, cổng thanh toán {fmt_int(answer.amount)} đồng")
    if answer.paid and payment.gateway_txn_no and answer.transaction_no and answer.transaction_no != payment.gateway_txn_no:
        problems.append(f"mã giao dịch khác nhau: cchc {payment.gateway_txn_no}, cổng thanh toán {answer.transaction_no}")
    return "; ".join(problems)


def reconcile(session: Session, day: date, gateway: Gateway | None = None, at: datetime | None = None) -> list[Finding]:
    """Every online payment of the day (made or paid that day) against the gateway's query answer; each payment's
    result is kept with it (reconciled_at, reconcile_result). A dossier paid twice is listed too."""
    at = moment(at)
    gateway = gateway or online_gateway()
    if gateway is None:
        raise GatewayUnavailable("Chưa cấu hình cổng thanh toán (CCHC_VNPAY_TMN_CODE, CCHC_VNPAY_HASH_SECRET, CCHC_VNPAY_URL) "
                                 "nên không có giao dịch trực tuyến nào để đối chiếu.")
    start, end = day_window(day)
    rows = session.execute(
        select(Payment, Dossier.code).join(Dossier, Dossier.id == Payment.dossier_id)
        .where(Payment.method == gateway.name,
               or_(and_(Payment.created_at >= start, Payment.created_at < end), and_(Payment.paid_at >= start, Payment.paid_at < end)))
        .order_by(Payment.id)).all()
    findings = []
    for payment, code in rows:
        try:
            problem = _compare(payment, gateway.query(payment.txn_ref, payment.created_at, order_info(code), at=at))
        except (GatewayUnavailable, BadSignature) as exc:
            problem = f"không đối chiếu được: {exc.message}"
        if payment.note and not problem:
            problem = payment.note
        payment.reconciled_at, payment.reconcile_result = at, problem
        findings.append(Finding(payment, code, problem))
    twice = set(session.scalars(
        select(Payment.dossier_id).where(Payment.state == PaymentState.PAID, Payment.dossier_id.in_({f.payment.dossier_id for f in findings}))
        .group_by(Payment.dossier_id).having(func.count() > 1)))
    for f in findings:
        if f.payment.dossier_id in twice and f.payment.state == PaymentState.PAID:
            extra = "hồ sơ được thu phí nhiều lần: cần hoàn lại khoản thu thừa"
            f.problem = f"{f.problem}; {extra}" if f.problem else extra
            f.payment.reconcile_result = f.problem
    session.flush()
    return findings
