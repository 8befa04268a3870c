"""The screenshot sweep (issue 16 item 8): on a small demo province, every demo role logs in and opens every page of
its navigation (cchc.app.jinja.nav_links) — and an officer the page of one of their dossiers — at 1366×900 and at
390×844 on a phone, saving test-artifacts/sweep/<role>/<page>-<size>.png to be looked at. A page fails when it does
not answer 200, shows markup as text or a Python value (tests/web/test_rendered.defects), or is wider than the phone
(the page scrolls sideways instead of reflowing; a wide table scrolling inside its own box is fine)."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc import config
from cchc.app.jinja import nav_links
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.dossiers.enums import OPEN_STATES
from cchc.dossiers.models import Dossier
from cchc.synth.generator import DemoOptions, run_demo
from cchc.synth.province import DEMO_PASSWORD
from tests.browser.conftest import login
from tests.liveserver import serving
from tests.conftest import ARTIFACTS, empty_database

pytestmark = pytest.mark.browser

TODAY = date(2026, 11, 20)
DEMO = DemoOptions(dossiers=300, seed=11, province="44", today=TODAY, max_communes=3, max_procedures=60, batch=100)
# role → its demo account (cchc demo prints them): the Sở Tư pháp's desk, specialist and leader, the province's
# reporting officer, the system administrator and a unit administrator, a citizen
ACCOUNTS = {
    "cong-dan": "congdan001",
    "mot-cua": "motcua.stp",
    "chuyen-vien": "chuyenvien.stp",
    "lanh-dao": "lanhdao.stp",
    "bao-cao": "baocao.tinh",
    "quan-tri-don-vi": "quantri.stp",
    "quan-tri-he-thong": "quantri.hethong",
}
SIZES = {"1366": {"viewport": {"width": 1366, "height": 900}}, "390": {"viewport": {"width": 390, "height": 844}, "is_mobile": True}}
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def demo_server(engine, tmp_path_factory):
    """A small demo province served by uvicorn for the whole sweep; the database emptied afterwards."""
    from cchc.app.main import create_app

    old = config.settings
    config.settings = dataclasses.replace(old, files_dir=tmp_path_factory.mktemp("files"))
    try:
        with Session(bind=engine, expire_on_commit=False) as session:
            run_demo(session, DEMO)
        with serving(create_app()) as base:
            yield base
    finally:
        config.settings = old
        with engine.begin() as conn:
            empty_database(conn)


def _pages(engine, username: str) -> list[str]:
    with Session(bind=engine) as session:
        user = session.scalar(select(User).where(User.username == username))
        pages = ["/", *(href for href, _ in nav_links(user))]
        if user.role in (Role.RECEIVING, Role.SPECIALIST, Role.LEADER):  # the dossier page, with its action forms
            own = select(Dossier.code).where(Dossier.unit_id == user.unit_id)
            code = (session.scalar(own.where(Dossier.state.in_([s.value for s in OPEN_STATES])).order_by(Dossier.code).limit(1))
                    or session.scalar(own.order_by(Dossier.code.desc()).limit(1)))
            if code:
                pages.append(f"/can-bo/ho-so/{code}")
    return list(dict.fromkeys(pages))


def _name(href: str) -> str:
    if href == "/":
        return "trang-chu"
    if href.startswith("/can-bo/ho-so/"):
        return "can-bo-ho-so"
    return re.sub(r"[^a-z0-9]+", "-", href.strip("/"))


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_every_page_of_the_navigation(browser, demo_server, engine, role):
    from tests.web.test_rendered import defects

    username = ACCOUNTS[role]
    pages = _pages(engine, username)
    folder = ARTIFACTS / "sweep" / role
    folder.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    for size, options in SIZES.items():
        context = browser.new_context(base_url=demo_server, locale="vi-VN", **options)
        try:
            page = context.new_page()
            page.set_default_timeout(60000)  # 2 cores shared with other work: a slow page is not a failure here
            login(page, username, DEMO_PASSWORD)
            for href in pages:
                response = page.goto(href)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(folder / f"{_name(href)}-{size}.png"), full_page=True)
                found = []
                if response is None or response.status != 200:
                    found.append(f"HTTP {response.status if response else '—'}")
                found += defects(page.content())
                if size == "390" and (wider := page.evaluate(OVERFLOW)) > 1:
                    found.append(f"{wider} px wider than the phone")
                if found:
                    problems[f"{href} @{size}"] = found
        finally:
            context.close()
    assert not problems, f"{role} ({username}): {problems}"
