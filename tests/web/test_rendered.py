"""Every page of every role's navigation (cchc.app.jinja.nav_links), rendered through the test client, shows what
a person should read: no markup printed as text (`&lt;div`, `&lt;label` — issue 16 item 1) and no Python value
(«None», «[]», «{'…») where a word or a number belongs. The officers' dossier page is opened too, since its
action forms are where markup was printed. `defects` is shared with the browser sweep (tests/browser/test_sweep.py)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from cchc.app.jinja import nav_links
from tests.dossiers.test_views import as_user, receive, web_world  # noqa: F401 — committed world with passwords
from tests.webclient import login_page

ESCAPED = ("&lt;div", "&lt;label", "&lt;input", "&lt;select", "&lt;span", "&lt;p>", "&lt;a ")
REPR = re.compile(r"\bNone\b|\[\]|\{'|\['|\bTrue\b|\bFalse\b")


class _Visible(HTMLParser):
    """The text a person reads and the values of attributes a person sees (value, placeholder, title, alt)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        a = dict(attrs)
        if a.get("type") != "hidden":
            self.parts += [v for k, v in attrs if k in ("value", "placeholder", "title", "alt", "aria-label") and v]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data)


def defects(html: str) -> list[str]:
    """What is wrong in a rendered page: markup printed as text, Python values shown to people."""
    found = [f"markup printed as text: {e}" for e in ESCAPED if e in html]
    parser = _Visible()
    parser.feed(html)
    for text in parser.parts:
        m = REPR.search(text)
        if m:
            found.append(f"Python value «{m.group(0)}» in «{' '.join(text.split())[:120]}»")
    return found


ROLES = ["citizen", "receiver", "specialist", "leader", "unit_admin", "reporter", "admin"]


@pytest.fixture
def dossier_code(client, web_world):
    """One dossier received at the counter, so lists have a row and the dossier page its action forms."""
    as_user(client, web_world.receiver.username)
    r = receive(client, web_world)
    assert r.status_code == 201, r.text
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    return r.json()["code"]


def test_defects_are_found():
    assert defects('<p>&lt;div class="field"&gt;</p>') == ['markup printed as text: &lt;div']
    assert defects("<td>None</td>") and defects("<td>[]</td>") and defects("<p>{'a': 1}</p>")
    assert defects('<input value="None">')
    assert not defects('<script>let x = []; if (a === None) {}</script><p>Không có hồ sơ</p><input type="hidden" value="None">')


@pytest.mark.parametrize("who", ROLES)
def test_every_navigation_page_reads_as_words(client, web_world, dossier_code, who):
    user = getattr(web_world, who)
    login_page(client, user.username)
    pages = [href for href, _ in nav_links(user)]
    assert pages, f"{who} has no navigation"
    if who in ("receiver", "specialist", "leader"):
        pages.append(f"/can-bo/ho-so/{dossier_code}")
    problems = {}
    for href in ["/", *pages]:
        r = client.get(href)
        if r.status_code != 200:
            problems[href] = [f"HTTP {r.status_code}"]
        elif found := defects(r.text):
            problems[href] = found
    assert not problems, f"{who}: {problems}"
