"""A receipt at the counter: one flush, a light 201 (code, state, due date, Location), the detail on request, still
journaled and audited; the public lookup of its progress in one query of the columns it shows."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from cchc.audit.models import AuditEntry
from cchc.db import session_factory
from cchc.dossiers import lookup_pages, service
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.procedures.cache import receivable
from tests.webclient import login_api

from .factories import APPLICANT, MONDAY, make_world
from .test_views import web_world  # noqa: F401 — the committed world of the API tests

LIGHT = {"code", "state", "state_label", "status_code", "received_at", "due_at", "link"}


def _as_receiver(client, world):
    client.headers["X-CSRF-Token"] = login_api(client, world.receiver.username)


def _body(world):
    return {"procedure_code": world.procedure.code, "applicant": APPLICANT,
            "components": [{"component_id": c.id} for c in world.procedure.components]}


def test_the_201_is_light_and_points_at_the_detail(client, web_world):
    _as_receiver(client, web_world)
    r = client.post("/api/v1/dossiers", json=_body(web_world))
    assert r.status_code == 201, r.text
    out = r.json()
    assert set(out) == LIGHT
    assert re.fullmatch(r"H15\.50\.05\.13-\d{6}-\d{4}", out["code"])
    assert out["state"] == "dang_xu_ly" and out["state_label"] == "Đang xử lý" and out["status_code"] == 4
    assert out["due_at"] > out["received_at"]
    assert r.headers["location"] == out["link"] == f"/api/v1/dossiers/{out['code']}"

    detail = client.get(r.headers["location"])
    assert detail.status_code == 200
    assert detail.json()["code"] == out["code"] and detail.json()["due_at"] == out["due_at"]
    assert "forward" not in detail.json()["allowed_actions"]  # the receiving officer does not act at the next step

    with session_factory()() as s:  # journaled and audited as before
        dossier_id = s.scalar(select(Dossier.id).where(Dossier.code == out["code"]))
        assert s.scalars(select(DossierEvent.action).where(DossierEvent.dossier_id == dossier_id)).all() == ["receive"]
        audited = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.object_type == "dossiers", AuditEntry.object_id == str(dossier_id), AuditEntry.action == "them"))
        assert audited == 1


def test_the_detail_on_request(client, web_world):
    _as_receiver(client, web_world)
    r = client.post("/api/v1/dossiers", params={"detail": 1}, json=_body(web_world))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["events"][0]["action"] == "receive" and "allowed_actions" in out and len(out["steps"]) == 2
    assert r.headers["location"] == f"/api/v1/dossiers/{out['code']}"


def test_the_openapi_declares_both_answers(client, web_world):
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/dossiers"]["post"]
    schema = operation["responses"]["201"]["content"]["application/json"]["schema"]
    names = {ref["$ref"].rsplit("/", 1)[-1] for ref in schema["anyOf"]}
    assert names == {"ReceiptOut", "DossierDetail"}
    assert any(p["name"] == "detail" for p in operation["parameters"])


def test_a_bad_receipt_is_refused_in_vietnamese_and_writes_nothing(client, web_world):
    _as_receiver(client, web_world)
    r = client.post("/api/v1/dossiers", json=_body(web_world) | {"procedure_code": "9.999999"})
    assert r.status_code == 404 and "9.999999" in r.json()["detail"]
    r = client.post("/api/v1/dossiers", json=_body(web_world) | {"applicant": {"name": ""}})
    assert r.status_code == 422
    with session_factory()() as s:
        assert s.scalar(select(func.count()).select_from(Dossier)) == 0


def _counting(session):
    statements: list[str] = []
    flushes: list[int] = []
    bind = session.get_bind()

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(("SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(bind, "before_cursor_execute", on_statement)
    event.listen(session, "after_flush", lambda *_: flushes.append(1))
    return statements, flushes, lambda: event.remove(bind, "before_cursor_execute", on_statement)


def test_a_receipt_is_one_flush_and_reads_no_catalogue_row_once_cached(db):
    w = make_world(db)
    db.commit()
    service.receive(db, w.receiver, procedure=receivable(db, w.procedure.code), unit=w.commune, channel=1,
                    applicant=APPLICANT, at=MONDAY)
    db.commit()
    statements, flushes, stop = _counting(db)
    try:
        service.receive(db, w.receiver, procedure=receivable(db, w.procedure.code), unit=w.commune, channel=1,
                        applicant=APPLICANT, at=MONDAY)
    finally:
        stop()
    assert len(flushes) == 1
    read = [s.split("FROM", 1)[1].split()[0] for s in statements if s.startswith("SELECT")]
    assert not {"procedures", "procedure_fees", "procedure_components", "procedure_steps", "calendar_overrides",
                "office_hours"} & set(read), read


def test_the_public_lookup_is_one_query(db):
    w = make_world(db)
    d = service.receive(db, w.receiver, procedure=receivable(db, w.procedure.code), unit=w.commune, channel=1,
                        applicant=APPLICANT, at=MONDAY)
    db.commit()
    db.expunge_all()
    statements, _, stop = _counting(db)
    try:
        out = lookup_pages.lookup(db, d.code, APPLICANT["id_number"][-4:])
    finally:
        stop()
    assert len(statements) == 1 and "procedures" in statements[0] and "dossier_steps" in statements[0]
    assert out.procedure == "Đăng ký khai sinh" and out.unit == "Xã Mỹ An Hưng" and out.state_label == "Đang xử lý"
    assert [s.name for s in out.steps] == [s.name for s in w.procedure.steps][:2]
    assert out.steps[0].unit == "Xã Mỹ An Hưng" and out.steps[0].ended_at is not None and out.steps[1].ended_at is None
    assert out.applicant != APPLICANT["name"] and "*" in out.applicant_id_number  # masked for the public


def test_the_lookup_with_wrong_digits_answers_as_an_unknown_code(db):
    from cchc.errors import NotFound

    w = make_world(db)
    d = service.receive(db, w.receiver, procedure=receivable(db, w.procedure.code), unit=w.commune, channel=1,
                        applicant=APPLICANT, at=MONDAY)
    with pytest.raises(NotFound) as wrong:
        lookup_pages.lookup(db, d.code, "0000")
    with pytest.raises(NotFound) as unknown:
        lookup_pages.lookup(db, d.code + "9", "0000")
    assert wrong.value.message.replace(d.code, "") == unknown.value.message.replace(d.code + "9", "")
