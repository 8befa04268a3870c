"""The public catalogue (pages /thu-tuc, API /api/v1/procedures, /api/v1/fields): Cache-Control no-cache with a weak
ETag from the catalogue's token; 304 on If-None-Match while nothing changed, the new content once a change commits."""

from __future__ import annotations

import pytest

from cchc.db import session_factory
from cchc.procedures import service as procedures
from tests.dossiers.factories import make_world


@pytest.fixture
def world(committed):
    with session_factory()() as s:
        w = make_world(s)
        s.commit()
        return w


def _change_time_limit(world, amount: int) -> None:
    with session_factory()() as s:
        procedures.update_procedure(s, world.admin, world.procedure.code, {"time_amount": amount})
        s.commit()


@pytest.mark.parametrize("path", ["/api/v1/procedures", "/api/v1/procedures/1.001193", "/api/v1/fields"])
def test_the_api_answers_304_until_the_catalogue_changes(client, world, path):
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "public, no-cache"

    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": 'W/"khac", ' + etag}).status_code == 304
    assert client.get(path, headers={"If-None-Match": 'W/"khac"'}).status_code == 200

    _change_time_limit(world, 7)
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    if path.endswith("1.001193"):
        assert changed.json()["time_amount"] == "7.00"


@pytest.mark.parametrize("path", ["/thu-tuc", "/thu-tuc/1.001193", "/thu-tuc?q=khai+sinh"])
def test_the_pages_answer_304_until_the_catalogue_changes(client, world, path):
    first = client.get(path)
    assert first.status_code == 200 and "Đăng ký khai sinh" in first.text
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"  # the page carries the visitor's form token
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304

    _change_time_limit(world, 9)
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    if path.endswith("1.001193"):
        assert "9 ngày làm việc" in changed.text


def test_another_visitor_gets_the_page_not_a_304(app, world):
    from fastapi.testclient import TestClient

    with TestClient(app) as one, TestClient(app) as other:
        etag = one.get("/thu-tuc").headers["etag"]
        assert one.get("/thu-tuc", headers={"If-None-Match": etag}).status_code == 304
        seen = other.get("/thu-tuc", headers={"If-None-Match": etag})
        assert seen.status_code == 200 and seen.headers["etag"] != etag  # its own session, its own form token


def test_a_signed_in_officer_has_a_validator_of_their_own(client, world, make_user):
    from tests.webclient import login_page

    etag = client.get("/thu-tuc").headers["etag"]
    make_user("canbo_xem", "chuyen_vien", world.commune.id)
    assert login_page(client, "canbo_xem").status_code == 303
    signed_in = client.get("/thu-tuc", headers={"If-None-Match": etag})
    assert signed_in.status_code == 200 and signed_in.headers["etag"] != etag


def test_a_search_is_computed_once_per_catalogue_token_in_a_process(client, world):
    from cchc.procedures import cache

    answers = cache._ANSWERS
    before = answers.loads
    first = client.get("/api/v1/procedures", params={"q": "khai sinh"}).json()
    assert client.get("/api/v1/procedures", params={"q": "khai sinh"}).json() == first
    assert answers.loads == before + 1 and first["total"] == 1
    assert client.get("/thu-tuc", params={"q": "khai sinh"}).status_code == 200
    loads = answers.loads
    assert client.get("/thu-tuc", params={"q": "khai sinh"}).status_code == 200
    assert answers.loads == loads  # the page's search and the lĩnh vực list reused

    _change_time_limit(world, 4)
    again = client.get("/api/v1/procedures", params={"q": "khai sinh"}).json()
    assert answers.loads == loads + 1 and again["items"][0]["time_amount"] == "4.00"


def test_a_cached_catalogue_keeps_few_answers():
    from cchc.calendar.cache import ProcessCache

    small = ProcessCache("procedures", max_entries=3)

    class Session:  # what ProcessCache asks of a session: its tokens, read once per transaction
        info: dict = {}

        def get_transaction(self):
            return self

        def execute(self, _statement):
            class Rows:
                def all(self):
                    return [("procedures", "t1")]

            return Rows()

    s = Session()
    for n in range(5):
        assert small.get(s, n, lambda _s, n=n: n * 10) == n * 10
    assert small.get(s, 4, lambda _s: -1) == 40  # kept
    assert small.get(s, 0, lambda _s: -1) == -1  # the oldest went
