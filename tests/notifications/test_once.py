"""Sent once: several workers (threads with sessions of their own, on the committed database) reach the same
messages at the same time — the job queued after commit and the periodic passes — and each message arrives once."""

from __future__ import annotations

import threading

from sqlalchemy import select

from cchc import clock
from cchc.db import session_factory
from cchc.dossiers import service as svc
from cchc.dossiers.enums import Channel
from cchc.notifications import service as notes
from cchc.notifications.models import SENT, Notification
from tests.dossiers.factories import APPLICANT, MONDAY, make_world


def test_racing_workers_send_each_message_once(committed, smtp_server):
    with clock.frozen(MONDAY, tick=True):
        with session_factory()() as s:
            w = make_world(s)
            for n in range(6):
                svc.receive(s, w.receiver, procedure=w.procedure, unit=w.commune, channel=Channel.DIRECT,
                            applicant=APPLICANT | {"email": f"nguoi{n}@example.vn"}, at=clock.now())
            s.commit()
            ids = list(s.scalars(select(Notification.id).order_by(Notification.id)))
        assert len(ids) == 6
        errors: list[BaseException] = []
        start = threading.Barrier(4)

        def worker(kind: int) -> None:
            try:
                with session_factory()() as session:
                    start.wait()
                    if kind % 2:
                        notes.deliver_pending(session)
                    else:
                        notes.deliver_many(session, ids)
            except BaseException as exc:  # noqa: BLE001 — reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        with session_factory()() as s:
            states = s.execute(select(Notification.state, Notification.attempts)).all()
        assert states == [(SENT, 1)] * 6
        received = sorted(rcpt[0] for _, rcpt, _ in smtp_server.messages)
        assert received == sorted(f"nguoi{n}@example.vn" for n in range(6))
