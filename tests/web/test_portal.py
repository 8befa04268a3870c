from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from cchc.db import session_factory
from cchc.dossiers.models import Dossier, DossierStep
from cchc.procedures.models import Procedure
from cchc.units.models import Unit
from tests.webclient import login_page


def _dossier(owner_id=None) -> str:
    with session_factory()() as s:
        unit = Unit(code="000.00.12.H20", name="UBND xã Mỹ An", level="xa", kind="ubnd", path="")
        s.add(unit)
        s.flush()
        unit.path = f"/{unit.id}/"
        proc = Procedure(code="1.001193", name="Đăng ký khai sinh", time_amount=Decimal(1), time_unit="ngay_lam_viec")
        s.add(proc)
        s.flush()
        d = Dossier(code="000.00.12.H20-250425-0001", procedure_id=proc.id, unit_id=unit.id, level="xa", channel=2,
                    state="dang_xu_ly", status_code=4, applicant_name="Nguyễn Văn An", applicant_id_number="079123456789",
                    applicant_phone="0912345678", received_at=datetime(2025, 4, 25, 9), due_at=datetime(2025, 4, 28, 9),
                    owner_user_id=owner_id)
        s.add(d)
        s.flush()
        s.add(DossierStep(dossier_id=d.id, step_seq=1, name="Tiếp nhận hồ sơ", role="mot_cua", unit_id=unit.id,
                          started_at=datetime(2025, 4, 25, 9), ended_at=datetime(2025, 4, 25, 9, 5), timeliness="truoc_han"))
        s.commit()
        return d.code


def test_lookup_masks_personal_data_for_the_public(client):
    code = _dossier()
    page = client.get("/tra-cuu", params={"ma": code})
    assert page.status_code == 200
    assert "Đăng ký khai sinh" in page.text and "Đang xử lý" in page.text
    assert "28/4/2025 09:00" in page.text
    assert "079*******89" in page.text and "079123456789" not in page.text
    assert "0912345678" not in page.text and "Nguyễn V. A." in page.text
    api = client.get(f"/api/v1/lookup/{code}").json()
    assert api["applicant_id_number"] == "079*******89" and api["steps"][0]["timeliness"] == "Trước hạn"


def test_owner_sees_the_full_record(client, make_user):
    uid = make_user("an.nguyen", full_name="Nguyễn Văn An")
    code = _dossier(owner_id=uid)
    login_page(client, "an.nguyen")
    page = client.get("/tra-cuu", params={"ma": code}).text
    assert "079123456789" in page and "Nguyễn Văn An" in page


def test_unknown_code_is_explained(client):
    r = client.get("/tra-cuu", params={"ma": "KHONG-CO"})
    assert r.status_code == 404 and "Không tìm thấy hồ sơ có mã «KHONG-CO»" in r.text
    assert client.get("/api/v1/lookup/KHONG-CO").json()["detail"].startswith("Không tìm thấy hồ sơ")
