"""End-to-end fixtures: the app served by uvicorn on a free local port, driven by Debian's chromium (the one
`browser` of the whole run, in tests/conftest.py)."""

from __future__ import annotations

import dataclasses

import pytest

from cchc import config
from cchc.db import session_factory
from tests.dossiers.factories import make_world
from tests.liveserver import serving
from tests.webclient import PASSWORD, with_passwords

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(committed, tmp_path, monkeypatch):
    from cchc.app.main import create_app

    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, files_dir=tmp_path / "files"))
    with serving(create_app()) as base:
        yield base


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def _open(mobile: bool = False):
        options = {"viewport": {"width": 390, "height": 844}, "is_mobile": True} if mobile else {"viewport": {"width": 1280, "height": 900}}
        ctx = browser.new_context(base_url=live_server, locale="vi-VN", **options)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(60000)  # CI machines are small (2 cores); a slow page is not a failure here
        return page

    yield _open
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def world(committed):
    with session_factory()() as s:
        w = with_passwords(make_world(s))
        s.commit()
        return w


def login(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state("networkidle")


def logout(page) -> None:
    page.context.clear_cookies()
