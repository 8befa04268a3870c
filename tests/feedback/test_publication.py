"""A PAKN reaches publication whatever kind of unit of the demo province it is sent to (issue 16 item 2).

PAKN about a dossier go to where the dossier was received: a service centre (Bộ phận Một cửa, Trung tâm
PVHCC) whose only account is the receiving officer. Its commune, district or the body it belongs to
answers and publishes; an officer of another unit is still refused, in Vietnamese, and every step is audited.
"""

from __future__ import annotations

import random
from datetime import date, datetime

import pytest
from sqlalchemy import select

from cchc import clock
from cchc.audit.models import AuditEntry
from cchc.errors import PermissionDenied
from cchc.feedback import service
from cchc.feedback.enums import FeedbackState
from cchc.feedback.models import Feedback
from cchc.synth.catalog import load_catalog
from cchc.synth.province import build_province

NOW = datetime(2026, 11, 20, 10, 0)


@pytest.fixture
def province(db):
    with clock.frozen(NOW):
        prov = build_province(db, load_catalog(), random.Random(3), province_code="44", today=date(2026, 11, 20),
                              max_communes=2, citizens=2)
        db.flush()
        yield prov


def walk_to_publication(db, unit, handler, publisher, sender):
    """Receive a PAKN from the portal at `unit`, answer it as `handler`, publish it as `publisher`."""
    f = service.receive(db, sender, unit_id=unit.id, content="Hồ sơ trễ hẹn, chưa được thông báo xin lỗi.",
                        category="quy_dinh_tthc", channel="cong_dvc", sender_name=sender.full_name,
                        received_at=datetime(2026, 11, 18, 9, 0))
    service.accept(db, handler, f, at=datetime(2026, 11, 18, 10, 0))
    service.answer(db, handler, f, "Đã kiểm tra và xin lỗi công dân.", at=datetime(2026, 11, 19, 9, 0))
    assert f.state == FeedbackState.READY
    service.publish(db, publisher, f, at=datetime(2026, 11, 19, 15, 0))
    assert f.state == FeedbackState.PUBLISHED and f.published_on_time
    return f


def test_every_kind_of_unit_publishes(db, province):
    p = province
    sender = p.citizens[0]
    commune = p.communes[0]  # Trung tâm PVHCC of a new commune: its commune handles and publishes
    legacy_commune = p.legacy_communes[0]  # Bộ phận Một cửa of a commune before 1/7/2025
    district = p.districts[0]  # Bộ phận Một cửa of a district before 1/7/2025
    agency = p.agencies["stp"]  # Sở Tư pháp: everyone attached to the agency itself
    centre = next(u for u in p.units if u.kind == "trung_tam_hcc" and u.level == "tinh")  # Trung tâm PVHCC tỉnh
    centre_leader = next(u for u in db.scalars(select(type(sender)).where(type(sender).unit_id == centre.id))
                         if u.role == "lanh_dao")
    office_leader = next(u for u in db.scalars(select(type(sender)).where(type(sender).unit_id == centre.parent_id))
                         if u.role == "lanh_dao")  # Văn phòng UBND tỉnh, which the centre belongs to
    # the leaders sit above the centres they publish for (the defect: the same unit was required)
    assert commune.leaders[0].unit_id == commune.handler_unit.id != commune.unit.id
    assert office_leader.unit_id == centre.parent_id != centre.id
    cases = [
        (commune.unit, commune.specialists[0], commune.leaders[0]),
        (commune.unit, commune.receiving[0], commune.admins[0]),
        (legacy_commune.unit, legacy_commune.specialists[0], legacy_commune.leaders[0]),
        (district.unit, district.specialists[0], district.leaders[0]),
        (commune.handler_unit, commune.specialists[0], commune.leaders[0]),
        (agency.unit, agency.specialists[0], agency.leaders[0]),
        (centre, centre_leader, centre_leader),
        (centre, office_leader, office_leader),
    ]
    for unit, handler, publisher in cases:
        f = walk_to_publication(db, unit, handler, publisher, sender)
        published = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "feedback", AuditEntry.object_id == str(f.id))).all()
        assert any("da_cong_khai" in e.after for e in published), unit.name


def test_outsiders_are_refused(db, province):
    p = province
    sender = p.citizens[0]
    commune, other = p.communes[0], p.communes[1]
    f = service.receive(db, sender, unit_id=commune.unit.id, content="Chậm trả kết quả.", category="quy_dinh_tthc",
                        channel="cong_dvc", sender_name=sender.full_name, received_at=datetime(2026, 11, 18, 9, 0))
    for outsider in (other.specialists[0], other.receiving[0], p.agencies["stp"].specialists[0]):
        with pytest.raises(PermissionDenied, match="không có quyền nhận xử lý PAKN"):
            service.accept(db, outsider, f, at=datetime(2026, 11, 18, 10, 0))
    service.accept(db, commune.specialists[0], f, at=datetime(2026, 11, 18, 10, 0))
    service.answer(db, commune.specialists[0], f, "Đã trả lời.", at=datetime(2026, 11, 19, 9, 0))
    for outsider in (other.leaders[0], commune.specialists[0], p.agencies["stp"].leaders[0]):
        with pytest.raises(PermissionDenied, match="không có quyền công khai PAKN"):
            service.publish(db, outsider, f, at=datetime(2026, 11, 19, 15, 0))
    assert db.get(Feedback, f.id).state == FeedbackState.READY
    assert service.allowed_actions(commune.leaders[0], f, at=datetime(2026, 11, 19, 15, 0)) == ["publish"]
    assert service.allowed_actions(other.leaders[0], f, at=datetime(2026, 11, 19, 15, 0)) == []


def test_through_the_pages(client, committed):
    """A citizen sends a PAKN about a dossier received by a commune's centre; the commune's specialist answers and
    its leader publishes it from the officer's page; the answer is then public."""
    from cchc.auth.passwords import hash_password
    from cchc.db import session_factory
    from tests.web.test_citizen import as_page_user
    from tests.webclient import PASSWORD, csrf_from

    with session_factory()() as s:
        prov = build_province(s, load_catalog(), random.Random(3), province_code="44", today=date(2026, 11, 20),
                              max_communes=2, citizens=1)
        commune = prov.communes[0]
        people = {"citizen": prov.citizens[0], "specialist": commune.specialists[0], "leader": commune.leaders[0],
                  "outsider": prov.communes[1].leaders[0]}
        for user in people.values():
            user.password_hash = hash_password(PASSWORD)
        f = service.receive(s, people["citizen"], unit_id=commune.unit.id, content="Hồ sơ trễ hẹn.", category="quy_dinh_tthc",
                            channel="cong_dvc", sender_name=people["citizen"].full_name)
        s.commit()
        code, names = f.code, {k: u.username for k, u in people.items()}

    def act(who, action, **data):
        as_page_user(client, names[who])
        page = client.get(f"/can-bo/phan-anh/{code}")
        return page, client.post(f"/can-bo/phan-anh/{code}/thao-tac/{action}", data={"csrf_token": csrf_from(page.text), **data},
                                 follow_redirects=False)

    assert act("specialist", "accept")[1].status_code == 303
    assert act("specialist", "answer", answer="Đã xin lỗi công dân và trả kết quả.")[1].status_code == 303
    page, refused = act("outsider", "publish")
    assert page.status_code == 403 and refused.status_code == 403 and "không thuộc đơn vị của bạn" in refused.text
    page, published = act("leader", "publish")
    assert "Công khai kết quả" in page.text and published.status_code == 303
    client.cookies.clear()
    public = client.get(f"/phan-anh/{code}")
    assert public.status_code == 200 and "Đã xin lỗi công dân và trả kết quả." in public.text
