"""The sender of a PAKN is told when it is answered and when the answer is published, on the channel their
contact gives (or their account's choice); other steps of a PAKN tell nobody."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from cchc import clock
from cchc.feedback import service
from cchc.feedback.enums import Category, Channel
from cchc.notifications import service as notes
from cchc.notifications.models import Notification
from tests.feedback.conftest import org  # noqa: F401 — the PAKN tests' unit and people
from tests.feedback.test_service import CAL

RECEIVED = datetime(2024, 4, 24, 9, 0)


def sent_for(db, fb):
    return list(db.scalars(select(Notification).where(Notification.feedback_id == fb.id).order_by(Notification.id)))


def test_the_sender_is_told_of_the_answer_and_its_publication(db, org):  # noqa: F811
    org.citizen.email, org.citizen.phone = "dan@example.vn", "0912345678"
    notes.set_preference(db, org.citizen, email=True, phone_channel="sms")
    with clock.frozen(datetime(2024, 4, 26, 9, 0)):
        fb = service.receive(db, org.citizen, unit_id=org.unit.id, content="Thủ tục yêu cầu giấy tờ không có trong quy định.",
                             category=Category.PROCEDURE_RULES, channel=Channel.PORTAL, sender_name="Nguyễn Văn Dân",
                             title="Giấy tờ thừa", received_at=RECEIVED, calendar=CAL)
        service.accept(db, org.receiving, fb, "Chuyển chuyên viên", at=datetime(2024, 4, 24, 10, 0))
        assert sent_for(db, fb) == []  # receipt and acceptance tell nobody
        service.answer(db, org.specialist, fb, "Giấy tờ đó không bắt buộc.", at=datetime(2024, 4, 25, 9, 0), calendar=CAL)
        service.publish(db, org.leader, fb, at=datetime(2024, 4, 26, 9, 0), calendar=CAL)
    rows = sent_for(db, fb)
    assert [(n.template, n.channel, n.address) for n in rows] == [
        ("feedback_answered", "email", "dan@example.vn"), ("feedback_answered", "sms", "0912345678"),
        ("feedback_published", "email", "dan@example.vn"), ("feedback_published", "sms", "0912345678"),
    ]
    assert rows[0].subject == f"Phản ánh, kiến nghị {fb.code} đã được trả lời"
    assert "«Giấy tờ thừa» đã được trả lời ngày 25/4/2024." in rows[0].body and f"/phan-anh/{fb.code}" in rows[0].body
    assert rows[3].body.startswith(f"PAKN {fb.code} đã được công khai.")


def test_an_anonymous_sender_is_told_at_the_address_they_gave(db, org):  # noqa: F811
    with clock.frozen(datetime(2024, 4, 25, 10, 0)):
        fb = service.receive(db, org.receiving, unit_id=org.unit.id, content="Đường vào trụ sở bị ngập.",
                             category=Category.PROCEDURE_RULES, channel=Channel.PORTAL, sender_name="Trần Thị Hoa",
                             sender_contact="hoa@example.vn", received_at=RECEIVED, calendar=CAL)
        service.accept(db, org.receiving, fb, "", at=datetime(2024, 4, 24, 10, 0))
        service.answer(db, org.specialist, fb, "Đã khơi thông.", at=datetime(2024, 4, 25, 9, 0), calendar=CAL)
    [note] = sent_for(db, fb)
    assert (note.channel, note.address, note.recipient_name, note.user_id) == ("email", "hoa@example.vn", "Trần Thị Hoa", None)
