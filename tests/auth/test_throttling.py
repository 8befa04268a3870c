"""Login: the same work for an unknown and a known user name, and throttling that slows a guesser from their own
address without locking the account's owner out from another one."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from cchc import clock
from cchc.auth import passwords
from cchc.auth.models import LoginAttempt
from cchc.auth.service import (
    BASE_DELAY, FAILURE_WINDOW, MAX_ADDRESS_FAILURES, MAX_FAILURES, LoginThrottled, authenticate, create_user,
)
from cchc.errors import PermissionDenied, ValidationError
from tests.webclient import PASSWORD, csrf_from

ATTACKER = "203.0.113.7"
HOME = "198.51.100.2"
T0 = datetime(2025, 6, 2, 9, 0)


class CountingHasher:
    """The test hasher, counting verify() calls."""

    def __init__(self, inner):
        self.inner = inner
        self.verified = 0

    def hash(self, password):
        return self.inner.hash(password)

    def verify(self, password_hash, password):
        self.verified += 1
        return self.inner.verify(password_hash, password)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def hasher(monkeypatch):
    counting = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


def _user(db, username="an", active=True):
    user = create_user(db, None, username=username, full_name="Nguyễn Văn An", password=PASSWORD, role="cong_dan")
    user.active = active
    db.flush()
    return user


def _fail(db, username="an", client=ATTACKER, password="sai-mat-khau1"):
    with pytest.raises(ValidationError, match="không đúng"):
        authenticate(db, username, password, client=client)


def test_unknown_and_known_user_names_cost_the_same_hash_verification(db, hasher):
    _user(db)
    _user(db, "binh", active=False)
    for username in ("an", "khong-co-ai", "binh"):
        before = hasher.verified
        _fail(db, username, client=HOME)
        assert hasher.verified == before + 1, username
    before = hasher.verified
    _fail(db, "khong-co-ai", client=HOME, password=PASSWORD)  # the right password of someone else: still one verify
    assert hasher.verified == before + 1
    assert authenticate(db, "an", PASSWORD, client=HOME).username == "an"


def test_the_dummy_hash_has_the_cost_of_a_real_one(db):
    user = _user(db)
    dummy = passwords.dummy_hash()
    assert dummy.split("$")[3] == user.password_hash.split("$")[3]  # m=…,t=…,p=…: the same Argon2 parameters


def test_an_attacker_is_slowed_from_their_address(db):
    _user(db)
    with clock.frozen(T0):
        for _ in range(MAX_FAILURES):
            _fail(db)
        with pytest.raises(LoginThrottled, match="quá nhiều lần") as refused:
            authenticate(db, "an", PASSWORD, client=ATTACKER)  # even the right password waits, from that address
        assert refused.value.http_status == 429 and refused.value.retry_after == BASE_DELAY.total_seconds()
        assert isinstance(refused.value, PermissionDenied)
    with clock.frozen(T0 + BASE_DELAY + timedelta(seconds=1)):
        _fail(db)  # one more guess after the wait …
        with pytest.raises(LoginThrottled) as refused:
            authenticate(db, "an", PASSWORD, client=ATTACKER)
        assert refused.value.retry_after == 2 * BASE_DELAY.total_seconds()  # … and the wait doubles
    with clock.frozen(T0 + 3 * BASE_DELAY + timedelta(seconds=2)):
        _fail(db)
        with pytest.raises(LoginThrottled) as refused:
            authenticate(db, "an", PASSWORD, client=ATTACKER)
        assert refused.value.retry_after == 4 * BASE_DELAY.total_seconds()


def test_refused_attempts_do_not_extend_the_wait(db):
    _user(db)
    with clock.frozen(T0):
        for _ in range(MAX_FAILURES):
            _fail(db)
        for _ in range(50):
            with pytest.raises(LoginThrottled):
                authenticate(db, "an", "doan-tiep", client=ATTACKER)
    with clock.frozen(T0 + BASE_DELAY + timedelta(seconds=1)):
        assert authenticate(db, "an", PASSWORD, client=ATTACKER).username == "an"


def test_the_owner_from_another_address_is_not_locked_out(db):
    _user(db)
    with clock.frozen(T0):
        for _ in range(MAX_FAILURES * 3):
            try:
                _fail(db)
            except LoginThrottled:
                break
        for n in range(MAX_ADDRESS_FAILURES):  # the attacker's address is past both limits
            try:
                _fail(db, f"nguoi-{n}")
            except LoginThrottled:
                pass
        with pytest.raises(LoginThrottled):
            authenticate(db, "an", PASSWORD, client=ATTACKER)
        assert authenticate(db, "an", PASSWORD, client=HOME).username == "an"
        _fail(db, client=HOME)  # the owner mistypes once at home: not refused for the attacker's failures
        assert authenticate(db, "an", PASSWORD, client=HOME).username == "an"


def test_too_many_failures_from_one_address_over_many_names(db):
    _user(db)
    with clock.frozen(T0):
        for n in range(MAX_ADDRESS_FAILURES):
            _fail(db, f"ten-{n}")
        with pytest.raises(LoginThrottled, match="từ địa chỉ này"):
            authenticate(db, "an", PASSWORD, client=ATTACKER)
        assert authenticate(db, "an", PASSWORD, client=HOME).username == "an"


def test_the_owners_login_does_not_reset_the_attackers_count(db):
    _user(db)
    with clock.frozen(T0):
        for _ in range(MAX_FAILURES - 1):
            _fail(db)
        assert authenticate(db, "an", PASSWORD, client=HOME).username == "an"
        _fail(db)
        with pytest.raises(LoginThrottled):
            authenticate(db, "an", PASSWORD, client=ATTACKER)


def test_a_success_clears_the_failures_of_that_address(db):
    _user(db)
    with clock.frozen(T0):
        for _ in range(MAX_FAILURES - 1):
            _fail(db, client=HOME)
        authenticate(db, "an", PASSWORD, client=HOME)
        for _ in range(MAX_FAILURES - 1):
            _fail(db, client=HOME)
        assert authenticate(db, "an", PASSWORD, client=HOME).username == "an"


def test_failures_older_than_the_window_are_forgotten_and_removed(db):
    _user(db)
    with clock.frozen(T0):
        for _ in range(MAX_FAILURES):
            _fail(db)
    with clock.frozen(T0 + FAILURE_WINDOW + timedelta(minutes=1)):
        _fail(db, client=HOME)
        assert db.query(LoginAttempt).filter(LoginAttempt.client == ATTACKER).count() == 0
        assert authenticate(db, "an", PASSWORD, client=ATTACKER).username == "an"


def test_login_page_and_api_answer_429_with_retry_after(app, make_user):
    make_user("an")
    attacker = TestClient(app, client=(ATTACKER, 5000))
    for _ in range(MAX_FAILURES):
        assert attacker.post("/api/v1/auth/login", json={"username": "an", "password": "sai-mat-khau1"}).status_code == 422
    api = attacker.post("/api/v1/auth/login", json={"username": "an", "password": PASSWORD})
    assert api.status_code == 429 and 1 <= int(api.headers["retry-after"]) <= BASE_DELAY.total_seconds()
    assert "Đăng nhập sai quá nhiều lần" in api.json()["detail"]
    token = csrf_from(attacker.get("/dang-nhap").text)
    page = attacker.post("/dang-nhap", data={"username": "an", "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert page.status_code == 429 and "retry-after" in page.headers and "Đăng nhập sai quá nhiều lần" in page.text

    owner = TestClient(app, client=(HOME, 5000))
    assert owner.post("/api/v1/auth/login", json={"username": "an", "password": PASSWORD}).status_code == 200
    token = csrf_from(owner.get("/dang-nhap").text)
    assert owner.post("/dang-nhap", data={"username": "an", "password": PASSWORD, "csrf_token": token},
                      follow_redirects=False).status_code == 303


def test_the_api_documents_the_429(app):
    responses = app.openapi()["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert "429" in responses and "Retry-After" in responses["429"]["description"]
    lookup = app.openapi()["paths"]["/api/v1/lookup"]["post"]["responses"]
    assert {"404", "422", "429"} <= set(lookup)
