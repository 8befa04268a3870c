"""As a new user would: for every role, every page in the navigation opens, has a heading and content,
and every form control on it has a label."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.dossiers.test_views import web_world  # noqa: F401 — committed world with passwords
from tests.webclient import login_page


class PageAudit(HTMLParser):
    """Collects navigation links, headings and form controls with how they are labelled."""

    def __init__(self):
        super().__init__()
        self.nav_links: list[str] = []
        self.headings = 0
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self._in_nav = self._in_label = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav" and a.get("id") == "menu":
            self._in_nav += 1
        elif tag == "a" and self._in_nav and a.get("href", "").startswith("/"):
            self.nav_links.append(a["href"])
        elif tag in ("h1", "h2"):
            self.headings += 1
        elif tag == "label":
            self._in_label += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if a.get("type") not in ("hidden", "submit", "button"):
                self.controls.append({"id": a.get("id"), "name": a.get("name"), "aria": a.get("aria-label"), "wrapped": bool(self._in_label)})

    def handle_endtag(self, tag):
        if tag == "nav" and self._in_nav:
            self._in_nav -= 1
        elif tag == "label" and self._in_label:
            self._in_label -= 1

    def unlabelled(self) -> list[str]:
        return [c["name"] or "?" for c in self.controls if not (c["wrapped"] or c["aria"] or (c["id"] and c["id"] in self.label_for))]


def audit(html: str) -> PageAudit:
    parser = PageAudit()
    parser.feed(html)
    return parser


ROLES = ["citizen", "receiver", "specialist", "leader", "unit_admin", "reporter", "admin", None]


@pytest.mark.parametrize("who", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_every_navigation_page_opens_with_labelled_forms(client, web_world, who):
    if who is not None:
        login_page(client, getattr(web_world, who).username)
    home = audit(client.get("/").text)
    assert home.nav_links, "no navigation"
    for link in dict.fromkeys(home.nav_links):
        response = client.get(link)
        assert response.status_code == 200, f"{who}: {link} → {response.status_code}"
        page = audit(response.text)
        assert page.headings, f"{who}: {link} has no heading"
        assert not page.unlabelled(), f"{who}: {link} has controls without a label: {page.unlabelled()}"


@pytest.mark.parametrize("who", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_the_menu_offers_receipt_only_to_whom_the_service_lets_receive(client, web_world, who):
    """The menu asks the dossier service who receives at the counter instead of listing roles of its own."""
    if who is not None:
        login_page(client, getattr(web_world, who).username)
    offered = "/can-bo/tiep-nhan" in audit(client.get("/").text).nav_links
    assert offered == (who == "receiver")
    form = client.get("/can-bo/tiep-nhan", follow_redirects=False)
    assert (form.status_code == 200) == offered, f"{who}: the receipt form answers {form.status_code}"
