"""The whole journey in real Chromium, as people do it:

a citizen submits online; the receiving officer accepts; the specialist requests a supplement; the citizen
supplements; the specialist forwards; the leader approves; the result is returned; the citizen looks the
dossier up by code and the last digits of the ID number, and rates it — and the dashboard's figures move accordingly."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import login, logout

pytestmark = pytest.mark.browser
PDF = {"name": "giay-to.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% scan\n"}


def dashboard_numbers(page) -> dict[str, int]:
    page.goto("/thong-ke")
    numbers = {}
    for key in ("received_total", "resolved_total", "in_progress_total"):
        text = page.locator(f'a[href^="/thong-ke/ho-so?nhom={key}&"] .value').first.inner_text()
        numbers[key] = int(text.replace(".", ""))
    return numbers


def act(page, code: str, action_title: str, fields: dict[str, str] | None = None) -> None:
    page.goto(f"/can-bo/ho-so/{code}")
    details = page.locator("details.action", has=page.get_by_text(action_title, exact=True))
    details.locator("summary").click()
    for label, value in (fields or {}).items():
        details.get_by_label(label).fill(value)
    details.get_by_role("button", name=action_title).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(f"«{action_title}»", exact=False).count() or page.get_by_text("Đã thực hiện").count(), page.content()[:2000]


def test_citizen_to_result_and_rating(new_page, world, artifacts):
    reporter = new_page()
    login(reporter, world.reporter.username)
    before = dashboard_numbers(reporter)

    # 1. The citizen submits online.
    citizen = new_page(mobile=True)
    login(citizen, world.citizen.username)
    citizen.goto(f"/nop-ho-so/{world.procedure.code}")
    citizen.locator("#f-unit_id").select_option(str(world.commune.id))
    citizen.get_by_label("Họ và tên").fill("Nguyễn Văn An")
    citizen.get_by_label("Số định danh cá nhân").fill("087090001234")
    citizen.get_by_label("Số điện thoại").fill("0912345678")
    for box in citizen.locator('input[type="file"]').all():
        box.set_input_files(PDF)
    citizen.screenshot(path=str(artifacts / "nop-ho-so-dien-thoai.png"), full_page=True)
    citizen.get_by_role("button", name="Nộp hồ sơ").click()
    citizen.get_by_role("heading", name="Đã nộp hồ sơ thành công").wait_for()
    code = citizen.locator(".code-big").inner_text().strip()
    assert re.fullmatch(r"H15\.50\.05\.13-\d{6}-\d{4}", code)
    citizen.screenshot(path=str(artifacts / "da-nop-ho-so.png"), full_page=True)

    # 2. The receiving officer accepts it.
    officer = new_page()
    login(officer, world.receiver.username)
    act(officer, code, "Tiếp nhận hồ sơ")

    # 3. The specialist asks for a supplement (Mẫu 02).
    logout(officer)
    login(officer, world.specialist.username)
    act(officer, code, "Yêu cầu bổ sung (Mẫu 02)", {"Lý do": "Giấy chứng sinh chưa rõ", "Giấy tờ cần bổ sung (mỗi dòng một loại)": "Giấy chứng sinh (bản rõ nét)"})

    # 4. The citizen supplements online.
    citizen.goto(f"/ca-nhan/ho-so/{code}")
    citizen.get_by_text("Giấy chứng sinh chưa rõ").first.wait_for()
    citizen.locator("#f-file").set_input_files(PDF)
    citizen.get_by_role("button", name="Gửi bổ sung và xác nhận").click()
    citizen.wait_for_load_state("networkidle")

    # 5–6. The specialist forwards; the leader approves with the result.
    act(officer, code, "Chuyển bước tiếp theo", {"Ý kiến xử lý": "Đủ điều kiện"})
    logout(officer)
    login(officer, world.leader.username)
    act(officer, code, "Hoàn thành xử lý", {"Số, ký hiệu kết quả": "15/GKS", "Trích yếu kết quả": "Giấy khai sinh bản chính"})

    # 7. The receiving officer returns the result.
    logout(officer)
    login(officer, world.receiver.username)
    act(officer, code, "Trả kết quả")
    officer.screenshot(path=str(artifacts / "ho-so-da-tra-ket-qua.png"), full_page=True)

    # 8. The citizen scans the QR of the receipt (the code only), types the last 4 digits of the ID number, then rates it.
    logout(citizen)
    citizen.goto(f"/tra-cuu?ma={code}")
    assert citizen.get_by_label("Mã hồ sơ").input_value() == code
    assert not citizen.get_by_text("Đã trả kết quả").count()  # nothing shown for the code alone
    citizen.get_by_label("4 chữ số cuối của số định danh (CCCD) người nộp").fill("1234")
    citizen.get_by_role("button", name="Tra cứu").click()
    citizen.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    assert citizen.get_by_text("Đã trả kết quả").first.is_visible()
    assert "087090001234" not in citizen.content()  # masked for an anonymous visitor
    login(citizen, world.citizen.username)
    citizen.goto(f"/ca-nhan/ho-so/{code}")
    form = citizen.locator("form", has=citizen.get_by_role("button", name="Gửi đánh giá"))
    for group in form.locator("fieldset, .field").all():
        radios = group.locator('input[type="radio"][value="2"]')
        if radios.count():
            radios.first.check()
    form.locator('input[name="satisfaction"]').last.check()
    form.get_by_role("button", name="Gửi đánh giá").click()
    citizen.get_by_role("heading", name="Đánh giá của bạn").wait_for()

    # 9. The dashboard's figures moved.
    after = dashboard_numbers(reporter)
    assert after["received_total"] == before["received_total"] + 1
    assert after["resolved_total"] == before["resolved_total"] + 1
    assert after["in_progress_total"] == before["in_progress_total"]
    reporter.screenshot(path=str(artifacts / "thong-ke-sau-hanh-trinh.png"), full_page=True)
