"""cchc.auth.sessions.resolve runs on every signed-in request: one query for the session row and its user,
and still every refusal (unknown, revoked, timed out, locked account)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from cchc import clock
from cchc.auth import sessions
from cchc.auth.service import create_user


def _user(db, username="lan"):
    return create_user(db, None, username=username, full_name="Phạm Thị Lan", password="matkhau123", role="cong_dan")


def _selects(db, action):
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        result = action()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return result, seen


def test_the_user_of_a_session_in_one_query(db):
    user = _user(db)
    token = sessions.start(db, user)
    user_id = user.id
    db.expunge_all()  # nothing in the identity map: what a new request sees
    found, selects = _selects(db, lambda: sessions.resolve(db, token))
    assert found is not None and found.id == user_id and found.username == "lan"
    assert len(selects) == 1 and "auth_sessions" in selects[0] and "users" in selects[0]


def test_refusals_are_kept(db):
    user = _user(db, "minh")
    assert sessions.resolve(db, None) is None
    assert sessions.resolve(db, "khong-co-phien-nay") is None

    token = sessions.start(db, user)
    assert sessions.resolve(db, token).id == user.id
    user.active = False
    db.flush()
    assert sessions.resolve(db, token) is None  # a locked account signs nobody in
    user.active = True
    db.flush()
    sessions.end(db, token)
    assert sessions.resolve(db, token) is None  # logged out

    idle = sessions.start(db, user)
    row = sessions.of_token(db, idle)
    row.last_seen_at = clock.now() - timedelta(days=1)
    db.flush()
    assert sessions.resolve(db, idle) is None  # idle too long
