"""Import and export of dossiers (hồ sơ) with the field names of the national portal (DVCQG).

Import (`import_dossiers`, `import_dossier_rows`) is ALL OR NOTHING: the file is read a chunk at a
time, each chunk validated (the first bad row is refused with its row number as in the file — header =
row 1 — and its column) then written with Core bulk inserts, all inside one savepoint that the first bad
row rolls back, with one DossierEvent "nhap_du_lieu" per dossier recording who imported it and from
which file. Memory holds one chunk, not the file. An imported dossier keeps
its own NgayHenTra; its timeliness is classified by cchc.dossiers.rules.classify exactly as the
engine classifies a dossier that ends.

Columns (DOMAIN.md §6). Required: MaHoSo, MaTTHC, MaDonViTiepNhan, ChuHoSo, KenhThucHien,
NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, NgayTra, TrangThaiHoSo (the column must be present; its
value may be empty where the state allows). Optional DVCQG columns: MaLinhVuc, LoaiDoiTuong (1 công
dân, 2 tổ chức), SoDinhDanh, NgayNopHoSo, NgayTuChoi, HinhThucTra (1 trực tiếp, 2 trực tuyến, 3 bưu
chính — the numbering of KenhThucHien), DuocThanhToanTrucTuyen (0|1|2), HoSoCoThanhPhanSoHoa,
TaiKhoanDuocXacThucVoiVNeID, DuocLayTuKhoDMQG. cchc columns for what statistics need:
NgayYeuCauBoSung, NgayBoSung, SoLanBoSung, NgayHenTraMoi (apology, Mẫu 04), NgayYeuCauNghiaVuTaiChinh,
DaSoHoaThanhPhan, CoKetQuaDienTu, PhiLePhi, DaThanhToan, CapDonVi (tinh|huyen|xa; otherwise the
unit's level). Timestamps: ISO 8601, dd/mm/yyyy [HH:MM[:SS]] or DVCQG yyyyMMddHHmmss.

Export (`export_dossiers`) writes the same columns (timestamps as yyyyMMddHHmmss), streaming the rows
from the database in chunks, so that export → import into an empty database gives the same figures.
"""

from __future__ import annotations

import csv
import getpass
import json
import operator
import os
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import String, any_, bindparam, func, insert, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cchc import clock, vn
from cchc.audit import service as audit
from cchc.auth.enums import Role
from cchc.dossiers.enums import Channel, State
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.dossiers.rules import classify
from cchc.errors import ImportRejected, PermissionDenied, ValidationError
from cchc.interop.progress import tracker
from cchc.interop.tabular import FORMATS, open_rows
from cchc.procedures.models import Field, Procedure
from cchc.stats import daily
from cchc.units.enums import Level
from cchc.units.models import Unit

REQUIRED_COLUMNS: tuple[str, ...] = (
    "MaHoSo",
    "MaTTHC",
    "MaDonViTiepNhan",
    "ChuHoSo",
    "KenhThucHien",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "NgayTra",
    "TrangThaiHoSo",
)
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "MaLinhVuc",
    "CapDonVi",
    "LoaiDoiTuong",
    "SoDinhDanh",
    "NgayNopHoSo",
    "NgayTuChoi",
    "NgayHenTraMoi",
    "NgayYeuCauBoSung",
    "NgayBoSung",
    "SoLanBoSung",
    "NgayYeuCauNghiaVuTaiChinh",
    "HinhThucTra",
    "PhiLePhi",
    "DaThanhToan",
    "DuocThanhToanTrucTuyen",
    "HoSoCoThanhPhanSoHoa",
    "DaSoHoaThanhPhan",
    "CoKetQuaDienTu",
    "DuocLayTuKhoDMQG",
    "TaiKhoanDuocXacThucVoiVNeID",
)
# The order of the columns in an exported file.
EXPORT_COLUMNS: tuple[str, ...] = (
    "MaHoSo",
    "MaTTHC",
    "MaLinhVuc",
    "MaDonViTiepNhan",
    "CapDonVi",
    "ChuHoSo",
    "LoaiDoiTuong",
    "SoDinhDanh",
    "KenhThucHien",
    "NgayNopHoSo",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayHenTraMoi",
    "NgayYeuCauBoSung",
    "NgayBoSung",
    "SoLanBoSung",
    "NgayYeuCauNghiaVuTaiChinh",
    "NgayKetThucXuLy",
    "NgayTra",
    "NgayTuChoi",
    "TrangThaiHoSo",
    "HinhThucTra",
    "PhiLePhi",
    "DaThanhToan",
    "DuocThanhToanTrucTuyen",
    "HoSoCoThanhPhanSoHoa",
    "DaSoHoaThanhPhan",
    "CoKetQuaDienTu",
    "DuocLayTuKhoDMQG",
    "TaiKhoanDuocXacThucVoiVNeID",
)
KNOWN_COLUMNS = frozenset(REQUIRED_COLUMNS) | frozenset(OPTIONAL_COLUMNS)

EVENT_ACTION = "nhap_du_lieu"
CHUNK = 5000
DVCQG_TIMESTAMP = "%Y%m%d%H%M%S"

# TrangThaiHoSo → state; 3 depends on whether the dossier was received (see _state()).
STATE_BY_CODE: dict[int, State] = {
    1: State.SUBMITTED,
    2: State.RECEIVED,
    4: State.PROCESSING,
    5: State.SUPPLEMENT,
    6: State.FINANCIAL,
    7: State.WITHDRAWN,
    8: State.STOPPED,
    9: State.FINISHED,
    10: State.RETURNED,
}
ENDED_STATES = frozenset({State.REFUSED, State.WITHDRAWN, State.STOPPED, State.FINISHED, State.RETURNED})
OPEN_STATES = frozenset({State.RECEIVED, State.PROCESSING, State.SUPPLEMENT, State.FINANCIAL})
NOT_RECEIVED_STATES = frozenset({State.SUBMITTED, State.NOT_ACCEPTED})

# HinhThucTra: cchc numbers the ways a result is delivered like KenhThucHien.
DELIVERY_BY_CODE = {1: "truc_tiep", 2: "truc_tuyen", 3: "buu_chinh"}
DELIVERY_CODE = {v: k for k, v in DELIVERY_BY_CODE.items()}
APPLICANT_TYPES = {1: "công dân", 2: "tổ chức"}
PAYMENT_CODES = {0: "không", 1: "qua Cổng DVCQG", 2: "qua cổng thanh toán của địa phương"}

_TRUE = frozenset({"1", "true", "co", "x", "yes", "y", "dung"})
_FALSE = frozenset({"0", "false", "khong", "no", "n", "sai"})
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

    def __init__(self, session: Session):
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

    def unit(self, code: str, day: date) -> _UnitRef:
        candidates = self.units.get(code)
        if not candidates:
            raise _Bad("MaDonViTiepNhan", f"không có đơn vị nào mang mã «{code}» trong danh mục đơn vị.")
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


def _text(row: dict, column: str) -> str:
    value = row.get(column)
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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
    value = row.get(column)
    if value is None or value == "" or value == "0":
        return False
    if value == "1":
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value)
        raise _Bad(column, f"phải là 1 (có) hoặc 0 (không), nhận được «{value}».")
    key = vn.search_key(str(value))
    if key in _TRUE:
        return True
    if key in _FALSE or key == "":
        return False
    raise _Bad(column, f"phải là 1 (có) hoặc 0 (không), nhận được «{value}».")


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
    text = _text(row, column)
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


_STATE_CHOICES = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận / từ chối",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
_CHANNEL_CHOICES = {c.value: c.label for c in Channel}


_MARKS: dict[int, None] | None = None


def _search_key(text: str) -> str:
    """The same as cchc.vn.search_key, with the accents removed by one str.translate (C speed)."""
    global _MARKS
    if text.isascii():
        return " ".join(text.lower().split())
    if _MARKS is None:
        _MARKS = {cp: None for cp in range(0x10000) if unicodedata.category(chr(cp)) == "Mn"}
    stripped = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D")).translate(_MARKS)
    if not stripped.isascii():  # letters of other scripts: the general (slower) rule
        return vn.search_key(text)
    return " ".join(stripped.lower().split())


def _ts_text(value: datetime) -> str:
    return vn.fmt_datetime(value)


# --------------------------------------------------------------------------------------------
# One row → the values of one dossiers row.


class _Validator:
    def __init__(self, session: Session, actor, source: str):
        self.catalogue = _Catalogue(session)
        self.actor = actor
        self.scope_paths: list[str] | None = _scope_paths(session, actor)
        self.source = source
        self.now = clock.now()

    def dossier(self, number: int, row: dict) -> dict[str, Any]:
        try:
            return self._dossier(row)
        except _Bad as bad:
            raise ImportRejected(bad.message, row=number, column=bad.column) from None

    def _dossier(self, row: dict) -> dict[str, Any]:
        code = _text(row, "MaHoSo")
        if not code:
            raise _Bad("MaHoSo", "thiếu mã hồ sơ.")
        if len(code) > 64 or _SPACE.search(code):
            raise _Bad("MaHoSo", f"mã hồ sơ «{code}» không hợp lệ (tối đa 64 ký tự, không có khoảng trắng).")

        procedure_code = _text(row, "MaTTHC")
        if not procedure_code:
            raise _Bad("MaTTHC", "thiếu mã thủ tục hành chính.")
        procedure = self.catalogue.procedures.get(procedure_code)
        if procedure is None:
            raise _Bad("MaTTHC", f"không có thủ tục hành chính mã «{procedure_code}» trong danh mục.")
        procedure_id, field_code = procedure
        field_given = _text(row, "MaLinhVuc")
        if field_given and field_code and field_given != field_code:
            raise _Bad(
                "MaLinhVuc",
                f"lĩnh vực «{field_given}» không khớp lĩnh vực «{field_code}» của thủ tục «{procedure_code}».",
            )

        applicant = _text(row, "ChuHoSo")
        if not applicant:
            raise _Bad("ChuHoSo", "thiếu tên chủ hồ sơ.")
        if len(applicant) > 255:
            raise _Bad("ChuHoSo", "tên chủ hồ sơ dài quá 255 ký tự.")
        applicant_type = _int(row, "LoaiDoiTuong", APPLICANT_TYPES, default=1)
        id_number = _text(row, "SoDinhDanh")
        if id_number and not _ID_NUMBER.match(id_number):
            raise _Bad("SoDinhDanh", f"số định danh «{id_number}» không hợp lệ (chữ số, tối đa 20 ký tự).")

        channel = _int(row, "KenhThucHien", _CHANNEL_CHOICES, default=Channel.DIRECT.value)
        status = _int(row, "TrangThaiHoSo", _STATE_CHOICES)
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
        label = f"trạng thái {status} ({_STATE_CHOICES[status]})"

        # Which timestamps each state needs or forbids.
        not_accepted_at = None
        if state in NOT_RECEIVED_STATES:
            if state is State.SUBMITTED and received_at is not None:
                raise _Bad("NgayTiepNhan", f"hồ sơ ở {label} chưa được tiếp nhận, không được có NgayTiepNhan.")
            if state is State.SUBMITTED and submitted_at is None:
                raise _Bad("NgayNopHoSo", f"hồ sơ ở {label} cần NgayNopHoSo.")
            if state is State.NOT_ACCEPTED:
                not_accepted_at = refused_at or ended_at
                if not_accepted_at is None:
                    raise _Bad("NgayTuChoi", "hồ sơ không được tiếp nhận (trạng thái 3, không có NgayTiepNhan) cần NgayTuChoi.")
            elif ended_at is not None:
                raise _Bad("NgayKetThucXuLy", f"hồ sơ ở {label} chưa kết thúc, không được có NgayKetThucXuLy.")
            for column, value in (
                ("NgayTra", returned_at),
                ("NgayYeuCauBoSung", supplement_requested_at),
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
                raise _Bad("NgayKetThucXuLy", f"hồ sơ ở {label} đã kết thúc, cần NgayKetThucXuLy.")
            if state in OPEN_STATES and ended_at is not None:
                raise _Bad(
                    "NgayKetThucXuLy",
                    f"hồ sơ ở {label} đang giải quyết, không được có NgayKetThucXuLy "
                    "(hồ sơ đã xử lý xong dùng trạng thái 9 hoặc 10).",
                )
            if state is State.RETURNED and returned_at is None:
                raise _Bad("NgayTra", f"hồ sơ ở {label} cần NgayTra.")
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
            raise _Bad("NgayBoSung", "có NgayBoSung nhưng không có NgayYeuCauBoSung.")
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
            if supplemented_at is not None:
                if supplemented_at < supplement_requested_at:
                    raise _Bad(
                        "NgayBoSung",
                        f"NgayBoSung ({_ts_text(supplemented_at)}) trước NgayYeuCauBoSung ({_ts_text(supplement_requested_at)}).",
                    )
                if ended_at is not None and supplemented_at > ended_at:
                    raise _Bad(
                        "NgayBoSung",
                        f"NgayBoSung ({_ts_text(supplemented_at)}) sau NgayKetThucXuLy ({_ts_text(ended_at)}).",
                    )
        supplement_count = supplement_count or 0
        if state is State.SUPPLEMENT and (supplement_requested_at is None or supplemented_at is not None):
            raise _Bad(
                "NgayYeuCauBoSung" if supplement_requested_at is None else "NgayBoSung",
                f"hồ sơ ở {label} cần NgayYeuCauBoSung và chưa có NgayBoSung.",
            )
        if state in (State.RECEIVED, State.PROCESSING, State.FINANCIAL) and supplement_requested_at is not None and supplemented_at is None:
            raise _Bad(
                "NgayBoSung",
                f"hồ sơ đang chờ bổ sung (có NgayYeuCauBoSung, chưa có NgayBoSung) phải ở trạng thái 5, không phải {label}.",
            )
        if financial_requested_at is not None and received_at is not None and financial_requested_at < received_at:
            raise _Bad(
                "NgayYeuCauNghiaVuTaiChinh",
                f"NgayYeuCauNghiaVuTaiChinh ({_ts_text(financial_requested_at)}) trước NgayTiepNhan ({_ts_text(received_at)}).",
            )

        # Unit: resolved by its code valid on the day of receipt (or of filing for dossiers not received).
        unit_code = _text(row, "MaDonViTiepNhan")
        if not unit_code:
            raise _Bad("MaDonViTiepNhan", "thiếu mã đơn vị tiếp nhận.")
        on = received_at or submitted_at or not_accepted_at
        unit = self.catalogue.unit(unit_code, on.date())
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
        }


def _scope_paths(session: Session, actor) -> list[str] | None:
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


def _actor_name(actor) -> str:
    if actor is not None:
        return actor.full_name or actor.username
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    return f"Người vận hành ({user})" if user else "Người vận hành"


# --------------------------------------------------------------------------------------------
# Import.


def import_dossiers(session: Session, path: Path | str, progress=None, *, actor=None) -> dict[str, Any]:
    """Import a CSV/XLSX/JSON file of dossiers with DVCQG column names; all or nothing.

    Returns {"dossiers", "events", "by_state", "source", "ignored_columns"}; raises ImportRejected
    (row number as in the file, column) and writes nothing when any row is wrong. The file is read as
    it is imported (cchc.interop.tabular.open_rows), so memory stays flat however long it is.
    """
    path = Path(path)
    with open_rows(path, required=REQUIRED_COLUMNS) as table:
        result = import_dossier_rows(session, table, source=path.name, progress=progress, actor=actor, total=table.estimate)
        if not result["dossiers"]:
            raise ImportRejected(f"Tệp «{path.name}» không có dòng dữ liệu nào (chỉ có dòng tiêu đề).")
        result["ignored_columns"] = [c for c in table.columns if c and c not in KNOWN_COLUMNS]
    return result


def import_dossier_rows(
    session: Session,
    rows: Iterable[tuple[int, dict]],
    source: str = "dữ liệu nhập",
    progress=None,
    *,
    actor=None,
    total: int | None = None,
) -> dict[str, Any]:
    """The same as import_dossiers, from (row number, {DVCQG column: value}) pairs, in file order.

    The rows are taken CHUNK at a time: each chunk is validated, then written, inside one savepoint of the
    caller's transaction — the first bad row rolls back every chunk already written, so the import stays all
    or nothing while no more than one chunk is held in memory. `total` (how many rows, if known) is only for
    the progress bars."""
    if isinstance(rows, Sequence):
        total = len(rows)
    rows = iter(rows)
    chunk = list(islice(rows, CHUNK))
    if chunk:
        missing = [c for c in REQUIRED_COLUMNS if c not in chunk[0][1]]
        if missing:
            raise ImportRejected(
                f"Dữ liệu «{source}» thiếu cột bắt buộc: {', '.join(missing)}. Các cột cần có: {', '.join(REQUIRED_COLUMNS)}."
            )
    validator = _Validator(session, actor, source)
    check = tracker(progress, "Kiểm tra dữ liệu", total)
    write = tracker(progress, "Ghi vào cơ sở dữ liệu", total)
    by_state: Counter = Counter()
    if chunk:
        with _Writer(session, source, actor, validator.now, total or len(chunk)) as writer:
            while chunk:
                records = _validate(session, validator, chunk, source, writer.first_id)
                check.advance(len(chunk))
                writer.write(records)
                write.advance(len(records))
                by_state.update(r["state"] for _, r in records)
                chunk = list(islice(rows, CHUNK))
    check.finish()
    write.finish()
    count = sum(by_state.values())
    return {
        "dossiers": count,
        "events": count,
        "by_state": dict(sorted(by_state.items())),
        "source": source,
        "ignored_columns": [],
    }


def _code_in(session: Session, codes: Iterable[str]):
    """Dossier.code IN (…) for thousands of codes: one array parameter on PostgreSQL (= ANY), else IN."""
    column = Dossier.__table__.c.code
    codes = list(codes)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("codes", codes, type_=ARRAY(String)))
    return column.in_(codes)


def _validate(session: Session, validator: _Validator, chunk: list[tuple[int, dict]], source: str,
              first_id: int | None) -> list[tuple[int, dict]]:
    """One chunk of rows checked in file order; the first error stops the import.

    A code repeated in the file is found in the database once its first row's chunk is written (dossier ids from
    `first_id` on are this import's): the import event written with it gives that row's number, so no list of
    the file's codes is kept in memory."""
    table = Dossier.__table__
    codes = {_text(r, "MaHoSo") for _, r in chunk}
    codes.discard("")
    in_db = set(session.execute(select(table.c.code).where(_code_in(session, codes))).scalars()) if codes else set()
    seen: dict[str, int] = {}
    records: list[tuple[int, dict]] = []
    for number, row in chunk:
        record = validator.dossier(number, row)
        code = record["code"]
        if code in seen:
            raise ImportRejected(f"mã hồ sơ «{code}» trùng với dòng {seen[code]} của tệp.", row=number, column="MaHoSo")
        if code in in_db:
            earlier = _imported_row(session, code, first_id, source) if first_id is not None else None
            if earlier is not None:
                raise ImportRejected(f"mã hồ sơ «{code}» trùng với dòng {earlier} của tệp.", row=number, column="MaHoSo")
            raise ImportRejected(f"mã hồ sơ «{code}» đã có trong cơ sở dữ liệu.", row=number, column="MaHoSo")
        seen[code] = number
        records.append((number, record))
    return records


def _imported_row(session: Session, code: str, first_id: int, source: str) -> int | None:
    """The row of this import (dossier ids from `first_id` on) that wrote dossier `code`, if it was this import."""
    events, dossiers = DossierEvent.__table__, Dossier.__table__
    found = session.execute(
        select(events.c.data)
        .join(dossiers, dossiers.c.id == events.c.dossier_id)
        .where(dossiers.c.code == code, dossiers.c.id >= first_id, events.c.action == EVENT_ACTION)
    ).scalars().all()
    for data in found:
        data = json.loads(data) if isinstance(data, str) else data
        if isinstance(data, dict) and data.get("source") == source:
            return data.get("row")
    return None


class _Writer:
    """The writing side of an import: one savepoint inside the caller's transaction, bulk inserts of the
    dossiers of each chunk then of their events, the day counts of each chunk in one statement, and one audit
    entry for the whole import when it ends well."""

    def __init__(self, session: Session, source: str, actor, now: datetime, expected_rows: int):
        self.session, self.source, self.actor, self.now = session, source, actor, now
        self.expected_rows = expected_rows
        self.actor_id = actor.id if actor is not None else None
        self.actor_name = _actor_name(actor)
        self.note = f"Nhập dữ liệu từ «{source}»"
        self.source_json = json.dumps(source, ensure_ascii=False)
        self.connection = session.connection()
        self.dossier_writer: BulkWriter | None = None
        self.event_writer = BulkWriter(
            self.connection,
            DossierEvent.__table__,
            ("dossier_id", "at", "actor_id", "actor_name", "action", "from_state", "to_state", "note", "data"),
        )
        self.codes: list[str] = []  # the first audit.BULK_KEYS codes, for the audit entry
        self.first_id: int | None = None  # the smallest dossier id this import wrote
        self.count = 0
        self._stack = ExitStack()

    def __enter__(self) -> "_Writer":
        # The day counts (cchc.stats.daily) of each chunk in one statement, not by a trigger per row.
        self._stack.enter_context(self.session.begin_nested())
        self._stack.enter_context(_sqlite_cache(self.connection, self.expected_rows))
        self._stack.enter_context(daily.deferred(self.connection))
        return self

    def write(self, records: list[tuple[int, dict]]) -> None:
        if not records:
            return
        dossiers = Dossier.__table__
        session, quote = self.session, json.encoder.encode_basestring
        if self.dossier_writer is None:
            self.dossier_writer = BulkWriter(self.connection, dossiers, records[0][1].keys())
        self.dossier_writer.insert([r for _, r in records])
        codes = [r["code"] for _, r in records]
        ids = dict(session.execute(select(dossiers.c.code, dossiers.c.id).where(_code_in(session, codes))).all())
        daily.add(self.connection, list(ids.values()))
        if self.first_id is None:
            self.first_id = min(ids.values())
        self.event_writer.insert(
            [
                {
                    "dossier_id": ids[r["code"]],
                    "at": self.now,
                    "actor_id": self.actor_id,
                    "actor_name": self.actor_name,
                    "action": EVENT_ACTION,
                    "from_state": None,
                    "to_state": r["state"],
                    "note": f"{self.note}, dòng {number}.",
                    "data": RawJSON(f'{{"source": {self.source_json}, "row": {number}, "MaHoSo": {quote(r["code"])}}}'),
                }
                for number, r in records
            ]
        )
        self.codes.extend(codes[: max(0, audit.BULK_KEYS - len(self.codes))])
        self.count += len(codes)

    def __exit__(self, kind, exc, tb) -> bool:
        if kind is None and self.count:
            try:
                # Written on the connection, not through the ORM: the audit log gets the import as one entry.
                more = self.count - len(self.codes)
                audit.record(self.session, "nhap_tep", Dossier.__table__.name, after={
                    "nguon": self.source, "so_ho_so": self.count,
                    "ma_ho_so": self.codes + ([f"… và {more} hồ sơ khác"] if more > 0 else []),
                }, actor=self.actor)
            except BaseException:
                self._stack.__exit__(*sys.exc_info())
                raise
        try:
            self._stack.__exit__(kind, exc, tb)  # the savepoint: released, or rolled back on any error
        except IntegrityError as error:
            raise self._refused(error) from None
        if isinstance(exc, IntegrityError):
            raise self._refused(exc) from None
        return False

    def _refused(self, error: IntegrityError) -> ImportRejected:
        return ImportRejected(
            f"Không ghi được dữ liệu «{self.source}» (vi phạm ràng buộc của cơ sở dữ liệu, có thể một mã hồ sơ vừa "
            f"được tạo đồng thời): {str(error.orig).splitlines()[0]}. Không có hồ sơ nào được ghi."
        )


class RawJSON(str):
    """A value already serialised as JSON, for a JSON column written by BulkWriter."""


@contextmanager
def _sqlite_cache(connection, rows: int):
    """SQLite: a page cache big enough for one large import (about 2 KiB per dossier with its indexes
    and event, at most 1 GiB) so that the transaction is not spilled to disk page by page; the
    connection's own setting is restored afterwards."""
    if connection.dialect.name != "sqlite" or rows < CHUNK:
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{min(1 << 20, 64 * 1024 + 2 * rows)}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


class BulkWriter:
    """Fast bulk INSERT of many rows of one table inside the caller's transaction.

    PostgreSQL (psycopg 3): COPY … FROM STDIN. SQLite: one executemany of a prepared INSERT with the
    values already in SQLAlchemy's storage format (timestamps 'YYYY-MM-DD HH:MM:SS.ffffff'). Other
    databases: Core executemany. Columns the rows do not give get their column default (evaluated once
    per batch) or NULL; columns with a server default are left to the database.
    """

    def __init__(self, connection, table, keys: Iterable[str]):
        self.connection = connection
        self.table = table
        given = set(keys)
        dialect = connection.dialect
        self.mode = (
            "copy"
            if dialect.name == "postgresql" and dialect.driver == "psycopg"
            else "sqlite" if dialect.name == "sqlite" else "core"
        )
        self.columns = [c for c in table.columns if c.name in given] + [
            c
            for c in table.columns
            if c.name not in given
            and not (c.primary_key and c.autoincrement in (True, "auto"))
            and c.server_default is None
        ]
        self.given = given
        self.getters = []
        for c in self.columns:
            convert = self._converter(c) if self.mode != "core" else None
            self.getters.append((c.name, c.name in given, convert))
        preparer = dialect.identifier_preparer
        names = ", ".join(preparer.quote(c.name) for c in self.columns)
        self.table_sql = preparer.format_table(table)
        self.names_sql = names
        self.insert_sql = f"INSERT INTO {self.table_sql} ({names}) VALUES ({', '.join('?' for _ in self.columns)})"

    def _converter(self, column):
        from sqlalchemy import JSON as JSONType
        from sqlalchemy import DateTime, Numeric

        kind = column.type
        if isinstance(kind, JSONType):
            return lambda v: v if v.__class__ is RawJSON else json.dumps(v, ensure_ascii=False)
        if self.mode == "sqlite":
            if isinstance(kind, DateTime):
                return lambda v: v.isoformat(" ", "microseconds")
            if isinstance(kind, Numeric):
                return float
        return None

    def _defaults(self) -> dict[str, Any]:
        values = {}
        for c in self.columns:
            if c.name in self.given:
                continue
            default = c.default
            if default is None:
                values[c.name] = None
            elif default.is_callable:
                values[c.name] = default.arg(None)
            else:
                values[c.name] = default.arg
        return values

    def insert(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        defaults = self._defaults()
        if self.mode == "core":
            rows = [{k: json.loads(v) if v.__class__ is RawJSON else v for k, v in r.items()} for r in rows]
            self.connection.execute(insert(self.table), [{**defaults, **r} for r in rows])
            return
        given = [(name, convert) for name, is_given, convert in self.getters if is_given]
        constants = tuple(
            convert(defaults[name]) if convert is not None and defaults[name] is not None else defaults[name]
            for name, is_given, convert in self.getters
            if not is_given
        )
        getter = operator.itemgetter(*[name for name, _ in given])
        conversions = [(i, convert) for i, (_, convert) in enumerate(given) if convert is not None]
        if len(given) == 1:
            tuples = [(getter(r),) + constants for r in rows]
        elif conversions:
            tuples = []
            for r in rows:
                values = list(getter(r))
                for i, convert in conversions:
                    if values[i] is not None:
                        values[i] = convert(values[i])
                tuples.append(tuple(values) + constants)
        else:
            tuples = [getter(r) + constants for r in rows]
        if self.mode == "sqlite":
            self.connection.exec_driver_sql(self.insert_sql, tuples)
            return
        raw = self.connection.connection.dbapi_connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {self.table_sql} ({self.names_sql}) FROM STDIN") as copy:
                for t in tuples:
                    copy.write_row(t)


# --------------------------------------------------------------------------------------------
# Export.


def _export_query(session: Session, unit, start: date | None, end: date | None):
    d = Dossier.__table__
    u = Unit.__table__
    p = Procedure.__table__
    f = Field.__table__
    columns = [
        d.c.id,
        d.c.code,
        p.c.code.label("procedure_code"),
        f.c.code.label("field_code"),
        u.c.code.label("unit_code"),
        d.c.level,
        d.c.applicant_name,
        d.c.applicant_type,
        d.c.applicant_id_number,
        d.c.channel,
        d.c.submitted_at,
        d.c.received_at,
        d.c.due_at,
        d.c.extended_due_at,
        d.c.supplement_requested_at,
        d.c.supplemented_at,
        d.c.supplement_count,
        d.c.financial_requested_at,
        d.c.ended_at,
        d.c.returned_at,
        d.c.not_accepted_at,
        d.c.state,
        d.c.status_code,
        d.c.result_delivery,
        d.c.fee_amount,
        d.c.fee_paid,
        d.c.paid_online,
        d.c.reused_digitized,
        d.c.components_digitized,
        d.c.result_digitized,
        d.c.from_personal_store,
        d.c.vneid_verified,
    ]
    conditions = []
    if unit is not None:
        units = _units_for(session, unit)
        conditions.append(or_(*[(u.c.path.like(x.path + "%") if x.path else u.c.id == x.id) for x in units]))
    moment = func.coalesce(d.c.received_at, d.c.submitted_at, d.c.not_accepted_at)
    if start is not None:
        conditions.append(moment >= datetime.combine(start, time.min))
    if end is not None:
        conditions.append(moment < datetime.combine(end + timedelta(days=1), time.min))
    base = d.join(u, u.c.id == d.c.unit_id).join(p, p.c.id == d.c.procedure_id).outerjoin(f, f.c.id == p.c.field_id)
    rows = select(*columns).select_from(base).where(*conditions).order_by(d.c.id)
    count = select(func.count()).select_from(base).where(*conditions)
    return rows, count


def _units_for(session: Session, unit) -> list[Unit]:
    if isinstance(unit, Unit):
        return [unit]
    code = str(unit).strip()
    units = list(session.execute(select(Unit).where(Unit.code == code)).scalars())
    if not units:
        raise ValidationError(f"Không có đơn vị nào mang mã «{code}».", field="unit")
    return units


def _stamp(value: datetime | None) -> str:
    return value.strftime(DVCQG_TIMESTAMP) if value is not None else ""


def _export_record(r) -> dict[str, Any]:
    return {
        "MaHoSo": r.code,
        "MaTTHC": r.procedure_code,
        "MaLinhVuc": r.field_code or "",
        "MaDonViTiepNhan": r.unit_code,
        "CapDonVi": r.level,
        "ChuHoSo": r.applicant_name,
        "LoaiDoiTuong": r.applicant_type,
        "SoDinhDanh": r.applicant_id_number or "",
        "KenhThucHien": r.channel,
        "NgayNopHoSo": _stamp(r.submitted_at),
        "NgayTiepNhan": _stamp(r.received_at),
        "NgayHenTra": _stamp(r.due_at),
        "NgayHenTraMoi": _stamp(r.extended_due_at),
        "NgayYeuCauBoSung": _stamp(r.supplement_requested_at),
        "NgayBoSung": _stamp(r.supplemented_at),
        "SoLanBoSung": r.supplement_count or 0,
        "NgayYeuCauNghiaVuTaiChinh": _stamp(r.financial_requested_at),
        "NgayKetThucXuLy": _stamp(r.ended_at),
        "NgayTra": _stamp(r.returned_at),
        "NgayTuChoi": _stamp(r.not_accepted_at),
        "TrangThaiHoSo": r.status_code,
        "HinhThucTra": DELIVERY_CODE.get(r.result_delivery, 1),
        "PhiLePhi": int(r.fee_amount or 0),
        "DaThanhToan": int(bool(r.fee_paid)),
        "DuocThanhToanTrucTuyen": r.paid_online or 0,
        "HoSoCoThanhPhanSoHoa": int(bool(r.reused_digitized)),
        "DaSoHoaThanhPhan": int(bool(r.components_digitized)),
        "CoKetQuaDienTu": int(bool(r.result_digitized)),
        "DuocLayTuKhoDMQG": int(bool(r.from_personal_store)),
        "TaiKhoanDuocXacThucVoiVNeID": int(bool(r.vneid_verified)),
    }


def export_dossiers(
    session: Session,
    out_path: Path | str,
    fmt: str | None = None,
    unit=None,
    start: date | None = None,
    end: date | None = None,
    progress=None,
) -> int:
    """Write dossiers (of `unit` and everything under it, received — or filed — between start and end)
    to CSV, XLSX or JSON with DVCQG column names; returns the number written.

    `unit` is a Unit or a unit code (every validity period of that code). Rows are streamed from the
    database in chunks and written as they come; the file appears only when complete.
    """
    out_path = Path(out_path)
    fmt = (fmt or FORMATS.get(out_path.suffix.lower()) or "").lower()
    if fmt not in ("csv", "xlsx", "json"):
        raise ValidationError(
            f"Không xuất được «{out_path.name}»: chọn định dạng csv, xlsx hoặc json (theo phần mở rộng của tệp).",
            field="fmt",
        )
    if start is not None and end is not None and start > end:
        raise ValidationError(f"Ngày bắt đầu ({vn.fmt_date(start)}) sau ngày kết thúc ({vn.fmt_date(end)}).")
    rows_q, count_q = _export_query(session, unit, start, end)
    total = session.execute(count_q).scalar_one()
    bar = tracker(progress, "Xuất hồ sơ", total)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    written = 0
    try:
        result = session.execute(rows_q.execution_options(yield_per=CHUNK))
        records = (_export_record(r) for part in result.partitions(CHUNK) for r in part)
        writer = {"csv": _write_csv, "xlsx": _write_xlsx, "json": _write_json}[fmt]
        written = writer(tmp, records, bar)
        os.replace(tmp, out_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    bar.finish()
    return written


def _write_csv(path: Path, records: Iterable[dict], bar) -> int:
    from cchc.interop.cells import csv_row

    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(EXPORT_COLUMNS)
        for n, record in enumerate(records, start=1):
            writer.writerow(csv_row(record[c] for c in EXPORT_COLUMNS))  # text never read as a formula
            if n % 1000 == 0:
                bar.advance(1000)
    bar.advance(n % 1000)
    return n


def _write_xlsx(path: Path, records: Iterable[dict], bar) -> int:
    from openpyxl import Workbook

    from cchc.interop.cells import write_only_row

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("HoSo")
    ws.append(list(EXPORT_COLUMNS))
    n = 0
    for n, record in enumerate(records, start=1):
        ws.append(write_only_row(ws, [record[c] for c in EXPORT_COLUMNS]))  # every text a string cell
        if n % 1000 == 0:
            bar.advance(1000)
    wb.save(path)
    bar.advance(n % 1000)
    return n


def _write_json(path: Path, records: Iterable[dict], bar) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[")
        for n, record in enumerate(records, start=1):
            fh.write(("\n" if n == 1 else ",\n") + json.dumps(record, ensure_ascii=False))
            if n % 1000 == 0:
                bar.advance(1000)
        fh.write("\n]\n" if n else "]\n")
    bar.advance(n % 1000)
    return n


__all__ = [
    "EXPORT_COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "export_dossiers",
    "import_dossier_rows",
    "import_dossiers",
]
