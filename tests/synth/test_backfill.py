"""The bulk backfill writes what the service functions write: the same plans played both ways give the
same rows, column for column (ids and wall-clock created_at / updated_at aside)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import pytest
from sqlalchemy import delete, func, select

from cchc.dossiers.backfill import Backfill
from cchc.dossiers.models import Dossier, DossierComponent, DossierCounter, DossierEvent, DossierFile, DossierStep
from cchc.dossiers.transitions import ACTION_LABELS
from cchc.errors import InvalidTransition
from cchc.feedback.models import Feedback, FeedbackEvent
from cchc.ratings.models import Rating
from cchc.stats import daily
from cchc.stats.models import DossierDayCount
from cchc.synth.generator import DemoOptions, run_demo
from tests.synth.conftest import OPTIONS

WALL_CLOCK = {"id", "dossier_id", "created_at", "updated_at"}


def _columns(model) -> list:
    return [c for c in model.__table__.columns if c.name not in WALL_CLOCK]


def _children(session, model, order) -> dict[str, list[tuple]]:
    cols = _columns(model)
    out: dict[str, list[tuple]] = defaultdict(list)
    for code, *values in session.execute(
        select(Dossier.code, *cols).join(model, model.dossier_id == Dossier.id).order_by(Dossier.code, *order)
    ):
        out[code].append(tuple(values))
    return dict(out)


def _everything(session) -> dict:
    cols = _columns(Dossier)
    dossiers = {row[0]: dict(zip([c.name for c in cols], row[1:], strict=True))
                for row in session.execute(select(Dossier.code, *cols))}
    return {
        "dossiers": dossiers,
        "steps": _children(session, DossierStep, [DossierStep.id]),
        "events": _children(session, DossierEvent, [DossierEvent.id]),
        "components": _children(session, DossierComponent, [DossierComponent.seq]),
        "files": _children(session, DossierFile, [DossierFile.id]),
        "ratings": _children(session, Rating, []),
        "counters": sorted(tuple(r) for r in session.execute(select(DossierCounter.unit_code, DossierCounter.day, DossierCounter.last_seq))),
        "day_counts": _day_counts(session),
    }


def _day_counts(session) -> list[tuple]:
    """The per-unit, per-day counts the triggers on `dossiers` keep (rows of zeros left by deletions aside)."""
    cols = list(DossierDayCount.__table__.columns)
    counts = [c for c in cols if not c.primary_key]
    rows = session.execute(select(*cols).order_by(*(c for c in cols if c.primary_key))).all()
    return [tuple(r) for r in rows if any(getattr(r, c.name) for c in counts)]


def _empty(session) -> None:
    for model in (Rating, FeedbackEvent, Feedback, DossierFile, DossierEvent, DossierStep, DossierComponent, DossierCounter):
        session.execute(delete(model))
    session.execute(delete(Dossier))
    session.execute(delete(DossierDayCount))
    session.commit()
    session.expunge_all()


def _play(session, via_service: int | None) -> dict:
    _empty(session)
    run_demo(session, DemoOptions(**{**OPTIONS, "via_service": via_service}))
    return _everything(session)


def _first_difference(a: dict, b: dict) -> str:
    for part in a:
        if a[part] == b[part]:
            continue
        if isinstance(a[part], dict):
            for key in sorted(set(a[part]) | set(b[part])):
                if a[part].get(key) != b[part].get(key):
                    return f"{part} {key}: {a[part].get(key)!r} != {b[part].get(key)!r}"
        return f"{part}: {a[part]!r} != {b[part]!r}"
    return ""


def test_bulk_rows_are_the_rows_of_the_service(demo):
    _, session = demo
    service = _play(session, None)  # every dossier through cchc.dossiers.service
    bulk = _play(session, 0)  # every dossier through cchc.dossiers.backfill
    mixed = _play(session, OPTIONS["dossiers"] // 3)  # the first third through the service, as `cchc demo` does
    assert len(service["dossiers"]) == OPTIONS["dossiers"]
    assert _first_difference(service, bulk) == ""
    assert _first_difference(service, mixed) == ""
    assert service == bulk == mixed
    # the comparison covered every kind of story
    stories = {e[_columns(DossierEvent).index(DossierEvent.__table__.c.action)] for events in bulk["events"].values() for e in events}
    assert {"receive", "submit_online", "accept", "reject_submission", "assign", "forward", "send_back", "request_supplement",
            "supplement", "apologize", "refuse", "withdraw", "stop", "request_financial", "record_payment", "finish",
            "return_result", "mark_digitized", "attach_file"} <= stories
    # the bulk path played every action of the state machine, and only those — but signing: the demo holds no
    # leader's key (a result is signed only by a key and a verified signature, cchc.signatures)
    assert stories == set(ACTION_LABELS) - {"sign_result"}
    assert bulk["files"] and bulk["ratings"]
    # the triggers counted the bulk inserts as they counted the service's inserts and updates, as a rebuild does
    assert bulk["day_counts"]
    daily.rebuild(session.connection())
    assert _day_counts(session) == bulk["day_counts"]
    session.rollback()
    # The demo fixture is left as it was built (same options, same seed).
    _play(session, OPTIONS.get("via_service", DemoOptions.via_service))


def test_later_receipts_continue_the_daily_numbering(demo):
    """The counters written by the backfill are those the service reads: no code is given twice."""
    _, session = demo
    last = session.execute(
        select(DossierCounter.unit_code, DossierCounter.day, DossierCounter.last_seq).order_by(DossierCounter.last_seq.desc()).limit(1)
    ).one()
    codes = session.scalar(select(func.count()).select_from(Dossier).where(Dossier.code.like(f"{last.unit_code}-{last.day:%y%m%d}-%")))
    assert codes == last.last_seq
    from cchc.dossiers.service import next_sequence

    assert next_sequence(session, last.unit_code, last.day) == last.last_seq + 1
    session.rollback()


def test_states_are_checked_as_in_the_service(demo):
    _, session = demo
    dossier = session.scalar(select(Dossier).where(Dossier.state == "da_tra_ket_qua").limit(1))
    bulk = Backfill(session)
    from cchc.dossiers.backfill import Draft

    draft = Draft({c.name: getattr(dossier, c.name) for c in Dossier.__table__.columns if c.name != "id"})
    with pytest.raises(InvalidTransition, match="Đã trả kết quả"):
        bulk.request_supplement(None, draft, "Thiếu giấy tờ.", at=datetime(2026, 11, 19, 9, 0))
    assert bulk.pending == []
