"""PAKN sent to a commune's public service centre reach publication in the browser (issue 16 item 2): the centre's
only account is its receiving officer; the commune's specialist answers and its leader publishes."""

from __future__ import annotations

import random
from datetime import date

import pytest

from cchc.auth.passwords import hash_password
from cchc.db import session_factory
from cchc.synth.catalog import load_catalog
from cchc.synth.province import build_province
from tests.browser.conftest import login, logout
from tests.webclient import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(committed):
    with session_factory()() as s:
        prov = build_province(s, load_catalog(), random.Random(3), province_code="44", today=date(2026, 11, 20),
                              max_communes=1, citizens=1)
        office = prov.communes[0]
        people = {"citizen": prov.citizens[0], "specialist": office.specialists[0], "leader": office.leaders[0]}
        for user in people.values():
            user.password_hash = hash_password(PASSWORD)
        s.commit()
        return {"centre": office.unit.code, "centre_name": office.unit.name, **{k: u.username for k, u in people.items()}}


def act(page, code: str, label: str, fields: dict[str, str] | None = None) -> None:
    page.goto(f"/can-bo/phan-anh/{code}")
    box = page.locator("details.action", has=page.locator("summary", has_text=label))
    box.locator("summary").click()
    for field, value in (fields or {}).items():
        box.get_by_label(field).fill(value)
    box.get_by_role("button", name=label).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(f"Đã thực hiện «{label}»").count(), page.content()[:3000]


def test_a_pakn_to_a_commune_centre_is_published(new_page, demo, artifacts):
    citizen = new_page(mobile=True)
    login(citizen, demo["citizen"])
    citizen.goto("/phan-anh/gui")
    citizen.get_by_label("Cơ quan nhận phản ánh (mã hoặc tên)").fill(demo["centre"])
    citizen.get_by_label("Tiêu đề").fill("Hồ sơ trễ hẹn")
    citizen.get_by_label("Nội dung phản ánh, kiến nghị").fill("Hồ sơ khai sinh của tôi trễ hẹn mà chưa nhận được thư xin lỗi.")
    citizen.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    citizen.wait_for_load_state("networkidle")
    assert "/phan-anh/da-gui/" in citizen.url, citizen.content()[:2000]
    code = citizen.url.rsplit("/", 1)[-1]
    logout(citizen)

    officer = new_page()
    login(officer, demo["specialist"])
    act(officer, code, "Nhận xử lý")
    act(officer, code, "Trả lời", {"Nội dung trả lời": "Cơ quan đã xin lỗi và trả kết quả cho công dân."})
    assert officer.get_by_text("Đã trả lời, chờ công khai").count()
    assert not officer.locator("summary", has_text="Công khai kết quả").count()  # a specialist does not publish
    logout(officer)

    login(officer, demo["leader"])
    act(officer, code, "Công khai kết quả")
    officer.screenshot(path=str(artifacts / "pakn-cong-khai-lanh-dao-xa.png"), full_page=True)
    logout(officer)

    citizen.goto(f"/phan-anh/{code}")
    assert citizen.get_by_text("Cơ quan đã xin lỗi và trả kết quả cho công dân.").count()
    citizen.goto("/phan-anh?q=tre hen")
    assert citizen.get_by_text("Hồ sơ trễ hẹn").count()
