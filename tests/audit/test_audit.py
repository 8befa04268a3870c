"""The audit log: every change appended with who, when, from where and the values before and after; the
database refuses to rewrite it; `cchc audit verify` names the first entry that was tampered with."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from cchc.audit import service as audit
from cchc.audit.models import AuditEntry
from cchc.db import session_factory
from tests.clirunner import run_cli
from tests.dossiers.test_views import as_user, receive, web_world  # noqa: F401 — the fixture
from tests.webclient import login_api


def entries(**where) -> list[AuditEntry]:
    with session_factory()() as s:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        for k, v in where.items():
            stmt = stmt.where(getattr(AuditEntry, k) == v)
        return list(s.scalars(stmt))


def test_a_receipt_through_the_api_is_logged_with_who_when_where_and_values(committed, client, web_world):
    as_user(client, web_world.receiver.username)
    r = receive(client, web_world)
    assert r.status_code == 201
    rid = r.headers["x-request-id"]
    [dossier] = [e for e in entries(object_type="dossiers") if e.action == "them"]
    assert dossier.actor_id == web_world.receiver.id and web_world.receiver.username in dossier.actor_name
    assert dossier.client == "testclient" and dossier.request_id == rid and dossier.before == ""
    after = json.loads(dossier.after)
    assert after["code"] == r.json()["code"] and after["applicant_name"] == "Nguyễn Văn An"
    assert dossier.object_id == str(after["id"])
    assert {e.object_type for e in entries(request_id=rid)} >= {"dossiers", "dossier_events"}


def test_an_update_keeps_the_values_before_and_after_and_secrets_stay_out(db):
    from cchc.auth.service import create_user

    user = create_user(db, None, username="lan", full_name="Trần Thị Lan", password="matkhau123", role="cong_dan")
    user.full_name = "Trần Thị Lan Anh"
    user.password_hash = "khac"
    db.flush()
    change = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "users", AuditEntry.action == "sua")).one()
    assert json.loads(change.before) == {"full_name": "Trần Thị Lan", "password_hash": "(đã đổi, không ghi)"}
    assert json.loads(change.after) == {"full_name": "Trần Thị Lan Anh", "password_hash": "(đã đổi, không ghi)"}
    created = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "users", AuditEntry.action == "them")).one()
    assert "argon2" not in created.after and json.loads(created.after)["password_hash"] == "(đã đổi, không ghi)"
    assert created.actor_name.startswith("Dòng lệnh (")  # no web request: the command line, named by the OS user
    db.delete(user)
    db.flush()
    removal = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "users", AuditEntry.action == "xoa")).one()
    assert json.loads(removal.before)["full_name"] == "Trần Thị Lan Anh" and removal.after == ""  # a recorded removal


def test_bulk_statements_are_logged_once_each(db):
    from sqlalchemy import insert, update

    from cchc.units.models import Unit

    db.execute(insert(Unit.__table__), [{"code": f"T{i}", "name": f"Xã {i}", "level": "xa", "kind": "ubnd", "path": ""}
                                        for i in range(3)])
    db.execute(update(Unit).where(Unit.code == "T1").values(name="Xã Một"))
    bulk = list(db.scalars(select(AuditEntry).where(AuditEntry.object_type == "units").order_by(AuditEntry.id)))
    assert [e.action for e in bulk] == ["them_hang_loat", "sua_hang_loat"]
    assert json.loads(bulk[0].after) == {"khoa": ["T0", "T1", "T2"], "so_dong": 3}
    assert "units.code" in json.loads(bulk[1].after)["dieu_kien"]


def test_the_database_refuses_to_rewrite_the_log(db):
    db.execute(text("UPDATE audit_head SET seq = seq"))  # the head is not the log: only the log is append-only
    audit.record(db, "nhap_tep", "dossiers", after={"tep": "hoso.csv"})
    for statement in ("UPDATE audit_log SET actor_name = 'ai đó'", "DELETE FROM audit_log"):
        nested = db.begin_nested()
        with pytest.raises(DatabaseError, match="audit_log chỉ được thêm"):
            db.execute(text(statement))
        nested.rollback()


def tamper(engine, statement: str) -> None:
    """What a database owner could still do: set the triggers aside and rewrite a row."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"DROP TRIGGER {audit.TRIGGER}_upd")
            conn.exec_driver_sql(f"DROP TRIGGER {audit.TRIGGER}_del")
            conn.exec_driver_sql(statement)
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
            conn.exec_driver_sql(statement)
            conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")
        audit.install(conn)


@pytest.mark.parametrize(("statement", "reason"), [
    ("UPDATE audit_log SET after = replace(after, 'Nguyễn Văn An', 'Nguyễn Văn Bình') WHERE object_type = 'dossiers' "
     "AND action = 'them'", r"Nội dung mục (\d+) đã bị sửa sau khi ghi"),
    ("DELETE FROM audit_log WHERE id = 3", r"Mục 3 không còn trong nhật ký"),
    ("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)", r"các mục cuối đã bị xóa"),
])
def test_audit_verify_names_the_first_tampered_entry(committed, client, web_world, monkeypatch, capsys, statement, reason):
    as_user(client, web_world.receiver.username)
    assert receive(client, web_world).status_code == 201
    code, out, _ = run_cli(monkeypatch, capsys, "audit", "verify")
    assert code == 0 and "Nhật ký nguyên vẹn" in out
    tamper(committed, statement)
    code, out, _ = run_cli(monkeypatch, capsys, "audit", "verify")
    text_ = " ".join(out.split())
    assert code == 1 and "Nhật ký đã bị can thiệp" in text_ and re.search(reason, text_), text_
    changed = re.search(reason, text_)
    if changed.groups():
        [entry] = [e for e in entries(object_type="dossiers") if e.action == "them"]
        assert changed.group(1) == str(entry.id)


def test_the_chain_does_not_fork_under_concurrent_writers(committed):
    import threading

    from cchc.auth.service import create_user

    def write(i: int) -> None:
        with session_factory()() as s:
            create_user(s, None, username=f"dong{i}", full_name=f"Người {i}", password="matkhau123", role="cong_dan")
            s.commit()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with session_factory()() as s:
        verdict = audit.verify(s)
    assert verdict.ok and verdict.entries == len(entries()) >= 8


def test_the_audit_page_filters_by_user_object_and_date(committed, client, web_world):
    as_user(client, web_world.receiver.username)
    code = receive(client, web_world).json()["code"]
    with session_factory()() as s:
        from cchc.auth.service import create_user

        create_user(s, None, username="kiemtoan", full_name="Quản trị kiểm toán", password="matkhau123",
                    role="quan_tri_he_thong")
        s.commit()
    refused = client.get("/quan-tri/nhat-ky")
    assert refused.status_code == 403
    client.cookies.clear()
    login_api(client, "kiemtoan")
    page = client.get("/quan-tri/nhat-ky", params={"nguoi": web_world.receiver.username, "bang": "dossiers"})
    assert page.status_code == 200 and code in page.text and "Thêm" in page.text
    none = client.get("/quan-tri/nhat-ky", params={"nguoi": "không-có-ai"})
    assert "Không có mục nào khớp bộ lọc." in none.text
    bad = client.get("/quan-tri/nhat-ky", params={"tu": "31/02/2026"})
    assert bad.status_code == 422 and 'class="field-error"' in bad.text
    wrong_table = client.get("/quan-tri/nhat-ky", params={"bang": "khong_co"})
    assert wrong_table.status_code == 422 and "không có trong nhật ký" in wrong_table.text


def test_logins_and_failed_logins_are_logged(client, make_user):
    make_user("an", full_name="Nguyễn Văn An")
    assert client.post("/api/v1/auth/login", json={"username": "an", "password": "sai-mat-khau-1"}).status_code == 422
    assert client.post("/api/v1/auth/login", json={"username": "khong-co", "password": "sai-mat-khau-1"}).status_code == 422
    login_api(client, "an")
    logged = [(e.action, e.actor_name, json.loads(e.after or "{}").get("ten_dang_nhap")) for e in entries()
              if e.action.startswith("dang_nhap")]
    assert logged == [("dang_nhap_that_bai", "Khách (chưa đăng nhập)", "an"),
                      ("dang_nhap_that_bai", "Khách (chưa đăng nhập)", "khong-co"),
                      ("dang_nhap", "an (Nguyễn Văn An)", None)]
    assert all(e.client == "testclient" for e in entries() if e.action.startswith("dang_nhap"))


def test_no_session_opens_before_the_audit_listeners(tmp_path):
    """cchc.db sits below the audit log and does not import it: a process that asks for a session without having
    loaded the listeners is refused, rather than writing changes the log never sees."""
    import os
    import subprocess
    import sys

    env = os.environ | {"CCHC_DATABASE_URL": f"sqlite:///{tmp_path / 'khong-kiem-toan.db'}"}
    code = "from cchc import db\ntry:\n    db.session_factory()\nexcept RuntimeError as exc:\n    print(exc)\n"
    refused = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert refused.returncode == 0, refused.stderr
    assert "Chưa nạp nhật ký kiểm toán" in refused.stdout
    code = "from cchc import db\nfrom cchc.audit import service\nprint(db.session_factory() is not None)\n"
    opened = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert opened.stdout.strip() == "True", opened.stderr
