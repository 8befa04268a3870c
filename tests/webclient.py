"""Web test helpers: a TestClient on the committed test database and log-in helpers (fixtures in tests/conftest.py)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from cchc.auth.service import create_user
from cchc.db import session_factory
from cchc.app.main import create_app

PASSWORD = "matkhau123"


@pytest.fixture
def app(committed):
    return create_app()


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def make_user(committed):
    def _make(username: str, role: str = "cong_dan", unit_id: int | None = None, **extra):
        with session_factory()() as session:
            user = create_user(session, None, username=username, full_name=extra.pop("full_name", username.title()),
                               password=PASSWORD, role=role, unit_id=unit_id, **extra)
            session.commit()
            return user.id

    return _make


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)


def login_page(client: TestClient, username: str, password: str = PASSWORD):
    token = csrf_from(client.get("/dang-nhap").text)
    return client.post("/dang-nhap", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False)


def login_api(client: TestClient, username: str, password: str = PASSWORD) -> str:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["csrf_token"]


def with_passwords(world, password_hash: str | None = None):
    """Give every user of a test world (a dataclass of units, procedures and users) the test password."""
    import dataclasses

    from cchc.auth.passwords import hash_password

    hashed = password_hash or hash_password(PASSWORD)
    for f in dataclasses.fields(world):
        obj = getattr(world, f.name)
        if hasattr(obj, "password_hash"):
            obj.password_hash = hashed
    return world
