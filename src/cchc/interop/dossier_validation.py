"""One row of a dossiers file (DVCQG column names) → the values of one dossiers row, or a refusal.

Every value is checked in Vietnamese with its column; the state (TrangThaiHoSo) decides which timestamps a
row needs or must not have, and in which order they come — a date the state implies that a row lacks
(dossier_columns.UNKNOWN_DATES) is left unknown and tallied for the import's summary (UnknownDates); the unit
is the one its code names on the day of receipt (of filing, of refusal; without any date, on the day of the
import); an ended dossier's timeliness is classified by cchc.dossiers.rules.classify exactly as the engine
classifies a dossier that ends. Reference data (units, procedures) is read once per import, never per row.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.auth.enums import Role
from cchc.dossiers.enums import Channel, State
from cchc.dossiers.rules import classify
from cchc.errors import ImportRejected, PermissionDenied, ValidationError
from cchc.interop.dossier_columns import (
    APPLICANT_TYPES,
    CHANNEL_CHOICES,
    DELIVERY_BY_CODE,
    ENDED_STATES,
    NOT_RECEIVED_STATES,
    OPEN_STATES,
    PAYMENT_CODES,
    STATE_BY_CODE,
    STATE_CHOICES,
    UNKNOWN_DATES,
)
from cchc.procedures.models import Field, Procedure
from cchc.units.enums import Level
from cchc.units.models import Unit
from cchc.values import cell_text, yes_no

_ID_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,20}$")
_SPACE = re.compile(r"\s")
_VN_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_LEVEL_WORDS = {
    "tinh": Level.TINH.value,
    "cap tinh": Level.TINH.value,
    "huyen": Level.HUYEN.value,
    "cap huyen": Level.HUYEN.value,
    "xa": Level.XA.value,
    "cap xa": Level.XA.value,
}


class _Bad(Exception):
    """A bad value in one column; turned into ImportRejected with the row number by the caller."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


# --------------------------------------------------------------------------------------------
# Reference data, loaded once per import (never one query per row).


class _UnitRef:
    __slots__ = ("id", "code", "level", "path", "valid_from", "valid_to")

    def __init__(self, id, code, level, path, valid_from, valid_to):
        self.id, self.code, self.level, self.path = id, code, level, path
        self.valid_from, self.valid_to = valid_from, valid_to

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class _Catalogue:
    """Units by code (all validity periods) and procedures by MaTTHC, read in two queries."""

    def __init__(self, session: Session, today: date):
        self.today = today
        self.units: dict[str, list[_UnitRef]] = {}
        rows = session.execute(
            select(Unit.id, Unit.code, Unit.level, Unit.path, Unit.valid_from, Unit.valid_to)
        ).all()
        for r in rows:
            self.units.setdefault(r.code, []).append(_UnitRef(*r))
        self.procedures: dict[str, tuple[int, str | None]] = {
            r.code: (r.id, r.field_code)
            for r in session.execute(
                select(Procedure.id, Procedure.code, Field.code.label("field_code")).outerjoin(
                    Field, Field.id == Procedure.field_id
                )
            )
        }

    def unit(self, code: str, day: date | None) -> _UnitRef:
        """The unit with `code` valid on `day`; a row without any date (UNKNOWN_DATES) takes the one valid
        on the day of the import, or else the last one that bore the code."""
        candidates = self.units.get(code)
        if not candidates:
            raise _Bad("MaDonViTiepNhan", f"không có đơn vị nào mang mã «{code}» trong danh mục đơn vị.")
        if day is None:
            for u in candidates:
                if u.valid_on(self.today):
                    return u
            return max(candidates, key=lambda u: (u.valid_to is None, u.valid_to or date.min))
        for u in candidates:
            if u.valid_on(day):
                return u
        spans = "; ".join(
            f"từ {vn.fmt_date(u.valid_from) or '…'} đến {vn.fmt_date(u.valid_to) or 'nay'}" for u in candidates
        )
        raise _Bad(
            "MaDonViTiepNhan",
            f"đơn vị mã «{code}» không có hiệu lực vào ngày {vn.fmt_date(day)} (hiệu lực {spans}).",
        )


# --------------------------------------------------------------------------------------------
# Value parsers: each raises _Bad(column, Vietnamese message).


def _timestamp(row: dict, column: str) -> datetime | None:
    value = row.get(column)
    if value == "" or value is None:
        return None
    if value.__class__ is str:
        if len(value) == 14 and value.isdigit():  # DVCQG yyyyMMddHHmmss: the common case, parsed in C
            try:
                return datetime.fromisoformat(f"{value[:8]}T{value[8:]}")
            except ValueError:
                pass
        text = value.strip()
    elif isinstance(value, datetime):
        return value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(int(value))
    else:
        text = str(value).strip()
    if not text:
        return None
    try:
        return vn.parse_datetime(text, what="thời điểm")
    except ValidationError as exc:
        raise _Bad(column, exc.message) from None


def _int(row: dict, column: str, allowed: dict[int, str] | None = None, default: int | None = None) -> int | None:
    value = row.get(column)
    if value is None or value == "":
        return default
    if value.__class__ is str and value.isdigit() and len(value) < 4:  # the common case: "2", "10"
        number = int(value)
        if allowed is not None and number not in allowed:
            raise _Bad(column, _int_message(value, allowed))
        return number
    if isinstance(value, bool):
        number = int(value)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = str(value).strip()
        if not text:
            return default
        try:
            number = int(text)
        except ValueError:
            raise _Bad(column, _int_message(text, allowed)) from None
    if allowed is not None and number not in allowed:
        raise _Bad(column, _int_message(str(number), allowed))
    return number


def _int_message(text: str, allowed: dict[int, str] | None) -> str:
    if allowed is None:
        return f"phải là số nguyên, nhận được «{text}»."
    choices = "; ".join(f"{k} = {v}" for k, v in allowed.items())
    return f"giá trị «{text}» không hợp lệ (chỉ nhận: {choices})."


def _bool(row: dict, column: str) -> bool:
    """A yes/no column: cchc.values.yes_no's words, 1/0; an empty cell is "không"."""
    value = row.get(column)
    if value is None or value == "" or value == "0":  # the common cases first
        return False
    if value == "1":
        return True
    answer = yes_no(value)
    if answer is None:
        if not vn.search_key(cell_text(value)):
            return False
        raise _Bad(column, f"phải là 1 (có) hoặc 0 (không), nhận được «{value}».")
    return answer


def _money(row: dict, column: str) -> Decimal:
    value = row.get(column)
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        raise _Bad(column, f"phải là số tiền (đồng), nhận được «{value}».")
    if isinstance(value, (int, float, Decimal)):
        amount = Decimal(str(value))
    else:
        text = str(value).strip().replace(" ", "")
        if _VN_THOUSANDS.match(text):  # 50.000 as written in Vietnamese
            text = text.replace(".", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise _Bad(column, f"phải là số tiền (đồng), nhận được «{value}».") from None
    if amount < 0 or amount != amount.to_integral_value():
        raise _Bad(column, f"số tiền phải là số đồng nguyên không âm, nhận được «{value}».")
    if amount >= Decimal(10) ** 14:
        raise _Bad(column, f"số tiền quá lớn: «{value}».")
    return amount


def _level(row: dict, column: str) -> str | None:
    text = cell_text(row.get(column))
    if not text:
        return None
    level = _LEVEL_WORDS.get(vn.search_key(text))
    if level is None:
        raise _Bad(column, f"cấp «{text}» không hợp lệ (chỉ nhận: tinh, huyen, xa).")
    return level


def _state(code: int, received_at: datetime | None) -> State:
    if code == 3:
        return State.REFUSED if received_at is not None else State.NOT_ACCEPTED
    return STATE_BY_CODE[code]


_MARKS: dict[int, None] | None = None


def _search_key(text: str) -> str:
    """The same as cchc.vn.search_fold, with the accents removed by one str.translate (C speed)."""
    global _MARKS
    if text.isascii():
        return vn.fold_spelling(" ".join(text.lower().split()))
    if _MARKS is None:
        _MARKS = {cp: None for cp in range(0x10000) if unicodedata.category(chr(cp)) == "Mn"}
    stripped = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D")).translate(_MARKS)
    if not stripped.isascii():  # letters of other scripts: the general (slower) rule
        return vn.search_fold(text)
    return vn.fold_spelling(" ".join(stripped.lower().split()))


def _ts_text(value: datetime) -> str:
    return vn.fmt_datetime(value)


class UnknownDates:
    """The rows imported with a date their state implies left unknown: how many lacked each date, and the
    first of them, for the import's Vietnamese summary (counts, not a list of the file's rows)."""

    FIRST = 5  # row numbers named per date

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.first: dict[str, list[int]] = {}

    def add(self, number: int, columns: tuple[str, ...]) -> None:
        for column in columns:
            self.counts[column] = self.counts.get(column, 0) + 1
            rows = self.first.setdefault(column, [])
            if len(rows) < self.FIRST:
                rows.append(number)

    def lines(self) -> list[str]:
        """One sentence per date lacked, in the order of UNKNOWN_DATES."""
        out = []
        for column, (which, counted) in UNKNOWN_DATES.items():
            n = self.counts.get(column)
            if not n:
                continue
            rows = ", ".join(str(r) for r in self.first[column]) + (" …" if n > len(self.first[column]) else "")
            out.append(
                f"{vn.fmt_int(n)} dòng là {which} mà không có {column} (dòng {rows}): "
                f"nhập với {column} để trống; {counted}."
            )
        return out


# --------------------------------------------------------------------------------------------
# One row → the values of one dossiers row.


class Validator:
    """Checks the rows of one import against the catalogue read once, within the importing actor's units."""

    def __init__(self, session: Session, actor, source: str):
        self.now = clock.now()
        self.catalogue = _Catalogue(session, self.now.date())
        self.actor = actor
        self.scope_paths: list[str] | None = scope_paths(session, actor)
        self.source = source
        self.unknown = UnknownDates()

    def dossier(self, number: int, row: dict) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The dossiers row of file row `number`, with the dates its state implies that the row lacks."""
        try:
            record, unknown = self._dossier(row)
        except _Bad as bad:
            raise ImportRejected(bad.message, row=number, column=bad.column) from None
        if unknown:
            self.unknown.add(number, unknown)
        return record, unknown

    def _dossier(self, row: dict) -> tuple[dict[str, Any], tuple[str, ...]]:
        code = cell_text(row.get("MaHoSo"))
        if not code:
            raise _Bad("MaHoSo", "thiếu mã hồ sơ.")
        if len(code) > 64 or _SPACE.search(code):
            raise _Bad("MaHoSo", f"mã hồ sơ «{code}» không hợp lệ (tối đa 64 ký tự, không có khoảng trắng).")

        procedure_code = cell_text(row.get("MaTTHC"))
        if not procedure_code:
            raise _Bad("MaTTHC", "thiếu mã thủ tục hành chính.")
        procedure = self.catalogue.procedures.get(procedure_code)
        if procedure is None:
            raise _Bad("MaTTHC", f"không có thủ tục hành chính mã «{procedure_code}» trong danh mục.")
        procedure_id, field_code = procedure
        field_given = cell_text(row.get("MaLinhVuc"))
        if field_given and field_code and field_given != field_code:
            raise _Bad(
                "MaLinhVuc",
                f"lĩnh vực «{field_given}» không khớp lĩnh vực «{field_code}» của thủ tục «{procedure_code}».",
            )

        applicant = cell_text(row.get("ChuHoSo"))
        if not applicant:
            raise _Bad("ChuHoSo", "thiếu tên chủ hồ sơ.")
        if len(applicant) > 255:
            raise _Bad("ChuHoSo", "tên chủ hồ sơ dài quá 255 ký tự.")
        applicant_type = _int(row, "LoaiDoiTuong", APPLICANT_TYPES, default=1)
        id_number = cell_text(row.get("SoDinhDanh"))
        if id_number and not _ID_NUMBER.match(id_number):
            raise _Bad("SoDinhDanh", f"số định danh «{id_number}» không hợp lệ (chữ số, tối đa 20 ký tự).")

        channel = _int(row, "KenhThucHien", CHANNEL_CHOICES, default=Channel.DIRECT.value)
        status = _int(row, "TrangThaiHoSo", STATE_CHOICES)
        if status is None:
            raise _Bad("TrangThaiHoSo", "thiếu trạng thái hồ sơ (1–10).")

        submitted_at = _timestamp(row, "NgayNopHoSo")
        received_at = _timestamp(row, "NgayTiepNhan")
        due_at = _timestamp(row, "NgayHenTra")
        extended_due_at = _timestamp(row, "NgayHenTraMoi")
        ended_at = _timestamp(row, "NgayKetThucXuLy")
        returned_at = _timestamp(row, "NgayTra")
        refused_at = _timestamp(row, "NgayTuChoi")
        supplement_requested_at = _timestamp(row, "NgayYeuCauBoSung")
        supplemented_at = _timestamp(row, "NgayBoSung")
        financial_requested_at = _timestamp(row, "NgayYeuCauNghiaVuTaiChinh")
        state = _state(status, received_at)
        label = f"trạng thái {status} ({STATE_CHOICES[status]})"

        # Which timestamps each state needs or forbids; a date the state implies may be unknown.
        unknown: list[str] = []
        not_accepted_at = None
        if state in NOT_RECEIVED_STATES:
            if state is State.SUBMITTED and received_at is not None:
                raise _Bad("NgayTiepNhan", f"hồ sơ ở {label} chưa được tiếp nhận, không được có NgayTiepNhan.")
            if state is State.SUBMITTED and submitted_at is None:
                unknown.append("NgayNopHoSo")
            if state is State.NOT_ACCEPTED:
                not_accepted_at = refused_at or ended_at
                if not_accepted_at is None:
                    unknown.append("NgayTuChoi")
            elif ended_at is not None:
                raise _Bad("NgayKetThucXuLy", f"hồ sơ ở {label} chưa kết thúc, không được có NgayKetThucXuLy.")
            for column, value in (
                ("NgayTra", returned_at),
                ("NgayYeuCauBoSung", supplement_requested_at),
                ("NgayBoSung", supplemented_at),
                ("NgayHenTraMoi", extended_due_at),
            ):
                if value is not None:
                    raise _Bad(column, f"hồ sơ chưa được tiếp nhận ({label}) không được có {column}.")
            if state is State.SUBMITTED and refused_at is not None:
                raise _Bad("NgayTuChoi", f"hồ sơ ở {label} không được có NgayTuChoi.")
        else:
            if received_at is None:
                raise _Bad("NgayTiepNhan", f"hồ sơ ở {label} cần NgayTiepNhan.")
            if due_at is None:
                raise _Bad("NgayHenTra", f"hồ sơ đã tiếp nhận ({label}) cần NgayHenTra.")
            if refused_at is not None and state is not State.REFUSED:
                raise _Bad("NgayTuChoi", f"NgayTuChoi chỉ dùng cho hồ sơ trạng thái 3, không dùng cho {label}.")
            if state in ENDED_STATES and ended_at is None:
                # Not left unknown: the figures count an ended dossier in the window it ended in.
                raise _Bad(
                    "NgayKetThucXuLy",
                    f"hồ sơ ở {label} đã kết thúc, cần NgayKetThucXuLy (số liệu tính hồ sơ đã kết thúc theo ngày này).",
                )
            if state in OPEN_STATES and ended_at is not None:
                raise _Bad(
                    "NgayKetThucXuLy",
                    f"hồ sơ ở {label} đang giải quyết, không được có NgayKetThucXuLy "
                    "(hồ sơ đã xử lý xong dùng trạng thái 9 hoặc 10).",
                )
            if state is State.RETURNED and returned_at is None:
                unknown.append("NgayTra")
            if returned_at is not None and state in (OPEN_STATES | {State.FINISHED}):
                raise _Bad(
                    "NgayTra", f"hồ sơ ở {label} chưa trả kết quả, không được có NgayTra (hồ sơ đã trả dùng trạng thái 10)."
                )

        # Order of the timestamps.
        if submitted_at is not None and received_at is not None and received_at < submitted_at:
            raise _Bad(
                "NgayTiepNhan",
                f"NgayTiepNhan ({_ts_text(received_at)}) trước NgayNopHoSo ({_ts_text(submitted_at)}).",
            )
        if due_at is not None and received_at is not None and due_at < received_at:
            raise _Bad(
                "NgayHenTra", f"NgayHenTra ({_ts_text(due_at)}) trước NgayTiepNhan ({_ts_text(received_at)})."
            )
        if extended_due_at is not None:
            if due_at is None or extended_due_at <= due_at:
                raise _Bad(
                    "NgayHenTraMoi",
                    "ngày hẹn trả mới (văn bản xin lỗi) phải sau NgayHenTra"
                    + (f" ({_ts_text(due_at)})." if due_at else "."),
                )
        if ended_at is not None and received_at is not None and ended_at < received_at:
            raise _Bad(
                "NgayKetThucXuLy",
                f"NgayKetThucXuLy ({_ts_text(ended_at)}) trước NgayTiepNhan ({_ts_text(received_at)}).",
            )
        if returned_at is not None and ended_at is not None and returned_at < ended_at:
            raise _Bad(
                "NgayTra", f"NgayTra ({_ts_text(returned_at)}) trước NgayKetThucXuLy ({_ts_text(ended_at)})."
            )
        if not_accepted_at is not None and submitted_at is not None and not_accepted_at < submitted_at:
            raise _Bad(
                "NgayTuChoi", f"NgayTuChoi ({_ts_text(not_accepted_at)}) trước NgayNopHoSo ({_ts_text(submitted_at)})."
            )

        # Supplement (requested once; the citizen's time is not counted against the agency).
        supplement_count = _int(row, "SoLanBoSung")
        if supplement_count is not None and supplement_count < 0:
            raise _Bad("SoLanBoSung", f"số lần bổ sung không được âm: «{supplement_count}».")
        if supplemented_at is not None and supplement_requested_at is None:
            # A supplement whose request date cchc never knew is exported so (SoLanBoSung, NgayBoSung).
            if not supplement_count:
                raise _Bad(
                    "NgayBoSung",
                    "có NgayBoSung nhưng không có NgayYeuCauBoSung (không biết ngày yêu cầu thì ghi SoLanBoSung).",
                )
            unknown.append("NgayYeuCauBoSung")
        if supplement_requested_at is not None:
            if supplement_count == 0:
                raise _Bad("SoLanBoSung", "có NgayYeuCauBoSung nhưng SoLanBoSung = 0.")
            if supplement_count is None:
                supplement_count = 1
            if received_at is not None and supplement_requested_at < received_at:
                raise _Bad(
                    "NgayYeuCauBoSung",
                    f"NgayYeuCauBoSung ({_ts_text(supplement_requested_at)}) trước NgayTiepNhan ({_ts_text(received_at)}).",
                )
            if ended_at is not None and supplement_requested_at > ended_at:
                raise _Bad(
                    "NgayYeuCauBoSung",
                    f"NgayYeuCauBoSung ({_ts_text(supplement_requested_at)}) sau NgayKetThucXuLy ({_ts_text(ended_at)}).",
                )
            if supplemented_at is not None and supplemented_at < supplement_requested_at:
                raise _Bad(
                    "NgayBoSung",
                    f"NgayBoSung ({_ts_text(supplemented_at)}) trước NgayYeuCauBoSung ({_ts_text(supplement_requested_at)}).",
                )
        if supplemented_at is not None:
            if received_at is not None and supplemented_at < received_at:
                raise _Bad(
                    "NgayBoSung", f"NgayBoSung ({_ts_text(supplemented_at)}) trước NgayTiepNhan ({_ts_text(received_at)})."
                )
            if ended_at is not None and supplemented_at > ended_at:
                raise _Bad(
                    "NgayBoSung",
                    f"NgayBoSung ({_ts_text(supplemented_at)}) sau NgayKetThucXuLy ({_ts_text(ended_at)}).",
                )
        if state is State.SUPPLEMENT:
            if supplemented_at is not None:
                raise _Bad("NgayBoSung", f"hồ sơ ở {label} đang chờ bổ sung, chưa được có NgayBoSung.")
            if supplement_requested_at is None:
                if supplement_count == 0:
                    raise _Bad("SoLanBoSung", f"hồ sơ ở {label} đã được yêu cầu bổ sung nhưng SoLanBoSung = 0.")
                unknown.append("NgayYeuCauBoSung")
                supplement_count = supplement_count or 1
        supplement_count = supplement_count or 0
        if state in (State.RECEIVED, State.PROCESSING, State.FINANCIAL) and supplement_requested_at is not None and supplemented_at is None:
            raise _Bad(
                "NgayBoSung",
                f"hồ sơ đang chờ bổ sung (có NgayYeuCauBoSung, chưa có NgayBoSung) phải ở trạng thái 5, không phải {label}.",
            )
        if state is State.FINANCIAL and financial_requested_at is None:
            unknown.append("NgayYeuCauNghiaVuTaiChinh")
        if financial_requested_at is not None and received_at is not None and financial_requested_at < received_at:
            raise _Bad(
                "NgayYeuCauNghiaVuTaiChinh",
                f"NgayYeuCauNghiaVuTaiChinh ({_ts_text(financial_requested_at)}) trước NgayTiepNhan ({_ts_text(received_at)}).",
            )

        # Unit: resolved by its code valid on the day of receipt (or of filing for dossiers not received).
        unit_code = cell_text(row.get("MaDonViTiepNhan"))
        if not unit_code:
            raise _Bad("MaDonViTiepNhan", "thiếu mã đơn vị tiếp nhận.")
        on = received_at or submitted_at or not_accepted_at
        unit = self.catalogue.unit(unit_code, on.date() if on is not None else None)
        if self.scope_paths is not None and not any(unit.path.startswith(p) for p in self.scope_paths):
            raise _Bad("MaDonViTiepNhan", f"đơn vị «{unit_code}» nằm ngoài phạm vi quản lý của người nhập dữ liệu.")
        level = _level(row, "CapDonVi") or unit.level

        delivery = _int(row, "HinhThucTra", {k: v.replace("_", " ") for k, v in DELIVERY_BY_CODE.items()}, default=1)
        paid_online = _int(row, "DuocThanhToanTrucTuyen", PAYMENT_CODES, default=0)
        fee_amount = _money(row, "PhiLePhi")
        fee_paid = _bool(row, "DaThanhToan") or paid_online > 0

        timeliness = None
        if state in ENDED_STATES:
            timeliness = classify(
                due_at,
                ended_at,
                supplement_requested_at=supplement_requested_at,
                supplemented_at=supplemented_at,
                supplement_count=supplement_count,
            ).value
        supplement_seconds = 0
        if supplement_requested_at is not None and supplemented_at is not None:
            supplement_seconds = int((supplemented_at - supplement_requested_at).total_seconds())

        return {
            "code": code,
            "procedure_id": procedure_id,
            "unit_id": unit.id,
            "level": level,
            "channel": channel,
            "state": state.value,
            "status_code": state.dvcqg_code,
            "applicant_name": applicant,
            "applicant_key": _search_key(applicant)[:255],
            "applicant_type": applicant_type,
            "applicant_id_number": id_number,
            "result_delivery": DELIVERY_BY_CODE[delivery],
            "submitted_at": submitted_at,
            "received_at": received_at,
            "due_at": due_at,
            "extended_due_at": extended_due_at,
            "ended_at": ended_at if state not in NOT_RECEIVED_STATES else None,
            "returned_at": returned_at,
            "not_accepted_at": not_accepted_at,
            "supplement_count": supplement_count,
            "supplement_requested_at": supplement_requested_at,
            "supplemented_at": supplemented_at,
            "supplement_seconds": supplement_seconds,
            "apology_count": 1 if extended_due_at is not None else 0,
            "financial_requested_at": financial_requested_at,
            "timeliness": timeliness,
            "fee_amount": fee_amount,
            "fee_paid": fee_paid,
            "paid_online": paid_online,
            "components_digitized": _bool(row, "DaSoHoaThanhPhan"),
            "reused_digitized": _bool(row, "HoSoCoThanhPhanSoHoa"),
            "from_personal_store": _bool(row, "DuocLayTuKhoDMQG"),
            "vneid_verified": _bool(row, "TaiKhoanDuocXacThucVoiVNeID"),
            "result_digitized": _bool(row, "CoKetQuaDienTu"),
            "source": "import",
            "created_at": self.now,
            "updated_at": self.now,
            "version": 1,
        }, tuple(unknown)


def scope_paths(session: Session, actor) -> list[str] | None:
    """None = no restriction (the operator's CLI or a system administrator); else the unit paths allowed."""
    if actor is None:
        return None
    role = str(actor.role)
    if role == Role.SYSTEM_ADMIN.value:
        return None
    if role != Role.UNIT_ADMIN.value or actor.unit_id is None:
        raise PermissionDenied(
            "Chỉ quản trị hệ thống hoặc quản trị đơn vị được nhập hồ sơ từ tệp "
            f"(tài khoản «{actor.username}» có vai trò {Role(role).label if role in Role._value2member_map_ else role})."
        )
    path = session.execute(select(Unit.path).where(Unit.id == actor.unit_id)).scalar_one()
    return [path or f"/{actor.unit_id}/"]
