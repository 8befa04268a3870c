"""Where each role lands and which menu item says «you are here» (issue 16 item 5): after login and on "/" a user
lands where their work is (a reporting officer on the reports, an administrator on administration, not on an
empty inbox); exactly one menu item is marked aria-current on every page of the menu; a favicon is linked."""

from __future__ import annotations

import re

import pytest

from tests.dossiers.test_views import web_world  # noqa: F401 — committed world with passwords
from tests.webclient import login_page

LANDING = {
    "citizen": "/ca-nhan",
    "receiver": "/can-bo",
    "specialist": "/can-bo",
    "leader": "/can-bo",
    "unit_admin": "/quan-tri",
    "reporter": "/bao-cao",
    "admin": "/quan-tri",
}


CURRENT = r'<a href="([^"]+)"[^>]* aria-current="page"'


def _menu(html: str) -> str:
    return re.search(r'<nav id="menu".*?</nav>', html, re.S).group(0)


@pytest.mark.parametrize("who", list(LANDING))
def test_each_role_lands_where_its_work_is(client, web_world, who):
    r = login_page(client, getattr(web_world, who).username)
    assert r.status_code == 303 and r.headers["location"] == LANDING[who]
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == LANDING[who]
    page = client.get(LANDING[who])
    assert page.status_code == 200
    current = re.findall(CURRENT, _menu(page.text))
    assert current == [LANDING[who]], current


def test_the_portal_stays_the_front_page_for_visitors(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 200 and "Tìm thủ tục" in r.text
    assert re.findall(CURRENT, _menu(r.text)) == ["/"]


@pytest.mark.parametrize("who", ["receiver", "reporter", "leader", "admin", "citizen", None])
def test_exactly_one_menu_item_is_current_on_every_menu_page(client, web_world, who):
    if who is not None:
        login_page(client, getattr(web_world, who).username)
    links = re.findall(r'<li><a href="(/[^"]*)"', _menu(client.get("/").text))
    assert links
    for href in links:
        page = client.get(href)
        assert page.status_code == 200, href
        current = re.findall(CURRENT, _menu(page.text))
        assert current == [href], f"{who}: {href} marks {current}"


def test_a_page_under_a_menu_item_marks_that_item_only(client, web_world):
    login_page(client, web_world.receiver.username)
    page = client.get("/can-bo/tim-kiem", params={"q": "x"}).text
    assert re.findall(CURRENT, _menu(page)) == ["/can-bo/tim-kiem"]
    page = client.get("/can-bo/so-theo-doi").text  # a page of the inbox, not an item of its own
    assert re.findall(CURRENT, _menu(page)) == ["/can-bo"]


def test_the_favicon_is_linked_and_served(client):
    html = client.get("/").text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml") and b"<svg" in icon.content
