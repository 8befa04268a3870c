"""In real Chromium (issue 16 item 5): the officers' menu keeps one row at 1366 px, one item is marked as the page
you are on, the phone menu opens with CSS alone, and on a 390 × 844 phone the catalogue, «Hồ sơ của tôi» and the
inbox are cards one under another, each value beside the name of its column. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from cchc.db import session_factory
from cchc.dossiers.models import Dossier
from tests.browser.conftest import login, logout

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# What the page's own geometry says: the menu's items and their rows, whether anything runs off to the right.
MENU_GEOMETRY = """() => {
  const items = [...document.querySelectorAll('#menu > ul > li')].filter(li => li.offsetParent !== null);
  const tops = new Set(items.map(li => Math.round(li.getBoundingClientRect().top)));
  const right = Math.max(...items.map(li => li.getBoundingClientRect().right));
  return {items: items.length, rows: tops.size, right, width: document.documentElement.clientWidth,
          overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          topbar: document.querySelector('.topbar').getBoundingClientRect().height,
          current: [...document.querySelectorAll('#menu a[aria-current="page"]')].map(a => a.getAttribute('href'))};
}"""

CURRENT_LOOK = """() => {
  const style = a => getComputedStyle(a);
  const current = document.querySelector('#menu a[aria-current="page"]');
  const other = [...document.querySelectorAll('#menu > ul > li > a')].find(a => !a.hasAttribute('aria-current'));
  return {current: [style(current).backgroundColor, style(current).boxShadow, style(current).fontWeight],
          other: [style(other).backgroundColor, style(other).boxShadow, style(other).fontWeight]};
}"""

CARDS = """(selector) => {
  const table = document.querySelector(selector);
  const head = table.querySelector('thead').getBoundingClientRect();
  const row = table.querySelector('tbody tr');
  const cells = [...row.querySelectorAll('td')].filter(td => td.getClientRects().length);  // an empty value is left out
  return {headHeight: head.height, rowWidth: row.getBoundingClientRect().width,
          tops: cells.map(td => Math.round(td.getBoundingClientRect().top)),
          labels: cells.map(td => getComputedStyle(td, '::before').content),
          named: cells.map(td => td.dataset.label),
          overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth};
}"""


def _open(browser, live_server, viewport, mobile=False):
    ctx = browser.new_context(base_url=live_server, locale="vi-VN", viewport=viewport, is_mobile=mobile)
    page = ctx.new_page()
    page.set_default_timeout(60000)
    return ctx, page


@pytest.fixture
def desktop(browser, live_server):
    ctx, page = _open(browser, live_server, DESKTOP)
    yield page
    ctx.close()


@pytest.fixture
def phone(browser, live_server):
    ctx, page = _open(browser, live_server, PHONE, mobile=True)
    yield page
    ctx.close()


@pytest.mark.parametrize("who", ["reporter", "leader", "admin", "unit_admin", "receiver", "citizen"])
def test_the_menu_is_one_row_at_1366_with_one_current_item(desktop, world, artifacts, who):
    user = getattr(world, who)
    login(desktop, user.username)
    desktop.screenshot(path=str(artifacts / f"menu-1366-{who}.png"))
    _one_row(desktop, who)
    desktop.set_viewport_size({"width": 1280, "height": 900})  # the narrowest width with the menu in one row
    _one_row(desktop, who)


def _one_row(desktop, who):
    g = desktop.evaluate(MENU_GEOMETRY)
    assert g["items"] >= 4, g
    assert g['rows'] == 1, f"{who}: the menu wraps onto {g['rows']} rows at {g['width']} px: {g}"
    assert g["right"] <= g["width"] and g["overflow"] <= 0, g
    assert g["topbar"] < 90, g  # one bar, not two stacked rows of links
    assert len(g["current"]) == 1, g
    look = desktop.evaluate(CURRENT_LOOK)
    assert look["current"] != look["other"], look  # the current item looks different, not only says so


@pytest.mark.parametrize("width", [1279, 1024, 800])
def test_a_narrower_screen_collapses_the_menu_cleanly(browser, live_server, world, artifacts, width):
    ctx, page = _open(browser, live_server, {"width": width, "height": 900})
    try:
        login(page, world.reporter.username)  # the longest menu
        toggle = page.locator("label.nav-toggle")
        assert toggle.is_visible() and not page.get_by_role("link", name="Tổng hợp").is_visible()
        g = page.evaluate(MENU_GEOMETRY)
        assert g["overflow"] <= 0 and g["topbar"] < 90, g
        toggle.click()
        assert page.get_by_role("link", name="Tổng hợp").is_visible()
        g = page.evaluate(MENU_GEOMETRY)
        assert g["overflow"] <= 0 and g["right"] <= g["width"] and g["current"] == ["/bao-cao"], g
        page.screenshot(path=str(artifacts / f"menu-{width}-mo.png"))
    finally:
        ctx.close()


@pytest.mark.parametrize("who", [None, "citizen"])
def test_a_short_menu_keeps_its_row_on_a_small_laptop(browser, live_server, world, artifacts, who):
    ctx, page = _open(browser, live_server, {"width": 1024, "height": 768})
    try:
        if who:
            login(page, getattr(world, who).username)
        else:
            page.goto("/thu-tuc")
        assert not page.locator("label.nav-toggle").is_visible()
        _one_row(page, who or "khách")
        page.screenshot(path=str(artifacts / f"menu-1024-{who or 'khach'}.png"))
    finally:
        ctx.close()


def test_the_account_menu_opens_under_the_name(desktop, world, artifacts):
    login(desktop, world.reporter.username)
    assert not desktop.get_by_role("link", name="Đổi mật khẩu").is_visible()
    desktop.locator(".nav-account summary").click()
    assert desktop.get_by_role("link", name="Đổi mật khẩu").is_visible()
    assert desktop.get_by_role("button", name="Đăng xuất").is_visible()
    desktop.screenshot(path=str(artifacts / "menu-1366-tai-khoan.png"))
    desktop.get_by_role("button", name="Đăng xuất").click()
    desktop.wait_for_url("**/")
    assert desktop.get_by_role("link", name="Đăng nhập").is_visible()


def test_the_phone_menu_opens_with_css_alone(phone, world, artifacts):
    login(phone, world.leader.username)
    assert phone.evaluate(MENU_GEOMETRY)["overflow"] <= 0
    assert not phone.get_by_role("link", name="Nhiệm vụ", exact=True).is_visible()
    phone.locator("label.nav-toggle").click()
    assert phone.get_by_role("link", name="Nhiệm vụ", exact=True).is_visible()
    assert phone.locator("#nav-switch").is_checked()
    phone.screenshot(path=str(artifacts / "menu-390-mo.png"))
    g = phone.evaluate(MENU_GEOMETRY)
    assert g["overflow"] <= 0 and len(g["current"]) == 1, g


def _check_cards(page, selector: str, what: str) -> None:
    c = page.evaluate(CARDS, selector)
    assert c["overflow"] <= 0, f"{what}: the page runs {c['overflow']} px off the phone's screen"
    assert c["headHeight"] <= 1, f"{what}: the column headings still show above the cards"
    assert c["rowWidth"] <= PHONE["width"], c
    assert c["tops"] == sorted(c["tops"]) and len(set(c["tops"])) == len(c["tops"]), f"{what}: cells not one under another: {c}"
    assert c["labels"] == [f'"{name}"' for name in c["named"]] and all(c["named"]), f"{what}: a value without its column's name: {c}"


def test_phone_tables_are_readable_cards(phone, world, artifacts):
    # A dossier of the citizen's, received at the counter, waiting in the specialist's inbox.
    from tests.dossiers.factories import APPLICANT  # noqa: F401 — the applicant the API tests use
    from tests.dossiers.test_views import receive
    from fastapi.testclient import TestClient

    from cchc.app.main import create_app
    from tests.webclient import login_api

    with TestClient(create_app()) as api:
        api.headers["X-CSRF-Token"] = login_api(api, world.receiver.username)
        code = receive(api, world).json()["code"]
    with session_factory()() as s:
        s.query(Dossier).filter_by(code=code).one().owner_user_id = world.citizen.id
        s.commit()

    phone.goto("/thu-tuc")
    _check_cards(phone, "table.cards", "danh mục thủ tục")
    phone.screenshot(path=str(artifacts / "the-390-danh-muc-thu-tuc.png"), full_page=True)

    login(phone, world.citizen.username)
    phone.goto("/ca-nhan")
    _check_cards(phone, "table.cards", "Hồ sơ của tôi")
    assert phone.get_by_text(code).first.is_visible()
    phone.screenshot(path=str(artifacts / "the-390-ho-so-cua-toi.png"), full_page=True)
    logout(phone)

    login(phone, world.specialist.username)
    phone.goto("/can-bo")
    _check_cards(phone, "table.cards", "hồ sơ cần xử lý")
    assert phone.get_by_text(code).first.is_visible()
    phone.screenshot(path=str(artifacts / "the-390-ho-so-can-xu-ly.png"), full_page=True)
