"""The API as documented: schemathesis drives every operation of /openapi.json, anonymous and as an officer,
with a fixed small budget (derandomised: the same cases on every run), and checks every response against the
document — status codes, content types, headers and bodies — and that no request makes the server fail.

One check is left out, on purpose: `positive_data_acceptance` would demand a 2xx for every request that fits
the schema, but cchc refuses on rules a JSON Schema cannot hold (a wrong password, a code that names nothing,
a NUL character or a 30-digit number anywhere in a body) with a 4xx and a Vietnamese message — which the
document declares and the other checks verify.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import given as hypothesis_given
from schemathesis.specs.openapi.checks import positive_data_acceptance

from cchc.db import session_factory
from tests.dossiers.factories import make_world
from tests.webclient import PASSWORD, with_passwords

EXAMPLES = 5


@pytest.fixture
def contract_app(app, committed):
    with session_factory()() as s:
        world = with_passwords(make_world(s))
        s.commit()
        return app, world


def _run(app, login: Callable[[], dict[str, str]] | None = None) -> tuple[list[str], Counter]:
    """The failures found, and the statuses met (to show the run did reach past the login)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    found: list[str] = []
    statuses: Counter = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        headers = login() if login else {}  # a fresh login each time: the logout operation ends its own session

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @hypothesis_given(case=operation.as_strategy())
        def exercise(case) -> None:
            response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
            statuses[response.status_code] += 1

        try:
            exercise()
        except BaseException as exc:  # a FailureGroup: every distinct failure of this operation
            codes = sorted(set(re.findall(r"^- (ST\d+ [^\n]+)", str(exc), flags=re.M))) or [type(exc).__name__]
            found += [f"{operation.label}: {code}" for code in codes]
    return found, statuses


def test_the_api_as_documented_for_an_anonymous_visitor(contract_app):
    app, _world = contract_app
    found, statuses = _run(app)
    assert found == []
    assert statuses[401] > 0 and sum(n for s, n in statuses.items() if s < 300) > 0


def test_the_api_as_documented_for_an_officer(contract_app):
    from fastapi.testclient import TestClient

    app, world = contract_app

    def login() -> dict[str, str]:
        client = TestClient(app)
        answer = client.post("/api/v1/auth/login", json={"username": world.receiver.username, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items()), "X-CSRF-Token": answer.json()["csrf_token"]}

    found, statuses = _run(app, login)
    assert found == [], found
    # Logged in: most operations answer the officer (2xx, or 403/404/409/422 on the rule that refuses).
    assert statuses[401] * 10 < sum(statuses.values()) and sum(n for s, n in statuses.items() if s < 300) > 20, statuses
