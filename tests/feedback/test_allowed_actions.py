"""The actions a page offers on a PAKN are exactly those that would succeed: `service.allowed_actions`
runs the actions' own checks, and each action, tried in every state by every kind of user, succeeds
exactly when it is listed."""

from __future__ import annotations

from datetime import timedelta

from cchc import clock
from cchc.errors import CchcError
from cchc.feedback import service
from cchc.feedback.enums import FeedbackState
from tests.feedback.test_service import CAL, RECEIVED, new

NOW = RECEIVED + timedelta(days=10)
LATER = RECEIVED + timedelta(days=30)  # after NOW: a step stamped in the future, nothing may follow it now


def _try(db, actor, fb, name: str) -> bool:
    """Whether the action succeeds now (with valid text), rolled back either way."""
    text = "Nội dung đủ để thao tác."
    calls = {
        "accept": lambda: service.accept(db, actor, fb),
        "request_supplement": lambda: service.request_supplement(db, actor, fb, text, calendar=CAL),
        "refuse": lambda: service.refuse(db, actor, fb, text, calendar=CAL),
        "forward": lambda: service.forward(db, actor, fb, "Sở Tư pháp", calendar=CAL),
        "answer": lambda: service.answer(db, actor, fb, text, calendar=CAL),
        "publish": lambda: service.publish(db, actor, fb, calendar=CAL),
        "supplement": lambda: service.supplement(db, actor, fb, text, calendar=CAL),
    }
    savepoint = db.begin_nested()
    try:
        calls[name]()
        db.flush()
        return True
    except CchcError:
        return False
    finally:
        savepoint.rollback()
        db.refresh(fb)


def _one_in_each_state(db, org) -> list:
    at = RECEIVED + timedelta(hours=1)
    fresh = new(db, org)
    processing = new(db, org)
    service.accept(db, org.specialist, processing, at=at)
    waiting = new(db, org)
    service.request_supplement(db, org.specialist, waiting, "Bổ sung giấy tờ.", at=at, calendar=CAL)
    supplemented = new(db, org)
    service.request_supplement(db, org.specialist, supplemented, "Bổ sung giấy tờ.", at=at, calendar=CAL)
    service.supplement(db, org.citizen, supplemented, "Đã bổ sung.", at=at + timedelta(hours=2), calendar=CAL)
    refused = new(db, org)
    service.refuse(db, org.specialist, refused, "Không phải PAKN.", at=at, calendar=CAL)
    forwarded = new(db, org)
    service.forward(db, org.specialist, forwarded, "Sở Tư pháp", at=at, calendar=CAL)
    ready = new(db, org)
    service.answer(db, org.specialist, ready, "Trả lời.", at=at, calendar=CAL)
    published = new(db, org)
    service.answer(db, org.specialist, published, "Trả lời.", at=at, calendar=CAL)
    service.publish(db, org.leader, published, at=at + timedelta(hours=1), calendar=CAL)
    answered_later = new(db, org)
    service.answer(db, org.specialist, answered_later, "Trả lời.", at=LATER, calendar=CAL)
    db.flush()
    return [fresh, processing, waiting, supplemented, refused, forwarded, ready, published, answered_later]


def test_the_listed_actions_are_those_that_succeed(db, org):
    people = [None, org.receiving, org.specialist, org.leader, org.unit_admin, org.reporting, org.system_admin,
              org.citizen, org.citizen2, org.outsider]
    offered = set()
    with clock.frozen(NOW):
        items = _one_in_each_state(db, org)
        assert {FeedbackState(f.state) for f in items} == set(FeedbackState)
        for fb in items:
            for actor in people:
                allowed = service.allowed_actions(actor, fb)
                succeeded = [name for name in ("accept", "request_supplement", "refuse", "forward", "answer", "publish",
                                               "supplement") if _try(db, actor, fb, name)]
                assert allowed == succeeded, (fb.state, actor and actor.username)
                offered.update(allowed)
    assert offered == {"accept", "request_supplement", "refuse", "forward", "answer", "publish", "supplement"}


def test_an_answer_stamped_later_than_now_cannot_be_published_before_it(db, org):
    with clock.frozen(NOW):
        fb = new(db, org)
        service.answer(db, org.specialist, fb, "Trả lời.", at=LATER, calendar=CAL)
        assert service.allowed_actions(org.leader, fb) == []
        assert service.allowed_actions(org.leader, fb, at=LATER + timedelta(hours=1)) == ["publish"]
