"""The outbox to Cổng DVCQG: a row per receipt and status change in the change's transaction, sent in order per
dossier to a local receiver that validates each body against the schema and misbehaves; every change ends
acknowledged exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cchc import clock
from cchc.dossiers import service as svc
from cchc.dossiers.enums import Channel
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.errors import PermissionDenied, ValidationError
from cchc.sync import service as sync
from cchc.sync.models import ACCEPTED, ACKNOWLEDGED, DUPLICATE, PENDING, OutboxRow
from tests.dossiers.factories import APPLICANT, MONDAY, make_world

from .receiver import DROP, FAIL, STORE_THEN_DROP, Receiver

TOKEN = "bi-mat-thu"


@pytest.fixture
def world(db):
    return make_world(db)


@pytest.fixture
def configured(monkeypatch):
    def use(receiver: Receiver) -> Receiver:
        monkeypatch.setenv("CCHC_DVCQG_SYNC_URL", receiver.url)
        monkeypatch.setenv("CCHC_DVCQG_SYNC_TOKEN", TOKEN)
        return receiver
    return use


def receive(db, w, at=MONDAY):
    return svc.receive(db, w.receiver, procedure=w.procedure, unit=w.commune, channel=Channel.DIRECT,
                       applicant=APPLICANT, at=at, owner=w.citizen)


def rows(db, dossier=None):
    q = select(OutboxRow).order_by(OutboxRow.id)
    if dossier is not None:
        q = q.where(OutboxRow.dossier_id == dossier.id)
    return db.scalars(q).all()


def test_a_receipt_writes_its_row_in_the_same_transaction(db, world):
    d = receive(db, world)
    (row,) = rows(db, d)
    event = db.scalar(select(DossierEvent).where(DossierEvent.dossier_id == d.id))
    assert (row.action, row.state, row.attempts, row.event_id) == ("receive", PENDING, 0, event.id)
    assert row.idempotency_key == f"{d.code}:{event.id}"
    record = row.payload["HoSo"]
    assert record["MaHoSo"] == d.code and record["MaTTHC"] == world.procedure.code
    assert record["MaDonViTiepNhan"] == world.commune.code and record["TrangThaiHoSo"] == 4
    assert record["NgayTiepNhan"] == "20250303090000" and record["KenhThucHien"] == 1
    assert row.payload["TienDo"]["NoiDungXuLy"] == "Tiếp nhận hồ sơ"
    assert row.payload["TienDo"]["NguoiXuLy"] == "Nguyễn Thị Một Cửa"


def test_a_refused_or_rolled_back_action_leaves_no_row(db, world):
    d = receive(db, world)
    db.commit()
    before = len(rows(db))
    with pytest.raises(PermissionDenied):
        svc.finish(db, world.citizen, d, result_number="1", result_summary="x", at=MONDAY + timedelta(hours=1))
    assert len(rows(db)) == before
    receive(db, world, at=MONDAY + timedelta(hours=2))
    assert len(rows(db)) == before + 1
    db.rollback()  # the receipt is undone: its row with it
    assert len(rows(db)) == before


def test_internal_steps_write_no_row_status_changes_do(db, world):
    d = receive(db, world)
    svc.forward(db, world.specialist, d, note="Đủ điều kiện", at=MONDAY + timedelta(hours=1))  # internal: no row
    svc.finish(db, world.leader, d, result_number="15/GKS", result_summary="Giấy khai sinh",
               at=MONDAY + timedelta(hours=2))
    assert [r.action for r in rows(db, d)] == ["receive", "finish"]
    assert [r.payload["HoSo"]["TrangThaiHoSo"] for r in rows(db, d)] == [4, 9]
    assert rows(db, d)[1].payload["HoSo"]["NgayKetThucXuLy"] == "20250303110000"


def test_without_configuration_nothing_is_sent_and_the_refusal_is_in_vietnamese(db, world, monkeypatch):
    monkeypatch.delenv("CCHC_DVCQG_SYNC_URL", raising=False)
    monkeypatch.delenv("CCHC_DVCQG_SYNC_TOKEN", raising=False)
    receive(db, world)
    with pytest.raises(ValidationError, match="Chưa cấu hình đồng bộ với Cổng DVCQG: thiếu CCHC_DVCQG_SYNC_URL"):
        sync.send_pending(db)
    assert {r.state for r in rows(db)} == {PENDING}


def _burst(db, w, n=4):
    dossiers = []
    for i in range(n):
        d = receive(db, w, at=MONDAY + timedelta(minutes=i))
        svc.request_supplement(db, w.specialist, d, reason="Thiếu giấy tờ", at=MONDAY + timedelta(hours=1, minutes=i))
        svc.supplement(db, w.receiver, d, note="Đã bổ sung", at=MONDAY + timedelta(hours=2, minutes=i))
        dossiers.append(d)
    db.commit()
    return dossiers


def test_every_change_acknowledged_once_in_order_through_drops_errors_and_duplicates(db, world, configured):
    dossiers = _burst(db, world)
    total = len(rows(db))
    assert total == 12
    script = [DROP, "ok", FAIL, STORE_THEN_DROP, "ok", DROP, FAIL, "ok", STORE_THEN_DROP]
    with configured(Receiver(TOKEN, script)) as r:
        at = MONDAY + timedelta(days=1)
        first = sync.send_pending(db, at=at)
        assert first.failed > 0 and first.waiting > 0  # a dossier behind its failed row waits
        assert any("Không kết nối được Cổng DVCQG" in e for e in first.errors)
        assert any("HTTP 500" in e for e in first.errors)
        for _ in range(20):
            at += sync.BACKOFF_MAX
            if sync.send_pending(db, at=at).acknowledged == 0 and not db.scalar(
                    select(func.count()).where(OutboxRow.state == PENDING)):
                break
        assert r.invalid == []
        assert len(r.received) == total  # every change reached the portal once
        assert r.duplicates >= 1  # stored then the answer lost: the next attempt was a duplicate
        for d in dossiers:
            sent = [x.id for x in rows(db, d)]
            assert r.order[d.code] == sent  # in the dossier's order, each once
    done = rows(db)
    assert {x.state for x in done} == {ACKNOWLEDGED}
    assert {x.ack_status for x in done} == {ACCEPTED, DUPLICATE}
    assert all(x.portal_reference == f"DVCQG-{x.id}" and x.acknowledged_at is not None for x in done)
    assert db.scalar(select(func.count()).select_from(Dossier).where(Dossier.synced_dvcqg.is_(True))) == 4


def test_a_failing_row_is_stuck_with_its_reason_and_blocks_its_dossier(db, world, configured):
    with clock.frozen(MONDAY + timedelta(hours=3)):  # the rows are written at this moment
        d = receive(db, world)
        svc.request_supplement(db, world.specialist, d, reason="Thiếu giấy tờ", at=MONDAY + timedelta(hours=1))
        db.commit()
    at = MONDAY + timedelta(days=1)
    with configured(Receiver(TOKEN, [FAIL] * 10)):
        for _ in range(sync.STUCK_ATTEMPTS):
            sync.send_pending(db, at=at)
            at += sync.BACKOFF_MAX
    first, second = rows(db, d)
    assert (first.state, first.attempts) == (PENDING, sync.STUCK_ATTEMPTS)
    assert second.attempts == 0  # never sent before the first is acknowledged
    s = sync.status(db, at=at)
    assert (s["pending"], s["stuck"], s["failing"], s["acknowledged"]) == (2, 2, 1, 0)
    stuck = {x["id"]: x["reason"] for x in sync.stuck_rows(db, at=at)}
    assert "HTTP 500, mã lỗi 99: Lỗi máy chủ" in stuck[first.id]
    assert stuck[second.id] == f"Chờ bản ghi {first.id} của cùng hồ sơ được Cổng xác nhận trước (gửi theo thứ tự)."
    assert not db.get(Dossier, d.id).synced_dvcqg


def test_backoff_doubles_up_to_an_hour():
    assert [sync.backoff(n).total_seconds() for n in (1, 2, 3, 4, 12)] == [30, 60, 120, 240, 3600]
