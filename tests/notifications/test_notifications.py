"""Notifications: written in the action's transaction, delivered after commit — e-mail to a real SMTP server
(aiosmtpd), SMS and Zalo to a local HTTP receiver — once, whatever the retries; every message recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cchc import clock
from cchc.dossiers import service as svc
from cchc.dossiers.enums import Channel
from cchc.errors import CchcError, FieldErrors
from cchc.jobs import registry
from cchc.notifications import background  # noqa: F401 — registers the jobs
from cchc.notifications import service as notes
from cchc.notifications.channels import DeliveryFailed
from cchc.notifications.models import FAILED, SENT, WAITING, Notification
from tests.dossiers.factories import APPLICANT, MONDAY


def receive(db, w, **kw):
    return svc.receive(db, w.receiver, procedure=w.procedure, unit=w.commune, channel=Channel.DIRECT,
                       applicant=APPLICANT, at=clock.now(), owner=kw.pop("owner", w.citizen), **kw)


def messages(db, **where):
    q = select(Notification).order_by(Notification.id)
    for key, value in where.items():
        q = q.where(getattr(Notification, key) == value)
    return list(db.scalars(q))


def test_a_receipt_writes_its_message_in_vietnamese(db, world, monday, smtp_server):
    d = receive(db, world)
    [note] = messages(db, dossier_id=d.id)
    assert (note.channel, note.address, note.state, note.attempts) == ("email", "an@example.vn", WAITING, 0)
    assert note.template == "dossier_received"
    assert note.subject == f"Hồ sơ {d.code} đã được tiếp nhận"
    assert "Đăng ký khai sinh" in note.body and "Xã Mỹ An Hưng" in note.body
    assert "tiếp nhận ngày 3/3/2025" in note.body
    assert f"Ngày hẹn trả kết quả: {d.due_at.day}/{d.due_at.month}/{d.due_at.year}." in note.body
    assert f"https://dichvucong.dongthap.gov.vn/tra-cuu?ma={d.code}" in note.body


def test_email_arrives_at_a_real_smtp_server_once(db, world, monday, smtp_server):
    d = receive(db, world)
    db.commit()
    assert notes.deliver_pending(db) == {SENT: 1}
    assert notes.deliver_pending(db) == {}  # nothing waits any more
    [note] = messages(db, dossier_id=d.id)
    assert notes.deliver(db, note.id) == SENT  # delivering again sends nothing
    assert len(smtp_server.messages) == 1
    sender, recipients, mail = smtp_server.messages[0]
    assert sender == "motcua@dongthap.gov.vn" and recipients == ["an@example.vn"]
    assert mail["Subject"] == f"Hồ sơ {d.code} đã được tiếp nhận"
    assert mail["From"].addresses[0].display_name == "Hệ thống một cửa"
    assert mail["To"] == "an@example.vn"
    assert mail["X-CCHC-Notification"] == str(note.id)
    assert mail.get_content_charset() == "utf-8"
    text = mail.get_content()
    assert "Kính gửi Nguyễn Văn An," in text and "(Đăng ký khai sinh)" in text
    db.refresh(note)
    assert (note.state, note.attempts, note.last_error) == (SENT, 1, "")
    assert note.sent_at == MONDAY and note.provider_ref == mail["Message-ID"]


def test_the_queued_job_delivers_the_committed_messages(db, world, monday, smtp_server):
    d = receive(db, world)
    db.commit()
    [note] = messages(db, dossier_id=d.id)
    registry.spec(notes.DELIVER_JOB).func(db, notification_ids=[note.id])
    registry.spec(notes.DELIVER_JOB).func(db, notification_ids=[note.id])
    assert len(smtp_server.messages) == 1
    assert registry.spec("notifications.deliver_pending").cron is not None


def test_the_delivery_job_is_queued_after_commit_only(db, world, monday, test_queue):
    d = receive(db, world)
    assert test_queue.pending_count() == 0  # not before the action commits
    db.commit()
    [note] = messages(db, dossier_id=d.id)
    [task] = test_queue.pending()
    assert task.name == notes.DELIVER_JOB and task.kwargs["notification_ids"] == [note.id]
    receive(db, world)
    db.rollback()
    assert test_queue.pending_count() == 1  # a rolled-back action queues nothing


def test_the_citizens_choice_sms_and_email(db, world, monday, provider):
    world.citizen.email, world.citizen.phone = "an.nguyen@example.vn", "0912345678"
    notes.set_preference(db, world.citizen, email=True, phone_channel="sms")
    d = receive(db, world)
    by_channel = {n.channel: n for n in messages(db, dossier_id=d.id)}
    assert set(by_channel) == {"email", "sms"}
    assert by_channel["email"].address == "an.nguyen@example.vn"
    sms = by_channel["sms"]
    assert sms.address == "0912345678"
    assert sms.body.startswith(f"Hồ sơ {d.code} đã được tiếp nhận ngày 3/3/2025, hẹn trả ")
    db.commit()
    assert notes.deliver(db, sms.id) == SENT
    [(path, headers, body)] = provider.received
    assert path == "/sms" and headers["Authorization"] == "Bearer sms-secret"
    assert body["phone"] == "0912345678" and body["text"] == sms.body and body["tracking_id"] == str(sms.id)
    db.refresh(sms)
    assert sms.provider_ref == "MSG-1"


def test_a_provider_error_is_retried_with_back_off_then_sent(db, world, monday, provider):
    world.citizen.phone = "0912345678"
    notes.set_preference(db, world.citizen, email=False, phone_channel="zalo")
    d = receive(db, world)
    [zns] = messages(db, dossier_id=d.id)
    assert zns.channel == "zalo"
    db.commit()
    provider.script = [(500, {"error": "Máy chủ bận"})]
    with pytest.raises(DeliveryFailed):  # the queue retries the job
        notes.deliver(db, zns.id)
    db.refresh(zns)
    assert (zns.state, zns.attempts) == (WAITING, 1)
    assert "500" in zns.last_error and "Máy chủ bận" in zns.last_error
    assert notes.deliver_pending(db) == {}  # held during its back-off: the periodic pass does not hurry it
    with clock.frozen(MONDAY + notes.RETRY_AFTER):
        assert notes.deliver_pending(db) == {SENT: 1}
    db.refresh(zns)
    assert (zns.state, zns.attempts, zns.last_error, zns.provider_ref) == (SENT, 2, "", "MSG-2")
    assert [p for p, _, _ in provider.received] == ["/zns", "/zns"]
    assert provider.received[1][1]["Authorization"] == "Bearer zalo-secret"
    assert provider.received[1][2]["data"]["code"] == d.code and provider.received[1][2]["template"] == "dossier_received"


def test_a_permanent_refusal_is_recorded_with_its_reason(db, world, monday, provider):
    world.citizen.phone = "0999"
    notes.set_preference(db, world.citizen, email=False, phone_channel="sms")
    d = receive(db, world)
    [sms] = messages(db, dossier_id=d.id)
    db.commit()
    provider.script = [(400, {"error": "Số điện thoại không hợp lệ"})]
    assert notes.deliver(db, sms.id) == FAILED
    assert notes.deliver_pending(db) == {} and notes.deliver(db, sms.id) == FAILED
    db.refresh(sms)
    assert sms.state == FAILED and sms.attempts == 1 and sms.sent_at is None
    assert "400" in sms.last_error and "Số điện thoại không hợp lệ" in sms.last_error
    assert len(provider.received) == 1


def test_a_channel_without_settings_keeps_its_messages_waiting(db, world, monday):
    d = receive(db, world)
    db.commit()
    [note] = messages(db, dossier_id=d.id)
    assert notes.deliver(db, note.id) == WAITING
    db.refresh(note)
    assert note.attempts == 0 and "CCHC_SMTP_HOST" in note.last_error
    assert notes.deliver_pending(db) == {}  # the periodic pass leaves it for when the channel is configured


def test_a_refused_or_rolled_back_action_leaves_no_message(db, world, monday):
    d = receive(db, world)
    db.commit()
    svc.request_supplement(db, world.specialist, d, reason="Thiếu bản sao giấy chứng sinh")
    [asked] = messages(db, template="dossier_supplement")
    assert "Thiếu bản sao giấy chứng sinh" in asked.body and asked.subject == f"Hồ sơ {d.code} cần bổ sung"
    db.commit()
    with pytest.raises(CchcError):  # a supplement is requested once only
        svc.request_supplement(db, world.specialist, d, reason="Lần nữa")
    db.rollback()
    assert len(messages(db, template="dossier_supplement")) == 1
    before = db.scalar(select(func.count()).select_from(Notification))
    svc.refuse(db, world.leader, d, reason="Không đủ điều kiện")
    assert len(messages(db, template="dossier_refused")) == 1
    db.rollback()  # the action's transaction rolls back: its message goes with it
    assert db.scalar(select(func.count()).select_from(Notification)) == before


def test_the_past_replayed_tells_nobody(db, world, monday):
    svc.receive(db, world.receiver, procedure=world.procedure, unit=world.commune, channel=Channel.DIRECT,
                applicant=APPLICANT, at=MONDAY - timedelta(days=10), owner=world.citizen)
    assert messages(db) == []


def test_refusals_of_a_choice_name_the_field(db, world):
    with pytest.raises(FieldErrors) as info:
        notes.set_preference(db, world.citizen, email=True, phone_channel="")
    assert "thư điện tử" in info.value.errors["email"]
    with pytest.raises(FieldErrors) as info:
        notes.set_preference(db, world.citizen, email=False, phone_channel="fax")
    assert "SMS, Zalo" in info.value.errors["phone_channel"]


def test_officers_are_told_of_a_step_due_within_a_day_once(db, world, monday):
    world.specialist.email = "chuyen@dongthap.gov.vn"
    d = receive(db, world)
    svc.assign(db, world.leader, d, world.specialist, at=clock.now())
    db.flush()
    due = d.current_step_due_at
    assert due is not None and d.current_assignee_id == world.specialist.id
    with clock.frozen(due - notes.STEP_NOTICE - timedelta(minutes=1)):
        assert notes.announce_step_deadlines(db) == 0  # not yet within a day
    with clock.frozen(due - timedelta(hours=2)):
        assert notes.announce_step_deadlines(db) == 1
        assert notes.announce_step_deadlines(db) == 0  # once per step and deadline
    [note] = messages(db, template="step_deadline")
    assert (note.user_id, note.address, note.channel) == (world.specialist.id, "chuyen@dongthap.gov.vn", "email")
    assert note.subject == f"Hồ sơ {d.code}: bước «Thẩm định hồ sơ» sắp đến hạn {due.day}/{due.month}/{due.year} {due:%H:%M}"
    assert "Kính gửi Trần Văn Chuyên," in note.body


def _certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1, made with `cryptography`."""
    from datetime import datetime as dt, timezone
    from ipaddress import ip_address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_starttls_verifies_the_server_and_sends(db, world, monday, tmp_path, monkeypatch):
    import dataclasses
    import socket
    import ssl

    from aiosmtpd.controller import Controller

    from cchc import config
    from cchc.notifications import smtp
    from tests.notifications.conftest import Inbox

    cert_file, key_file = _certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=server_tls, require_starttls=True)
    controller.start()
    try:
        monkeypatch.setattr(config, "settings", dataclasses.replace(
            config.settings, smtp_host="127.0.0.1", smtp_port=port, smtp_from="motcua@dongthap.gov.vn", smtp_starttls=True))
        d = receive(db, world)
        db.commit()
        [note] = messages(db, dossier_id=d.id)
        with pytest.raises(DeliveryFailed, match="CERTIFICATE_VERIFY_FAILED"):  # a certificate nobody vouches for
            notes.deliver(db, note.id)
        assert inbox.messages == []

        def trusting():
            context = ssl.create_default_context()
            context.load_verify_locations(cert_file)
            return context

        monkeypatch.setattr(smtp, "tls_context", trusting)
        with clock.frozen(MONDAY + notes.RETRY_AFTER):
            assert notes.deliver(db, note.id) == SENT
        [(_, _, mail)] = inbox.messages
        assert mail["Subject"] == f"Hồ sơ {d.code} đã được tiếp nhận"
    finally:
        controller.stop()
