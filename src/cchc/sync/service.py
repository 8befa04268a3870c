"""The outbox to Cổng DVCQG: written with each change, sent in order per dossier, acknowledged once; inbound dossiers.

- The rows are written by cchc.sync.outbox, in the transaction of each change.
- send_pending: the rows waiting, oldest first; a dossier's row is sent only when every earlier row of that dossier
  is acknowledged. HTTP POST JSON with a bearer token; an answer 2xx with error_code "00", or 409 (already received
  under that idempotency key), acknowledges the row once (a conditional UPDATE: two senders never both record it);
  anything else keeps it waiting, with the reason, until after a back-off that doubles with each failure.
- The dossier counts as synced (Dossier.synced_dvcqg, read by the 766 index 1.4, 3.3, 3.5, 3.6) once a row with its
  NgayTiepNhan is acknowledged: the portal knows the receipt.
- status / stuck_rows: what waits, and the rows stuck (STUCK_ATTEMPTS failures, or waiting longer than STUCK_AFTER)
  with why, for the page /quan-tri/dong-bo and `cchc sync status`.
- receive_inbound: records the portal sends (its own dossiers submitted online) become dossiers through
  cchc.dossiers.service.submit_online; every record is checked before anything is written, a record already
  received creates nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.config import load_settings
from cchc.dossiers import service as dossier_service
from cchc.dossiers.models import Dossier
from cchc.dossiers.schemas import ApplicantIn
from cchc.dossiers.transitions import ACTION_LABELS
from cchc.errors import CchcError, ValidationError
from cchc.procedures.models import Procedure
from cchc.sync.models import ACCEPTED, ACKNOWLEDGED, DUPLICATE, PENDING, InboundDossier, OutboxRow
from cchc.units.models import Unit

SCHEMA_PATH = Path(__file__).with_name("dvcqg_outbox.schema.json")
BATCH = 500  # rows read per run
TIMEOUT = 15.0  # seconds for one POST
BACKOFF_FIRST = timedelta(seconds=30)  # after the first failure; doubled with each next one
BACKOFF_MAX = timedelta(hours=1)
STUCK_ATTEMPTS = 5
STUCK_AFTER = timedelta(hours=2)


# ---- sending ----------------------------------------------------------------------------------------------------
@dataclass
class SendResult:
    acknowledged: int = 0
    failed: int = 0
    waiting: int = 0  # not tried this time: backing off, or behind an earlier row of their dossier
    errors: list[str] = field(default_factory=list)


def is_configured() -> bool:
    settings = load_settings()
    return bool(settings.dvcqg_sync_url and settings.dvcqg_sync_token)


def endpoint() -> tuple[str, str]:
    """The configured URL and token; refused in Vietnamese when either is missing (nothing is sent then)."""
    settings = load_settings()
    missing = [name for name, value in (("CCHC_DVCQG_SYNC_URL", settings.dvcqg_sync_url),
                                        ("CCHC_DVCQG_SYNC_TOKEN", settings.dvcqg_sync_token)) if not value]
    if missing:
        raise ValidationError("Chưa cấu hình đồng bộ với Cổng DVCQG: thiếu " + ", ".join(missing)
                              + "; các bản ghi vẫn chờ gửi.", field="sync")
    return settings.dvcqg_sync_url, settings.dvcqg_sync_token


def body_of(row: OutboxRow) -> dict[str, Any]:
    """What is POSTed for a row (validated by dvcqg_outbox.schema.json)."""
    return {"MaDongBo": row.idempotency_key, "SoThuTu": row.id, "HanhDong": row.action, **row.payload}


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_FIRST * (2 ** max(0, attempts - 1)), BACKOFF_MAX)


def _answer(response: httpx.Response) -> tuple[str | None, str, str]:
    """(ACCEPTED | DUPLICATE | None, the portal's reference, the reason of a failure)."""
    try:
        data = response.json()
    except ValueError:
        data = None
    data = data if isinstance(data, dict) else {}
    reference = str(data.get("reference") or data.get("MaTiepNhan") or "")[:120]
    if response.status_code == 409 or (response.is_success and data.get("duplicate") is True):
        return DUPLICATE, reference, ""
    if response.is_success and str(data.get("error_code", "")) in ("0", "00"):
        return ACCEPTED, reference, ""
    message = str(data.get("message") or data.get("error") or response.text[:200]).strip()
    code = data.get("error_code")
    return None, "", (f"Cổng DVCQG trả lời HTTP {response.status_code}"
                      + (f", mã lỗi {code}" if code not in (None, "") else "") + (f": {message}" if message else ""))


def _post(client: httpx.Client, url: str, token: str, row: OutboxRow) -> tuple[str | None, str, str]:
    try:
        response = client.post(url, json=body_of(row), headers={"Authorization": f"Bearer {token}",
                                                                 "Idempotency-Key": row.idempotency_key})
    except httpx.TimeoutException:
        return None, "", "Cổng DVCQG không trả lời trong thời gian chờ."
    except httpx.HTTPError as exc:
        return None, "", f"Không kết nối được Cổng DVCQG ({exc.__class__.__name__}: {exc})."
    return _answer(response)


def _acknowledge(session: Session, row: OutboxRow, status: str, reference: str, at: datetime) -> bool:
    """Record the acknowledgement once; the dossier counts as synced when the portal has its receipt."""
    done = session.execute(
        update(OutboxRow).where(OutboxRow.id == row.id, OutboxRow.state == PENDING)
        .values(state=ACKNOWLEDGED, acknowledged_at=at, ack_status=status, portal_reference=reference,
                attempts=OutboxRow.attempts + 1, last_attempt_at=at, last_error="", next_attempt_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done and row.payload.get("HoSo", {}).get("NgayTiepNhan"):
        # A plain UPDATE of the flag: the dossier's version (an officer's concurrent action) is not touched.
        session.execute(update(Dossier.__table__).where(Dossier.__table__.c.id == row.dossier_id,
                                                        Dossier.__table__.c.synced_dvcqg.is_(False))
                        .values(synced_dvcqg=True))
    return bool(done)


def _fail(session: Session, row: OutboxRow, reason: str, at: datetime) -> None:
    attempts = row.attempts + 1
    session.execute(
        update(OutboxRow).where(OutboxRow.id == row.id, OutboxRow.state == PENDING)
        .values(attempts=attempts, last_attempt_at=at, last_error=reason[:2000], next_attempt_at=at + backoff(attempts))
        .execution_options(synchronize_session=False)
    )


def send_pending(session: Session, *, at: datetime | None = None, client: httpx.Client | None = None,
                 limit: int = BATCH) -> SendResult:
    """Send the waiting rows in order per dossier; each outcome is committed at once (a crash loses none)."""
    url, token = endpoint()
    at = at or clock.now()
    result = SendResult()
    rows = session.scalars(select(OutboxRow).where(OutboxRow.state == PENDING).order_by(OutboxRow.id).limit(limit)).all()
    blocked: set[int] = set()
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT)
    try:
        for row in rows:
            if row.dossier_id in blocked or (row.next_attempt_at is not None and row.next_attempt_at > at):
                blocked.add(row.dossier_id)
                result.waiting += 1
                continue
            status, reference, reason = _post(client, url, token, row)
            if status is not None:
                _acknowledge(session, row, status, reference, at)
                result.acknowledged += 1
            else:
                _fail(session, row, reason, at)
                blocked.add(row.dossier_id)
                result.failed += 1
                result.errors.append(f"{row.dossier_code} (bản ghi {row.id}): {reason}")
            session.commit()
    finally:
        if own:
            client.close()
    return result


# ---- what waits and why -----------------------------------------------------------------------------------------
def _stuck_condition(at: datetime):
    return and_(OutboxRow.state == PENDING,
                (OutboxRow.attempts >= STUCK_ATTEMPTS) | (OutboxRow.created_at < at - STUCK_AFTER))


def status(session: Session, at: datetime | None = None, scope=None) -> dict[str, Any]:
    """The outbox's counts, from one query; `scope`: a condition on Dossier (an officer's units)."""
    at = at or clock.now()
    pending = OutboxRow.state == PENDING
    q = select(
        func.count().filter(pending), func.count().filter(OutboxRow.state == ACKNOWLEDGED),
        func.count().filter(_stuck_condition(at)), func.count().filter(and_(pending, OutboxRow.attempts > 0)),
        func.min(case((pending, OutboxRow.created_at))),
    ).select_from(OutboxRow)
    if scope is not None:
        q = q.join(Dossier, Dossier.id == OutboxRow.dossier_id).where(scope)
    row = session.execute(q).one()
    oldest = row[4]
    return {"pending": row[0], "acknowledged": row[1], "stuck": row[2], "failing": row[3],
            "oldest_pending_at": oldest, "lag_seconds": int((at - oldest).total_seconds()) if oldest else 0}


def stuck_rows(session: Session, at: datetime | None = None, limit: int = 200, scope=None) -> list[dict[str, Any]]:
    """The stuck rows, oldest first, each with why it waits; `scope`: a condition on Dossier (an officer's units)."""
    at = at or clock.now()
    q = select(OutboxRow).where(_stuck_condition(at))
    if scope is not None:
        q = q.join(Dossier, Dossier.id == OutboxRow.dossier_id).where(scope)
    rows = session.scalars(q.order_by(OutboxRow.id).limit(limit)).all()
    return [{"id": r.id, "dossier_code": r.dossier_code, "action": ACTION_LABELS.get(r.action, r.action),
             "created_at": r.created_at, "attempts": r.attempts, "next_attempt_at": r.next_attempt_at,
             "reason": r.last_error or _waiting_reason(session, r)} for r in rows]


def _waiting_reason(session: Session, row: OutboxRow) -> str:
    earlier = session.scalar(select(func.min(OutboxRow.id)).where(OutboxRow.dossier_id == row.dossier_id,
                                                                  OutboxRow.state == PENDING, OutboxRow.id < row.id))
    if earlier is not None:
        return f"Chờ bản ghi {earlier} của cùng hồ sơ được Cổng xác nhận trước (gửi theo thứ tự)."
    return "Chưa được gửi lần nào (chưa cấu hình đồng bộ hoặc tác vụ đồng bộ chưa chạy)."


def outbox_figures(session: Session) -> list[tuple[str, str]]:
    """For the IT page and `cchc doctor` (cchc.jobs.register_figures)."""
    s = status(session)
    lag = vn.fmt_int(s["lag_seconds"] // 60) + " phút" if s["oldest_pending_at"] else "không có"
    return [("Bản ghi chờ gửi lên Cổng DVCQG", vn.fmt_int(s["pending"])),
            ("Bản ghi bị kẹt", vn.fmt_int(s["stuck"])),
            ("Độ trễ (bản ghi chờ lâu nhất)", lag),
            ("Bản ghi đã được Cổng xác nhận", vn.fmt_int(s["acknowledged"]))]


# ---- inbound ----------------------------------------------------------------------------------------------------
def _text(record: dict, key: str) -> str:
    value = record.get(key)
    return "" if value is None else str(value).strip()


def _inbound_values(session: Session, n: int, record: Any, at: datetime) -> dict[str, Any]:
    where = f"Hồ sơ thứ {n}"
    if not isinstance(record, dict):
        raise ValidationError(f"{where}: mỗi hồ sơ phải là một đối tượng JSON với tên trường DVCQG.")
    portal_code = _text(record, "MaHoSo")
    if not portal_code:
        raise ValidationError(f"{where}: thiếu MaHoSo.", field="MaHoSo")
    where = f"Hồ sơ thứ {n} (MaHoSo {portal_code})"
    for key in ("MaTTHC", "MaDonViTiepNhan", "ChuHoSo"):
        if not _text(record, key):
            raise ValidationError(f"{where}: thiếu {key}.", field=key)
    submitted = at
    if _text(record, "NgayNopHoSo"):
        try:
            submitted = vn.parse_datetime(_text(record, "NgayNopHoSo"), what="NgayNopHoSo")
        except ValidationError as exc:
            raise ValidationError(f"{where}: {exc.message}", field="NgayNopHoSo") from None
        if submitted > at:
            raise ValidationError(f"{where}: NgayNopHoSo ({vn.fmt_datetime(submitted)}) ở tương lai.", field="NgayNopHoSo")
    procedure = session.scalar(select(Procedure).where(Procedure.code == _text(record, "MaTTHC")))
    if procedure is None:
        raise ValidationError(f"{where}: không có thủ tục mã «{_text(record, 'MaTTHC')}».", field="MaTTHC")
    unit = session.scalars(select(Unit).where(Unit.code == _text(record, "MaDonViTiepNhan"))
                           .order_by(Unit.valid_from.desc())).first()
    if unit is None:
        raise ValidationError(f"{where}: không có đơn vị mã «{_text(record, 'MaDonViTiepNhan')}».",
                              field="MaDonViTiepNhan")
    kind = _text(record, "LoaiDoiTuong") or "1"
    if kind not in ("1", "2"):
        raise ValidationError(f"{where}: LoaiDoiTuong «{kind}» phải là 1 (công dân) hoặc 2 (tổ chức).",
                              field="LoaiDoiTuong")
    try:
        applicant = ApplicantIn(name=_text(record, "ChuHoSo"), applicant_type=int(kind),
                                id_number=_text(record, "SoDinhDanh") or _text(record, "MaDoiTuong"),
                                phone=_text(record, "SoDienThoai"), email=_text(record, "Email"))
    except ValueError as exc:
        raise ValidationError(f"{where}: thông tin chủ hồ sơ không hợp lệ ({exc.errors()[0]['msg']}).",
                              field="ChuHoSo") from None
    return dict(portal_code=portal_code, where=where, procedure=procedure, unit=unit, applicant=applicant,
                at=submitted, summary=_text(record, "TrichYeuHoSo"),
                vneid=_text(record, "TaiKhoanDuocXacThucVoiVNeID") == "1")


def load_records(text: str) -> list[Any]:
    """The records of an inbound file or body: a JSON list, or {"data": [...]} as DongBoHoSoMC sends them."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationError(f"Nội dung gửi đến không phải JSON hợp lệ (dòng {getattr(exc, 'lineno', '?')}).") from None
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list):
        raise ValidationError("Nội dung gửi đến phải là danh sách hồ sơ (hoặc {\"data\": [...]}).")
    return data


def receive_inbound(session: Session, records: list[Any], at: datetime | None = None) -> dict[str, Any]:
    """Create the portal's dossiers; all or nothing (every record checked first). Returns created and known codes."""
    at = at or clock.now()
    if not records:
        raise ValidationError("Không có hồ sơ nào trong nội dung gửi đến.")
    checked = [_inbound_values(session, n, r, at) for n, r in enumerate(records, start=1)]
    seen: set[str] = set()
    for v in checked:
        if v["portal_code"] in seen:
            raise ValidationError(f"{v['where']}: MaHoSo xuất hiện hai lần trong cùng lần gửi.", field="MaHoSo")
        seen.add(v["portal_code"])
    known = dict(session.execute(select(InboundDossier.portal_code, Dossier.code).join(Dossier, Dossier.id == InboundDossier.dossier_id)
                                 .where(InboundDossier.portal_code.in_(seen))).all())
    created: dict[str, str] = {}
    for v in checked:
        if v["portal_code"] in known:
            continue
        try:
            dossier = dossier_service.submit_online(session, None, procedure=v["procedure"], unit=v["unit"],
                                                    applicant=v["applicant"], at=v["at"],
                                                    request_summary=v["summary"], vneid_verified=v["vneid"])
        except CchcError as exc:
            raise ValidationError(f"{v['where']}: {exc.message}") from None
        session.add(InboundDossier(portal_code=v["portal_code"], dossier_id=dossier.id, received_at=at))
        created[v["portal_code"]] = dossier.code
    session.flush()
    return {"created": created, "already_received": known}
