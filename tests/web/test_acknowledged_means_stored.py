"""A response that acknowledges something is sent only after the commit: a receipt whose commit fails
answers with an error and no code, and stores nothing."""

from __future__ import annotations

from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from cchc.db import session_factory
from cchc.dossiers.models import Dossier
from tests.dossiers.test_views import as_user, receive, web_world  # noqa: F401 — the fixture


@contextmanager
def failing_commits(engine):
    """Every transaction that inserts a dossier fails at COMMIT, after the handler has finished: SQLite
    through a deferred foreign key, PostgreSQL through a deferred constraint trigger."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("CREATE TABLE commit_guard_parent (id INTEGER PRIMARY KEY)"))
            conn.execute(text("CREATE TABLE commit_guard (parent_id INTEGER REFERENCES commit_guard_parent (id) "
                              "DEFERRABLE INITIALLY DEFERRED)"))
            conn.execute(text("CREATE TRIGGER commit_guard_on_dossier AFTER INSERT ON dossiers "
                              "BEGIN INSERT INTO commit_guard VALUES (-1); END"))
        else:
            conn.execute(text("CREATE FUNCTION commit_guard() RETURNS trigger LANGUAGE plpgsql AS "
                              "$$ BEGIN RAISE EXCEPTION 'commit refused by the test'; END $$"))
            conn.execute(text("CREATE CONSTRAINT TRIGGER commit_guard_on_dossier AFTER INSERT ON dossiers "
                              "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commit_guard()"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("DROP TRIGGER commit_guard_on_dossier"))
                conn.execute(text("DROP TABLE commit_guard"))
                conn.execute(text("DROP TABLE commit_guard_parent"))
            else:
                conn.execute(text("DROP TRIGGER commit_guard_on_dossier ON dossiers"))
                conn.execute(text("DROP FUNCTION commit_guard()"))


def dossiers_stored() -> int:
    with session_factory()() as s:
        return s.scalar(select(func.count()).select_from(Dossier))


def test_a_receipt_whose_commit_fails_acknowledges_nothing(committed, app, web_world):
    client = TestClient(app, raise_server_exceptions=False)  # the answer the applicant gets, not the traceback
    as_user(client, web_world.receiver.username)
    with failing_commits(committed):
        r = receive(client, web_world)
        assert r.status_code == 500, r.text
        assert "code" not in r.json() and "chưa được thực hiện" in r.json()["detail"]
        assert dossiers_stored() == 0
    first = receive(client, web_world)
    assert first.status_code == 201 and dossiers_stored() == 1
    second = receive(client, web_world)
    assert second.json()["code"] != first.json()["code"]
