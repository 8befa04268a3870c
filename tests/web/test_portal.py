from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from cchc.auth.models import User
from cchc.db import session_factory
from cchc.dossiers.models import Dossier, DossierStep
from cchc.procedures.models import Procedure
from cchc.units.models import Unit
from cchc.dossiers import lookup_pages as portal
from cchc.web.security import SlidingWindow
from tests.webclient import login_api, login_page

CODE = "000.00.12.H20-250425-0042"  # not the form's example, which pages show
NOT_FOUND = "Không tìm thấy hồ sơ có mã «{code}» khớp với 4 chữ số cuối đã nhập"


def _dossier(owner_id=None, id_number="079123456789", phone="0912345678") -> str:
    with session_factory()() as s:
        unit = Unit(code="000.00.12.H20", name="UBND xã Mỹ An", level="xa", kind="ubnd", path="")
        other = Unit(code="000.00.12.H21", name="UBND xã Mỹ Lợi", level="xa", kind="ubnd", path="")
        s.add_all([unit, other])
        s.flush()
        unit.path, other.path = f"/{unit.id}/", f"/{other.id}/"
        proc = Procedure(code="1.001193", name="Đăng ký khai sinh", time_amount=Decimal(1), time_unit="ngay_lam_viec")
        s.add(proc)
        s.flush()
        d = Dossier(code=CODE, procedure_id=proc.id, unit_id=unit.id, level="xa", channel=2,
                    state="dang_xu_ly", status_code=4, applicant_name="Nguyễn Văn An", applicant_id_number=id_number,
                    applicant_phone=phone, received_at=datetime(2025, 4, 25, 9), due_at=datetime(2025, 4, 28, 9),
                    owner_user_id=owner_id)
        s.add(d)
        s.flush()
        s.add(DossierStep(dossier_id=d.id, step_seq=1, name="Tiếp nhận hồ sơ", role="mot_cua", unit_id=unit.id,
                          started_at=datetime(2025, 4, 25, 9), ended_at=datetime(2025, 4, 25, 9, 5), timeliness="truoc_han"))
        s.commit()
        return d.code


def _unit_id(code: str) -> int:
    with session_factory()() as s:
        return s.query(Unit).filter_by(code=code).one().id


def ask(client, code, digits):
    return client.post("/tra-cuu", data={"ma": code, "so": digits})


def test_lookup_with_the_last_digits_of_the_id_number_masks_personal_data(client):
    code = _dossier()
    page = ask(client, code, "6789")
    assert page.status_code == 200
    assert "Đăng ký khai sinh" in page.text and "Đang xử lý" in page.text
    assert "28/4/2025 09:00" in page.text
    assert "079*******89" in page.text and "079123456789" not in page.text
    assert "0912345678" not in page.text and "Nguyễn V. A." in page.text
    api = client.post("/api/v1/lookup", json={"code": code, "digits": "6789"}).json()
    assert api["applicant_id_number"] == "079*******89" and api["steps"][0]["timeliness"] == "Trước hạn"


def test_the_code_alone_shows_nothing_but_the_form(client):
    """The QR of the receipt carries the code only: the page opens with it filled in and asks for the digits."""
    code = _dossier()
    page = client.get("/tra-cuu", params={"ma": code})
    assert page.status_code == 200
    assert f'value="{code}"' in page.text and 'name="so"' in page.text
    assert "Đăng ký khai sinh" not in page.text and "Đang xử lý" not in page.text
    other = code[:-1] + "2"
    unknown = client.get("/tra-cuu", params={"ma": other})
    assert unknown.status_code == page.status_code and unknown.text.replace(other, code) == page.text


def test_a_wrong_pair_answers_exactly_like_an_unknown_code(client):
    code = _dossier()
    other = code[:-1] + "9"
    for digits in ("0000", "5678", "1234"):  # 5678: the phone's digits do not open a dossier that has an ID number
        wrong, unknown = ask(client, code, digits), ask(client, other, digits)
        assert wrong.status_code == unknown.status_code == 404
        assert NOT_FOUND.format(code=code) in wrong.text
        assert wrong.text.replace(code, "X") == unknown.text.replace(other, "X")
        api_wrong = client.post("/api/v1/lookup", json={"code": code, "digits": digits})
        api_unknown = client.post("/api/v1/lookup", json={"code": other, "digits": digits})
        assert api_wrong.status_code == api_unknown.status_code == 404
        assert api_wrong.json()["detail"].replace(code, "X") == api_unknown.json()["detail"].replace(other, "X")
    anonymous, unknown = client.get(f"/api/v1/lookup/{code}"), client.get(f"/api/v1/lookup/{other}")
    assert anonymous.status_code == unknown.status_code == 404
    assert anonymous.text.replace(code, "X") == unknown.text.replace(other, "X")


def test_without_an_id_number_the_phone_digits_open_it(client):
    code = _dossier(id_number="")
    assert ask(client, code, "5678").status_code == 200
    assert ask(client, code, "6789").status_code == 404


@pytest.mark.parametrize("digits", ["", "12", "12345", "abcd", "12 4"])
def test_the_digits_must_be_four(client, digits):
    code = _dossier()
    r = ask(client, code, digits)
    assert r.status_code == 422 and "4 chữ số cuối" in r.text and "Đăng ký khai sinh" not in r.text
    api = client.post("/api/v1/lookup", json={"code": code, "digits": digits})
    assert api.status_code == 422 and "4 chữ số cuối" in api.json()["detail"]


def test_odd_codes_are_refused_without_looking(client):
    for code in ("x" * 500, "abc\x00def", "ab\x07c"):
        r = client.post("/api/v1/lookup", json={"code": code, "digits": "1234"})
        assert r.status_code == 422 and r.json()["detail"], code
        assert ask(client, code, "1234").status_code == 422
    assert client.post("/api/v1/lookup", json={"code": "x" * 500, "digits": "1234"}).json()["detail"].startswith("Mã hồ sơ không hợp lệ")
    assert client.post("/api/v1/lookup", json={"digits": "1234"}).json()["detail"] == "Vui lòng nhập mã hồ sơ."
    injected = client.post("/api/v1/lookup", json={"code": "'; DROP TABLE dossiers; --", "digits": "1234"})
    assert injected.status_code == 404


def test_owner_sees_the_full_record_without_the_digits(client, make_user):
    uid = make_user("an.nguyen", full_name="Nguyễn Văn An")
    code = _dossier(owner_id=uid)
    login_page(client, "an.nguyen")
    page = client.get("/tra-cuu", params={"ma": code}).text
    assert "079123456789" in page and "Nguyễn Văn An" in page
    assert client.get(f"/api/v1/lookup/{code}").json()["applicant_id_number"] == "079123456789"


def test_officer_in_scope_sees_it_without_the_digits_and_others_do_not(client, make_user):
    code = _dossier()
    make_user("motcua.myan", role="mot_cua", unit_id=_unit_id("000.00.12.H20"))
    make_user("motcua.myloi", role="mot_cua", unit_id=_unit_id("000.00.12.H21"))
    make_user("congdan.khac")
    login_api(client, "motcua.myan")
    seen = client.get(f"/api/v1/lookup/{code}")
    assert seen.status_code == 200 and seen.json()["applicant_id_number"] == "079*******89"
    assert "Đăng ký khai sinh" in client.get("/tra-cuu", params={"ma": code}).text
    for outsider in ("motcua.myloi", "congdan.khac"):
        with TestClient(client.app) as other:
            login_api(other, outsider)
            assert other.get(f"/api/v1/lookup/{code}").status_code == 404
            assert "Đăng ký khai sinh" not in other.get("/tra-cuu", params={"ma": code}).text
            assert other.post("/tra-cuu", data={"ma": code, "so": "6789"}).status_code == 200  # with the digits, like anyone


def test_lookups_are_rate_limited_per_address(app, committed):
    code = _dossier()
    attacker = TestClient(app, client=("203.0.113.7", 5000))
    neighbour = TestClient(app, client=("198.51.100.2", 5000))
    for n in range(portal.LOOKUP_LIMIT):
        assert attacker.post("/api/v1/lookup", json={"code": code, "digits": f"{n:04d}"}).status_code == 404
    refused = attacker.post("/api/v1/lookup", json={"code": code, "digits": "6789"})
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= portal.LOOKUP_WINDOW
    assert "Tra cứu quá nhiều lần" in refused.json()["detail"]
    page = attacker.post("/tra-cuu", data={"ma": code, "so": "6789"})
    assert page.status_code == 429 and "Tra cứu quá nhiều lần" in page.text and "retry-after" in page.headers
    assert attacker.get(f"/api/v1/lookup/{code}").status_code == 429
    assert neighbour.post("/api/v1/lookup", json={"code": code, "digits": "6789"}).status_code == 200


def test_the_window_slides():
    now = [1000.0]
    window = SlidingWindow(3, 60, clock=lambda: now[0])
    assert [window.hit("a") for _ in range(3)] == [0, 0, 0]
    assert window.hit("a") == 60 and window.hit("b") == 0
    now[0] += 30
    assert window.hit("a") == 30  # the refused hit was not counted
    now[0] += 30.5
    assert window.hit("a") == 0 and window.hit("a") == 0 and window.hit("a") == 0 and window.hit("a") > 0


def test_the_window_forgets_idle_addresses():
    now = [0.0]
    window = SlidingWindow(1, 10, max_keys=100, clock=lambda: now[0])
    for n in range(100):
        window.hit(f"10.0.0.{n}")
    now[0] += 11
    window.hit("10.0.1.1")
    assert len(window._hits) == 1
    for n in range(200):  # all active at once: the oldest are dropped, memory stays bounded
        window.hit(f"10.0.2.{n}")
    assert len(window._hits) <= 100


def test_receipt_qr_carries_the_code_and_the_receipt_says_what_to_type(committed):
    from cchc.dossiers import forms

    code = _dossier()
    assert forms.lookup_url("https://motcua.example.gov.vn/", code) == f"https://motcua.example.gov.vn/tra-cuu?ma={code}"
    with session_factory()() as s:
        dossier = s.query(Dossier).filter_by(code=code).one()
        doc = forms.build_dossier_form(s, dossier, "01", base_url="https://motcua.example.gov.vn")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "https://motcua.example.gov.vn/tra-cuu" in text
    assert "4 chữ số cuối của số định danh" in text and "số điện thoại" in text


def test_the_home_page_asks_for_the_digits_too(client):
    home = client.get("/").text
    assert 'action="/tra-cuu" method="post"' in home and 'name="so"' in home


def test_inactive_viewer_is_anonymous(client, make_user):
    uid = make_user("an.nguyen")
    code = _dossier(owner_id=uid)
    login_page(client, "an.nguyen")
    with session_factory()() as s:
        s.get(User, uid).active = False
        s.commit()
    assert "079123456789" not in client.get("/tra-cuu", params={"ma": code}).text
