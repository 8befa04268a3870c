"""Registration and the PAKN form mark every invalid field at once, each message under its field (issue 16 item 4)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def errors_by_field(page) -> dict[str, str]:
    """{input id: the message under it} of the fields marked in error on the page."""
    out = {}
    for box in page.locator(".field.has-error").all():
        control = box.locator("input, textarea, select").first
        out[control.get_attribute("id")] = box.locator(".field-error").inner_text()
    return out


def test_registration_marks_every_field(new_page, committed, artifacts):
    page = new_page(mobile=True)
    page.goto("/dang-ky")
    page.get_by_label("Số định danh cá nhân (12 số)").fill("12345")
    page.get_by_label("Số điện thoại").fill("12ab")
    page.get_by_label("Thư điện tử").fill("dung-at-example")
    page.get_by_label("Tên đăng nhập").fill("Lê Dung")
    page.get_by_label("Mật khẩu (ít nhất 8 ký tự, có chữ và số)").fill("12345678")
    page.get_by_role("button", name="Đăng ký").click()
    page.wait_for_load_state("networkidle")
    errors = errors_by_field(page)
    page.screenshot(path=str(artifacts / "dang-ky-moi-loi.png"), full_page=True)
    assert list(errors) == ["f-full_name", "f-id_number", "f-phone", "f-email", "f-username", "f-password"]
    assert "đúng 12 chữ số" in errors["f-id_number"] and "cả chữ và số" in errors["f-password"]
    assert page.get_by_label("Số định danh cá nhân (12 số)").input_value() == "12345"  # kept what was typed


def test_pakn_form_marks_every_field(new_page, world, artifacts):
    page = new_page()
    page.goto("/phan-anh/gui")
    page.get_by_label("Thủ tục hành chính liên quan (mã hoặc tên)").fill("9.999999")
    page.get_by_label("Mã hồ sơ liên quan (nếu có)").fill("KHONG-CO")
    page.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    page.wait_for_load_state("networkidle")
    errors = errors_by_field(page)
    page.screenshot(path=str(artifacts / "gui-pakn-moi-loi.png"), full_page=True)
    assert list(errors) == ["f-procedure_code", "f-dossier_code", "f-content", "f-sender_name", "f-sender_contact"]
    login(page, world.citizen.username)
    page.goto("/phan-anh/gui")
    page.get_by_label("Nội dung phản ánh, kiến nghị").fill("Thời hạn giải quyết quá dài")
    page.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    page.wait_for_load_state("networkidle")
    assert list(errors_by_field(page)) == ["f-unit_code"]
