"""In real Chromium (issue 16 items 1 and 4): the dossier page's action forms are forms a person can tick and type
into — «Kết quả đã ký số», «Cập nhật số hóa» —, no markup shows as text, and a date field takes dd/mm/yyyy hh:mm
(the browser itself refuses another shape before sending)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cchc.db import session_factory
from cchc.dossiers.models import Dossier
from tests.browser.conftest import login, logout
from tests.dossiers.test_views import receive
from tests.webclient import login_api

pytestmark = pytest.mark.browser


def _forwarded_to_the_leader(world) -> str:
    from cchc.app.main import create_app

    with TestClient(create_app()) as api:
        api.headers["X-CSRF-Token"] = login_api(api, world.receiver.username)
        code = receive(api, world).json()["code"]
        api.cookies.clear()
        api.headers["X-CSRF-Token"] = login_api(api, world.specialist.username)
        assert api.post(f"/api/v1/dossiers/{code}/forward", json={"note": "Trình ký"}).status_code == 200
    return code


def _dossier(code: str) -> Dossier:
    with session_factory()() as s:
        d = s.query(Dossier).filter_by(code=code).one()
        s.expunge(d)
        return d


def test_finish_and_digitise_through_the_page(new_page, world, artifacts):
    code = _forwarded_to_the_leader(world)
    page = new_page()
    login(page, world.leader.username)
    page.goto(f"/can-bo/ho-so/{code}")
    body = page.locator("body").inner_text()
    assert "<div" not in body and "<label" not in body and "<p " not in body
    page.get_by_text("Hoàn thành xử lý", exact=True).first.click()  # the <summary> of the form
    page.get_by_label("Số, ký hiệu kết quả").fill("12/TP-HT")
    page.get_by_label("Trích yếu kết quả").fill("Giấy khai sinh")
    assert page.get_by_label("Kết quả đã ký số").count() == 0  # never ticked: signed only by a verified signature
    page.screenshot(path=str(artifacts / "ho-so-hoan-thanh.png"), full_page=True)
    page.get_by_role("button", name="Hoàn thành xử lý").click()
    page.wait_for_load_state("networkidle")
    assert _dossier(code).result_esigned is False
    logout(page)

    login(page, world.receiver.username)
    page.goto(f"/can-bo/ho-so/{code}")
    page.get_by_text("Cập nhật số hóa", exact=True).first.click()
    page.get_by_label("Thành phần hồ sơ đã số hóa").check()
    page.get_by_label("Kết quả đã số hóa").check()
    page.get_by_text("Trả kết quả", exact=True).first.click()
    assert page.get_by_text("Xác nhận đã trả kết quả cho công dân.").is_visible()
    assert "<p class" not in page.locator("aside").inner_text()
    page.screenshot(path=str(artifacts / "ho-so-so-hoa.png"), full_page=True)
    page.get_by_role("button", name="Cập nhật số hóa").click()
    page.wait_for_load_state("networkidle")
    d = _dossier(code)
    assert d.components_digitized is True and d.result_digitized is True


def test_a_date_field_takes_dd_mm_yyyy_hh_mm(new_page, world):
    code = _forwarded_to_the_leader(world)
    page = new_page()
    login(page, world.leader.username)
    page.goto(f"/can-bo/ho-so/{code}")
    page.get_by_text("Xin lỗi, hẹn lại ngày trả (Mẫu 04)", exact=True).first.click()
    due = page.get_by_label("Ngày hẹn trả mới")
    assert due.get_attribute("type") == "text" and due.get_attribute("placeholder") == "dd/mm/yyyy hh:mm"
    for typed, valid in (("2025-03-20T10:00", False), ("20/3/2025", False), ("20/3/2025 10:00", True), ("05/12/2026 16:30", True)):
        due.fill(typed)
        assert due.evaluate("e => e.checkValidity()") is valid, typed
