"""Pydantic shapes of a dossier at the edges (forms, API): the applicant in, the dossier out.

Every validation message is Vietnamese and names the field; `parse_applicant` turns Pydantic's
errors into one cchc ValidationError so the CLI and the pages show them as they show any other.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, field_validator

from cchc.errors import ValidationError

_ID_NUMBER = re.compile(r"^(\d{9}|\d{12})$")
_PHONE = re.compile(r"^(0|\+84)\d{9,10}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

FIELD_LABELS = {
    "name": "Họ tên chủ hồ sơ",
    "applicant_type": "Loại đối tượng",
    "id_number": "Số định danh",
    "address": "Địa chỉ",
    "phone": "Số điện thoại",
    "email": "Thư điện tử",
    "authorized_person": "Người được ủy quyền",
    "component_id": "Thành phần hồ sơ",
    "copies": "Số bản",
}


class ApplicantIn(BaseModel):
    """Chủ hồ sơ (ChuHoSo) as entered at the counter or online."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str
    applicant_type: int = 1  # LoaiDoiTuong: 1 công dân, 2 tổ chức
    id_number: str = ""  # SoDinhDanh: 9 (CMND) or 12 (CCCD / định danh cá nhân) digits
    address: str = ""
    phone: str = ""
    email: str = ""
    authorized_person: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = re.sub(r"\s+", " ", v)
        if not v:
            raise ValueError("không được để trống")
        if len(v) > 255:
            raise ValueError("dài quá 255 ký tự")
        return v

    @field_validator("applicant_type")
    @classmethod
    def _type(cls, v: int) -> int:
        if v not in (1, 2):
            raise ValueError("phải là 1 (công dân) hoặc 2 (tổ chức)")
        return v

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, v: str) -> str:
        v = v.replace(" ", "")
        if v and not _ID_NUMBER.match(v):
            raise ValueError(f"«{v}» phải gồm đúng 9 hoặc 12 chữ số")
        return v

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        v = re.sub(r"[\s.\-]", "", v)
        if v and not _PHONE.match(v):
            raise ValueError(f"«{v}» không hợp lệ (10 chữ số bắt đầu bằng 0, hoặc +84…)")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if v and not _EMAIL.match(v):
            raise ValueError(f"«{v}» không phải địa chỉ thư điện tử hợp lệ")
        return v.lower()


class ComponentIn(BaseModel):
    """A component received: a catalogue component (by id) or a free-text one."""

    component_id: int | None = None
    name: str = ""
    copies: int = 1
    reused: bool = False  # taken from the digitised-data store

    @field_validator("copies")
    @classmethod
    def _copies(cls, v: int) -> int:
        if v < 1:
            raise ValueError("phải từ 1 trở lên")
        return v


def _vn_errors(exc: pydantic.ValidationError, what: str) -> ValidationError:
    parts = []
    first_field = None
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ())]
        field = loc[0] if loc else ""
        first_field = first_field or field
        label = FIELD_LABELS.get(field, field)
        kind = err.get("type", "")
        if kind == "missing":
            msg = "còn thiếu"
        elif kind == "value_error":
            msg = str(err.get("ctx", {}).get("error", err.get("msg", "")))
        elif kind.startswith("int") or kind.startswith("bool"):
            msg = "phải là số" if kind.startswith("int") else "phải là có/không"
        elif kind.startswith("string"):
            msg = "phải là chuỗi ký tự"
        else:
            msg = "không hợp lệ"
        parts.append(f"{label}: {msg}")
    return ValidationError(f"{what} không hợp lệ — " + "; ".join(parts) + ".", field=first_field)


def parse_applicant(data: ApplicantIn | dict[str, Any]) -> ApplicantIn:
    """An ApplicantIn from a dict (form, import row), or a Vietnamese ValidationError."""
    if isinstance(data, ApplicantIn):
        return data
    try:
        return ApplicantIn.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _vn_errors(exc, "Thông tin chủ hồ sơ") from None


def parse_component(data: ComponentIn | dict[str, Any]) -> ComponentIn:
    if isinstance(data, ComponentIn):
        return data
    try:
        return ComponentIn.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _vn_errors(exc, "Thành phần hồ sơ") from None


class StepOut(BaseModel):
    """A row of Mẫu 06."""

    model_config = ConfigDict(from_attributes=True)

    step_seq: int
    name: str
    role: str
    unit_id: int | None
    assignee_id: int | None
    started_at: datetime
    due_at: datetime | None
    ended_at: datetime | None
    outcome: str | None
    timeliness: str | None
    note: str


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    from_state: str | None
    to_state: str | None
    note: str
    data: dict


class DossierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    procedure_id: int
    unit_id: int
    level: str
    channel: int
    state: str
    status_code: int
    applicant_name: str
    applicant_type: int
    applicant_id_number: str
    applicant_address: str
    applicant_phone: str
    applicant_email: str
    authorized_person: str
    request_summary: str
    copies: int
    submitted_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    extended_due_at: datetime | None
    ended_at: datetime | None
    returned_at: datetime | None
    not_accepted_at: datetime | None
    supplement_count: int
    supplement_requested_at: datetime | None
    supplemented_at: datetime | None
    supplement_seconds: int
    apology_count: int
    timeliness: str | None
    current_step_seq: int | None
    current_role: str | None
    current_unit_id: int | None
    current_assignee_id: int | None
    current_step_due_at: datetime | None
    fee_amount: Decimal
    fee_paid: bool
    paid_online: int
    components_digitized: bool
    result_digitized: bool
    vneid_verified: bool
    result_number: str
    result_summary: str
    result_esigned: bool
    end_reason: str
    steps: list[StepOut] = []
    events: list[EventOut] = []
