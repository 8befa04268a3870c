"""In real Chromium: an officer receives a dossier at the counter; another commune's officer cannot open or
act on it through the pages or the API; screenshots of the main pages are saved as test artifacts."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import login, logout

pytestmark = pytest.mark.browser


def receive_at_counter(page, world) -> str:
    page.goto("/can-bo/tiep-nhan")
    page.get_by_label("Thủ tục hành chính").select_option(world.procedure.code)
    page.get_by_text("ngày hẹn trả kết quả là").wait_for()  # htmx loaded the components and the due date
    page.get_by_label("Họ tên cá nhân / tên tổ chức").fill("Nguyễn Văn An")
    page.get_by_label("Số định danh cá nhân / mã số thuế").fill("087090001234")
    page.get_by_label("Số điện thoại").fill("0912345678")
    page.get_by_role("button", name="Tiếp nhận và cấp mã hồ sơ").click()
    page.wait_for_url(re.compile(r"/can-bo/ho-so/"))
    return page.url.rsplit("/", 1)[1]


def test_receipt_and_isolation_between_units(new_page, world, artifacts):
    page = new_page()
    login(page, world.receiver.username)
    code = receive_at_counter(page, world)
    assert page.get_by_text(f"Đã tiếp nhận hồ sơ {code}").is_visible()
    page.screenshot(path=str(artifacts / "ho-so-sau-tiep-nhan.png"), full_page=True)

    logout(page)
    login(page, world.other_specialist.username)
    response = page.goto(f"/can-bo/ho-so/{code}")
    assert response.status in (403, 404)
    assert page.locator(".error-text").inner_text().strip()
    api = page.request.post(f"/api/v1/dossiers/{code}/forward", data={"note": "thử"}, headers={"X-CSRF-Token": "x"})
    assert api.status in (403, 404) and api.json()["detail"]
    api = page.request.get(f"/api/v1/dossiers/{code}")
    assert api.status in (403, 404)

    logout(page)
    login(page, world.specialist.username)
    page.goto(f"/can-bo/ho-so/{code}")
    page.get_by_text("Chuyển bước tiếp theo").first.click()
    page.get_by_role("button", name="Chuyển bước tiếp theo").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Đã thực hiện «Chuyển bước tiếp theo»").is_visible()


def test_screenshots_of_the_main_pages(new_page, world, artifacts):
    page = new_page()
    for path, name in (("/", "trang-chu"), ("/thu-tuc", "danh-muc-thu-tuc"), (f"/thu-tuc/{world.procedure.code}", "trang-thu-tuc"),
                       ("/tra-cuu", "tra-cuu")):
        page.goto(path)
        assert page.title()
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    mobile = new_page(mobile=True)
    mobile.goto("/thu-tuc")
    mobile.screenshot(path=str(artifacts / "danh-muc-thu-tuc-dien-thoai.png"), full_page=True)

    login(page, world.receiver.username)
    receive_at_counter(page, world)
    for path, name in (("/can-bo", "hop-thu"), ("/can-bo/tiep-nhan", "tiep-nhan"), ("/can-bo/tim-kiem?q=an", "tim-kiem")):
        page.goto(path)
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    logout(page)
    login(page, world.reporter.username)
    for path, name in (("/thong-ke", "thong-ke"), ("/bao-cao?ky=2025-H1", "bao-cao")):
        page.goto(path)
        assert page.locator("h1").first.inner_text()
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    logout(page)
    login(page, world.admin.username)
    for path, name in (("/quan-tri/thu-tuc", "quan-tri-thu-tuc"), ("/quan-tri/lich?nam=2026", "quan-tri-lich")):
        page.goto(path)
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
