from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from cchc.errors import ValidationError
from cchc.procedures import catalogue, service
from cchc.procedures.schemas import ProcedureIn, ProcedureOut


def test_procedure_in_creates_and_out_reads_back(db):
    data = ProcedureIn.model_validate({
        "code": "1.001193", "name": "Đăng ký khai sinh", "field_code": "HT", "field_name": "Hộ tịch",
        "levels": ["tinh", "xa"], "time_amount": "3", "time_unit": "ngay_lam_viec", "online_level": "toan_trinh",
        "cutoff_time": "15:00", "fees": [{"kind": "le_phi", "amount": 8000, "description": "Lệ phí"}],
        "components": [{"name": "Tờ khai", "copies": 2}],
        "steps": [{"role": "mot_cua", "hours": 4}, {"role": "chuyen_vien", "hours": 16, "can_return": True},
                  {"role": "mot_cua", "duration_amount": "0.5", "duration_unit": "ngay_lam_viec"}],
    })
    p = service.create_procedure(db, None, data)
    service.add_publication(db, None, p, "1/QĐ-UBND", date(2024, 6, 14), "moi")
    out = ProcedureOut.from_procedure(catalogue.get_procedure(db, "1.001193"))
    assert out.levels == ["tinh", "xa"] and out.time_limit_label == "03 ngày làm việc"
    assert out.cutoff_time == time(15, 0) and out.online_level_label == "Toàn trình"
    assert out.field_code == "HT" and out.field_name == "Hộ tịch"
    assert [(f.kind, f.amount) for f in out.fees] == [("le_phi", Decimal(8000))]
    assert [(c.name, c.copies) for c in out.components] == [("Tờ khai", 2)]
    assert [(s.seq, s.role_label, s.duration_label, s.can_return) for s in out.steps] == [
        (1, "Bộ phận Một cửa", "04 giờ làm việc", False), (2, "Chuyên viên", "16 giờ làm việc", True),
        (3, "Bộ phận Một cửa", "0,5 ngày làm việc", False),
    ]
    assert out.publications[0].kind_label == "Công bố mới"
    body = out.model_dump(mode="json")
    assert body["code"] == "1.001193" and body["steps"][0]["role"] == "mot_cua"


def test_partial_update_through_procedure_in(db):
    service.create_procedure(db, None, {
        "code": "1.001022", "name": "Đăng ký kết hôn", "field_code": "HT", "field_name": "Hộ tịch", "levels": "xa",
        "time_amount": 5, "time_unit": "ngay_lam_viec", "online_level": "mot_phan"})
    p = service.update_procedure(db, None, "1.001022", ProcedureIn(online_level="toan_trinh"))
    assert p.online_level == "toan_trinh" and p.name == "Đăng ký kết hôn" and p.time_amount == 5
    summary = ProcedureOut.from_procedure(p, detail=False)
    assert summary.steps == [] and summary.fees == []


def test_bad_input_gets_the_vietnamese_message(db):
    with pytest.raises(ValidationError, match="Thời hạn giải quyết phải lớn hơn 0"):
        service.create_procedure(db, None, ProcedureIn(
            code="1.1", name="X", field_code="HT", field_name="Hộ tịch", levels="xa", time_amount=-2,
            time_unit="ngay_lam_viec"))
