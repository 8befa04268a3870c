"""A committed task world whose officers can sign in (for the API and page tests)."""

from __future__ import annotations

import dataclasses

import pytest

from cchc.auth.passwords import hash_password
from cchc.db import session_factory
from tests.webclient import PASSWORD, login_api

from .factories import make_task_world


@pytest.fixture
def web_world(committed):
    with session_factory()() as s:
        world = make_task_world(s)
        for f in dataclasses.fields(world):
            obj = getattr(world, f.name)
            if hasattr(obj, "password_hash"):
                obj.password_hash = hash_password(PASSWORD)
        s.commit()
        return world


@pytest.fixture
def as_api():
    def _as(client, username):
        client.cookies.clear()
        client.headers.pop("X-CSRF-Token", None)
        client.headers["X-CSRF-Token"] = login_api(client, username)
        return client

    return _as
