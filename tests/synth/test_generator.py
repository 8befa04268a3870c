"""The demo generator: every state, a realistic mix, real events, legacy vs new units, determinism."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import case, delete, func, select

from cchc.auth.models import User
from cchc.dossiers.enums import State
from cchc.dossiers.models import Dossier, DossierCounter, DossierEvent, DossierFile, DossierStep
from cchc.feedback.models import Feedback, FeedbackEvent
from cchc.ratings.models import Rating
from cchc.synth.generator import DemoOptions, run_demo
from cchc.units.enums import TWO_TIER_FROM
from cchc.units.models import Unit
from tests.synth.conftest import OPTIONS, TODAY


def _snapshot(session) -> tuple:
    rows = session.execute(
        select(Dossier.code, Dossier.state, Dossier.timeliness, Dossier.channel, Dossier.received_at, Dossier.due_at,
               Dossier.ended_at, Dossier.applicant_name, Dossier.fee_paid, Dossier.paid_online)
        .order_by(Dossier.code)
    ).all()
    events = session.execute(
        select(Dossier.code, func.count(DossierEvent.id)).join(DossierEvent, DossierEvent.dossier_id == Dossier.id)
        .group_by(Dossier.code).order_by(Dossier.code)
    ).all()
    feedback = session.execute(select(Feedback.code, Feedback.state).order_by(Feedback.code)).all()
    return [tuple(r) for r in rows], [tuple(r) for r in events], [tuple(r) for r in feedback]


def test_every_state_the_engine_produces_is_present(demo):
    result, session = demo
    states = dict(session.execute(select(Dossier.state, func.count()).group_by(Dossier.state)).all())
    expected = set(State) - {State.RECEIVED}  # receipt goes straight to «Đang xử lý»
    assert {State(s) for s in states} == expected
    assert sum(states.values()) == 300 == result.dossiers
    assert result.summary["by_state"] == states


def test_every_dossier_has_events_and_a_step(demo):
    _, session = demo
    without_events = session.scalar(
        select(func.count()).select_from(Dossier).where(~Dossier.events.any())
    )
    without_steps = session.scalar(select(func.count()).select_from(Dossier).where(~Dossier.steps.any()))
    assert without_events == 0
    assert without_steps == 0
    first = dict(session.execute(
        select(DossierEvent.action, func.count()).where(DossierEvent.from_state.is_(None)).group_by(DossierEvent.action)
    ).all())
    assert set(first) == {"receive", "submit_online"}
    assert sum(first.values()) == 300


def test_mix_resembles_the_seeds(demo):
    result, session = demo
    s = result.summary
    total = s["dossiers"]
    online = s["by_channel"].get(2, 0)
    assert 0.35 * total <= online <= 0.65 * total
    assert s["by_channel"].get(3, 0) <= 0.05 * total
    # commune level dominates, as in seed 001 (21.275 xã vs 1.043 huyện)
    received = sum(s["by_level"].values())
    assert s["by_level"]["xa"] > 0.55 * received
    assert s["by_level"]["xa"] > 5 * s["by_level"].get("huyen", 0)
    assert 95.0 <= s["on_time_rate"] < 100.0
    t = s["timeliness"]
    assert t["truoc_han"] > t["dung_han"] > t["qua_han"] > 0  # early most common
    supplements = session.scalar(select(func.count()).select_from(Dossier).where(Dossier.supplement_count > 0))
    assert 1 <= supplements <= 0.15 * total
    assert 85.0 <= s["digitized_rate"] <= 100.0
    vneid = session.scalar(select(func.count()).select_from(Dossier).where(Dossier.channel == 2, Dossier.vneid_verified.is_(True)))
    assert 0.5 * online <= vneid <= 0.9 * online
    owned = session.scalar(select(func.count()).select_from(Dossier).where(Dossier.owner_user_id.is_not(None)))
    assert 0 < owned < online
    fee_paid = session.execute(
        select(func.count(), func.sum(case((Dossier.paid_online > 0, 1), else_=0)))
        .where(Dossier.fee_paid.is_(True))
    ).one()
    assert fee_paid[0] > 0 and 0.3 * fee_paid[0] <= fee_paid[1] <= 0.9 * fee_paid[0]
    assert s["open_overdue"] >= 1 and s["open_within"] >= 1
    assert s["ratings"] > 0


def test_actions_are_dated_in_office_hours_on_working_days(demo):
    _, session = demo
    from cchc.calendar.service import session_calendar as calendar

    cal = calendar(session)
    rows = session.execute(
        select(DossierEvent.action, DossierEvent.at, User.role).outerjoin(User, User.id == DossierEvent.actor_id)
    ).all()
    assert rows
    now = datetime.combine(TODAY, time(0, 0))
    officers = 0
    for action, at, role in rows:
        assert at < now
        if role in (None, "cong_dan"):
            continue  # citizens (and DVCQG) file and pay online at any hour
        officers += 1
        assert cal.is_working_day(at.date()), (action, at)
        assert any(start <= at.time() <= end for start, end in cal.sessions), (action, at)
    assert officers > len(rows) / 2
    first = session.scalar(select(func.min(Dossier.submitted_at)))
    assert first.date() >= date(2024, 11, 20)


def test_legacy_units_before_the_reform_and_new_communes_after(demo):
    _, session = demo
    rows = session.execute(
        select(Dossier.received_at, Dossier.level, Unit.valid_from, Unit.valid_to)
        .join(Unit, Unit.id == Dossier.unit_id).where(Dossier.received_at.is_not(None))
    ).all()
    before = [r for r in rows if r.received_at.date() < TWO_TIER_FROM]
    after = [r for r in rows if r.received_at.date() >= TWO_TIER_FROM]
    assert before and after
    for r in before:
        if r.level != "tinh":
            assert r.valid_to is not None and r.valid_to < TWO_TIER_FROM
    assert any(r.level == "huyen" for r in before)
    for r in after:
        assert r.level != "huyen"
        if r.level == "xa":
            assert r.valid_from == TWO_TIER_FROM


def test_same_seed_gives_the_same_codes_and_figures(demo, engine):
    result, session = demo
    first = _snapshot(session)
    assert first[0][0][0].count("-") == 2  # <unit code>-YYMMDD-XXXX
    # Empty the dossiers (keep the province: building it is idempotent) and play the same seed again.
    for model in (Rating, FeedbackEvent, Feedback, DossierFile, DossierEvent, DossierStep, DossierCounter):
        session.execute(delete(model))
    session.execute(delete(Dossier))
    session.commit()
    session.expunge_all()
    again = run_demo(session, DemoOptions(**OPTIONS))
    assert _snapshot(session) == first
    assert again.summary["timeliness"] == result.summary["timeliness"]
    assert again.summary["by_state"] == result.summary["by_state"]
