"""In real Chromium, under the Content-Security-Policy the server sends: the main pages, htmx, the phone menu and the
API docs page work, and the browser reports no violation (an inline style, script or handler would be refused and
logged in the console)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def watched(page):
    """The page, recording console messages and script errors about the policy."""
    problems: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    return problems


def visit(page, problems: list[str], path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status < 400, f"{path}: {response and response.status}"
    assert "content-security-policy" in response.headers
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__cspViolations")
    assert not violations and not problems, f"{path}: {violations} {problems}"


def test_main_pages_report_no_policy_violation(new_page, world):
    page = new_page()
    problems = watched(page)
    for path in ("/", "/thu-tuc", f"/thu-tuc/{world.procedure.code}", "/tra-cuu", "/dang-nhap", "/dang-ky", "/phan-anh",
                 "/phan-anh/gui"):
        visit(page, problems, path)

    login(page, world.receiver.username)
    for path in ("/can-bo", "/can-bo/tim-kiem", "/thong-ke", "/nhiem-vu", "/can-bo/phan-anh"):
        visit(page, problems, path)
    visit(page, problems, "/can-bo/tiep-nhan")
    page.get_by_label("Thủ tục hành chính").select_option(world.procedure.code)
    page.get_by_text("ngày hẹn trả kết quả là").wait_for()  # htmx swapped the fragment in, under the policy
    assert not page.evaluate("window.__cspViolations") and not problems, problems
    assert page.locator("head style").count() == 0  # htmx injected no indicator <style>

    page.context.clear_cookies()
    login(page, world.reporter.username)
    for path in ("/bao-cao", "/cai-cach", "/bao-cao-gui", "/bao-cao-tong-hop"):
        visit(page, problems, path)

    page.context.clear_cookies()
    login(page, world.admin.username)
    for path in ("/quan-tri", "/quan-tri/thu-tuc", "/quan-tri/don-vi", "/quan-tri/nguoi-dung", "/quan-tri/lich"):
        visit(page, problems, path)

    page.context.clear_cookies()
    login(page, world.citizen.username)
    for path in ("/ca-nhan", f"/nop-ho-so/{world.procedure.code}", "/doi-mat-khau"):
        visit(page, problems, path)


def test_unknown_page_and_back_link_work_without_inline_script(new_page, world):
    page = new_page()
    problems = watched(page)
    visit(page, problems, "/thu-tuc")
    response = page.goto("/khong-co-trang-nay")
    assert response.status == 404
    page.get_by_role("link", name="← Quay lại").click()
    page.wait_for_url("**/thu-tuc")
    assert not page.evaluate("window.__cspViolations") and not problems, problems


def test_phone_menu_opens_without_inline_handler(new_page, world):
    page = new_page(mobile=True)
    problems = watched(page)
    visit(page, problems, "/")
    menu = page.get_by_label("Menu")  # a box its label opens, CSS alone (issue 16: no script for the menu)
    assert not menu.is_checked()
    assert not page.get_by_role("link", name="Tra cứu hồ sơ", exact=True).is_visible()
    page.locator("label.nav-toggle").click()
    assert menu.is_checked()
    assert page.get_by_role("link", name="Tra cứu hồ sơ", exact=True).is_visible()
    assert not problems


def test_api_docs_page_runs_from_local_files(new_page, live_server):
    page = new_page()
    problems = watched(page)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    visit(page, problems, "/api/docs")
    page.locator(".opblock").first.wait_for()  # Swagger UI read /openapi.json and drew the operations
    assert page.get_by_text("/api/v1/auth/login").first.is_visible()
    outside = [u for u in requested if not u.startswith(live_server) and not u.startswith("data:")]
    assert not outside, outside
    assert not page.evaluate("window.__cspViolations") and not problems, problems
