"""Applicant validation with Vietnamese messages, and the output shapes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cchc.dossiers import service as svc
from cchc.dossiers.schemas import ApplicantIn, DossierOut, EventOut, StepOut, parse_applicant
from cchc.errors import ValidationError

from .factories import APPLICANT, MONDAY


def test_valid_applicant_is_normalised():
    a = parse_applicant({"name": "  Nguyễn   Văn An ", "id_number": "087 090 001 234", "phone": "091.234.5678", "email": "An@Example.VN"})
    assert (a.name, a.id_number, a.phone, a.email) == ("Nguyễn Văn An", "087090001234", "0912345678", "an@example.vn")
    assert parse_applicant(a) is a


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "  "}, "Họ tên chủ hồ sơ: không được để trống"),
        ({}, "Họ tên chủ hồ sơ: còn thiếu"),
        ({"name": "An", "id_number": "12345"}, "Số định danh: «12345» phải gồm đúng 9 hoặc 12 chữ số"),
        ({"name": "An", "phone": "12345"}, "Số điện thoại: «12345» không hợp lệ"),
        ({"name": "An", "email": "an@"}, "Thư điện tử: «an@» không phải địa chỉ thư điện tử hợp lệ"),
        ({"name": "An", "applicant_type": 5}, "Loại đối tượng: phải là 1 (công dân) hoặc 2 (tổ chức)"),
    ],
)
def test_bad_applicant_gets_a_vietnamese_error_naming_the_field(data, message):
    with pytest.raises(ValidationError) as info:
        parse_applicant(data)
    assert message in info.value.message and info.value.message.startswith("Thông tin chủ hồ sơ không hợp lệ")


@given(st.text(alphabet="0123456789", min_size=1, max_size=14))
def test_id_number_is_nine_or_twelve_digits(digits):
    if len(digits) in (9, 12):
        assert ApplicantIn(name="An", id_number=digits).id_number == digits
    else:
        with pytest.raises(ValidationError, match="9 hoặc 12"):
            parse_applicant({"name": "An", "id_number": digits})


def test_outputs_from_a_dossier(db, world):
    d = svc.receive(db, world.receiver, procedure=world.procedure, unit=world.commune, channel=1, applicant=APPLICANT, at=MONDAY)
    db.expire_all()
    out = DossierOut.model_validate(d)
    assert out.code == d.code and out.status_code == 4 and [s.step_seq for s in out.steps] == [1, 2]
    assert out.events[0].action == "receive" and isinstance(out.events[0], EventOut) and isinstance(out.steps[0], StepOut)
