"""Every state change of a report sent up, the refusals (nothing changes), deadlines and reminders."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from cchc.errors import ImportRejected, InvalidTransition, PermissionDenied, ValidationError
from cchc.periods import resolve_period
from cchc.reform import lock
from cchc.reform import service as reform
from cchc.reform.models import Submission
from cchc.submissions import service
from cchc.submissions.models import Reminder, SubmissionEvent
from tests.submissions.conftest import PERIOD, filled_xlsx, huyen_values

ON_TIME = datetime(2024, 6, 20, 16, 0)
LATE = datetime(2024, 6, 21, 8, 0)


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_deadline_is_the_20th_of_the_last_month_and_configurable(monkeypatch):
    assert service.deadline_for(resolve_period("2025-Q3")) == date(2025, 9, 20)
    assert service.deadline_for(PERIOD) == date(2024, 6, 20)
    rules = {"default": {"day": 31, "months_after": 1}, "presets": {}}
    monkeypatch.setattr(service, "deadline_rules", lambda: rules)
    assert service.deadline_for(resolve_period("2025-Q3")) == date(2025, 10, 31)
    assert service.deadline_for(resolve_period("2025-Q4")) == date(2026, 1, 31)


def test_cchc_unit_draft_submit_accept_then_read_only(db, world):
    w = world
    leader = w.leaders[w.so_tp.id]
    sub = service.prepare_from_cchc(db, leader, w.so_tp, PERIOD, now=datetime(2024, 6, 17, 9))
    assert sub.state == "draft" and sub.source == "cchc" and service.read_file(sub)[:2] == b"PK"
    assert sub.figures["figures"]["dossiers"]["by_level"]["tinh"]["resolved_total"] == 7
    assert isinstance(sub.problems, list)  # cchc.verify ran on the DOCX; its findings are stored
    sub = service.submit(db, leader, w.so_tp, PERIOD, acknowledge=True, now=ON_TIME)
    assert sub.state == "submitted" and not sub.late and sub.submitted_by == leader.username
    with pytest.raises(InvalidTransition):
        service.prepare_from_cchc(db, leader, w.so_tp, PERIOD)
    service.accept(db, w.reporter, sub, "Đạt yêu cầu")
    assert sub.state == "accepted" and sub.decided_by == w.reporter.username
    for action in (lambda: service.prepare_from_cchc(db, leader, w.so_tp, PERIOD),
                   lambda: service.submit(db, leader, w.so_tp, PERIOD, acknowledge=True),
                   lambda: service.return_(db, w.reporter, sub, "Sửa lại")):
        with pytest.raises(InvalidTransition) as exc:
            action()
        assert "duyệt" in exc.value.message
        assert PERIOD.label in exc.value.message and PERIOD.key not in exc.value.message
    assert sub.state == "accepted"
    assert [e.action for e in service.events(db, sub)] == ["prepare", "submit", "accept"]
    with pytest.raises(InvalidTransition) as exc:
        lock.ensure_editable(db, w.so_tp, PERIOD.start, PERIOD.end)
    assert "chỉ được xem" in exc.value.message
    lock.ensure_editable(db, w.so_yt, PERIOD.start, PERIOD.end)  # nothing sent: free to change


def test_problems_found_by_the_check_need_an_acknowledgement(db, world):
    w = world
    leader = w.leaders[w.so_tp.id]
    # a sentence typed by the unit whose parts do not add up: cchc.verify finds it in the DOCX
    reform.set_narrative(db, None, w.so_tp, PERIOD.start, PERIOD.end, "I",
                         "Tổng số hồ sơ tiếp nhận: 100 hồ sơ, trong đó: trực tuyến 30 hồ sơ, trực tiếp 50 hồ sơ.")
    sub = service.prepare_from_cchc(db, leader, w.so_tp, PERIOD)
    assert any("30 + 50 = 80" in p["explanation"] for p in sub.problems)
    with pytest.raises(ValidationError) as exc:
        service.submit(db, leader, w.so_tp, PERIOD, now=ON_TIME)
    assert "cảnh báo" in exc.value.message and sub.state == "draft"
    service.submit(db, leader, w.so_tp, PERIOD, acknowledge=True, now=ON_TIME)
    assert sub.state == "submitted" and sub.problems_acknowledged
    assert "Đã xác nhận 1 cảnh báo" in service.events(db, sub)[-1].comment


def test_xlsx_unit_return_with_comment_then_resubmit_late(db, world, tmp_path):
    w = world
    leader, unit = w.leaders[w.huyen_a.id], w.huyen_a
    path = filled_xlsx(db, unit, tmp_path / "a.xlsx", huyen_values(40, 37, 3))
    sub = service.prepare_from_xlsx(db, w.admin_a, unit, PERIOD, path)  # the unit administrator prepares
    assert sub.source == "xlsx" and sub.figures["forms"]["3"]["3.2"] == "92.50"
    assert sub.figures["figures"]["dossiers"]["by_level"]["huyen"] == {"resolved_total": 40, "resolved_in_time": 37}
    with pytest.raises(PermissionDenied):
        service.submit(db, w.admin_a, unit, PERIOD)  # only the leader sends
    service.submit(db, leader, unit, PERIOD, now=ON_TIME)
    with pytest.raises(ValidationError):
        service.return_(db, w.reporter, sub, "  ")
    service.return_(db, w.reporter, sub, "Số liệu 3.2.1 chưa khớp sổ theo dõi.")
    assert sub.state == "returned" and sub.comment == "Số liệu 3.2.1 chưa khớp sổ theo dõi."
    with pytest.raises(InvalidTransition):
        service.submit(db, leader, unit, PERIOD)  # must be prepared again
    filled_xlsx(db, unit, path, huyen_values(41, 37, 3))
    service.prepare_from_xlsx(db, leader, unit, PERIOD, path)
    service.submit(db, leader, unit, PERIOD, now=LATE)
    assert sub.state == "submitted" and sub.late and sub.decided_by == "" and sub.comment == ""
    assert [(e.from_state, e.to_state) for e in service.events(db, sub)] == [
        ("", "draft"), ("draft", "submitted"), ("submitted", "returned"), ("returned", "draft"), ("draft", "submitted")]


def test_refusals_by_role_unit_and_source_change_nothing(db, world, tmp_path):
    w = world
    path = filled_xlsx(db, w.huyen_a, tmp_path / "a.xlsx", huyen_values(40, 37, 3))
    with pytest.raises(PermissionDenied):
        service.prepare_from_xlsx(db, w.leaders[w.huyen_b.id], w.huyen_a, PERIOD, path)  # another unit's leader
    with pytest.raises(PermissionDenied):
        service.prepare_from_cchc(db, w.reporter, w.so_tp, PERIOD)  # the province's officer is not of the unit
    with pytest.raises(ValidationError):
        service.prepare_from_cchc(db, w.leaders[w.huyen_a.id], w.huyen_a, PERIOD)  # not on cchc
    with pytest.raises(ValidationError):
        service.prepare_from_xlsx(db, w.leaders[w.so_tp.id], w.so_tp, PERIOD, path)  # on cchc
    with pytest.raises(InvalidTransition):
        service.submit(db, w.leaders[w.so_tp.id], w.so_tp, PERIOD)  # nothing prepared
    assert _count(db, Submission) == 0 and _count(db, SubmissionEvent) == 0
    sub = service.prepare_from_xlsx(db, w.leaders[w.huyen_a.id], w.huyen_a, PERIOD, path)
    with pytest.raises(InvalidTransition):
        service.accept(db, w.reporter, sub)  # a draft is not decided
    service.submit(db, w.leaders[w.huyen_a.id], w.huyen_a, PERIOD)
    for actor in (w.leaders[w.huyen_a.id], w.leaders[w.so_tp.id], w.admin_a):
        with pytest.raises(PermissionDenied):
            service.accept(db, actor, sub)
    w.reporter.active = False
    with pytest.raises(PermissionDenied):
        service.accept(db, w.reporter, sub)
    assert sub.state == "submitted" and _count(db, SubmissionEvent) == 2


def test_inconsistent_or_foreign_xlsx_is_refused_whole(db, world, tmp_path):
    w = world
    leader = w.leaders[w.huyen_a.id]
    bad = filled_xlsx(db, w.huyen_a, tmp_path / "bad.xlsx", {(3, "3.2.1"): 10, (3, "3.2.2"): 12, (3, "1.2"): -1})
    with pytest.raises(ImportRejected) as exc:
        service.prepare_from_xlsx(db, leader, w.huyen_a, PERIOD, bad)
    message = exc.value.message
    assert "Biểu mẫu 3" in message and "dòng" in message and "không âm" in message
    other = filled_xlsx(db, w.huyen_b, tmp_path / "b.xlsx", huyen_values(4, 3, 0))
    with pytest.raises(ImportRejected) as exc:
        service.prepare_from_xlsx(db, leader, w.huyen_a, PERIOD, other)
    assert "000.00.21.H56" in exc.value.message and "E (Mã đơn vị)" in exc.value.message
    assert _count(db, Submission) == 0


def test_overview_statuses_and_counts(db, world, tmp_path):
    w = world
    service.prepare_from_cchc(db, w.leaders[w.so_tp.id], w.so_tp, PERIOD)
    service.submit(db, w.leaders[w.so_tp.id], w.so_tp, PERIOD, acknowledge=True, now=ON_TIME)
    service.prepare_from_cchc(db, w.leaders[w.so_yt.id], w.so_yt, PERIOD)
    path = filled_xlsx(db, w.huyen_a, tmp_path / "a.xlsx", huyen_values(40, 37, 3))
    service.prepare_from_xlsx(db, w.leaders[w.huyen_a.id], w.huyen_a, PERIOD, path)
    sub = service.submit(db, w.leaders[w.huyen_a.id], w.huyen_a, PERIOD, now=LATE)
    rows = service.overview(db, w.province, PERIOD)
    assert [(r.unit.code, r.status) for r in rows] == [
        (w.so_tp.code, "on_time"), (w.so_yt.code, "missing"), (w.huyen_a.code, "late"), (w.huyen_b.code, "missing")]
    assert rows[2].label == "Gửi muộn" and rows[1].label == "Chưa gửi" and not rows[3].on_cchc
    service.accept(db, w.reporter, sub)
    c = service.counts(service.overview(db, w.province, PERIOD))
    assert c == {"missing": 2, "on_time": 1, "late": 0, "accepted": 1, "returned": 0, "total": 4}


def test_reminders_for_missing_units_once_a_day(db, world):
    w = world
    service.prepare_from_cchc(db, w.leaders[w.so_tp.id], w.so_tp, PERIOD)
    service.submit(db, w.leaders[w.so_tp.id], w.so_tp, PERIOD, acknowledge=True, now=ON_TIME)
    first = service.remind(db, w.reporter, w.province, PERIOD, today=date(2024, 6, 21))
    assert sorted(r.unit_id for r in first) == sorted([w.so_yt.id, w.huyen_a.id, w.huyen_b.id])
    assert "hạn 20/6/2024" in first[0].message
    assert service.remind(db, w.reporter, w.province, PERIOD, today=date(2024, 6, 21)) == []
    again = service.remind(db, w.reporter, w.province, PERIOD, unit_ids=[w.so_yt.id], today=date(2024, 6, 22))
    assert [r.unit_id for r in again] == [w.so_yt.id]
    assert _count(db, Reminder) == 4
    rows = {r.unit.id: r for r in service.overview(db, w.province, PERIOD)}
    assert rows[w.so_yt.id].reminders == 2 and rows[w.so_yt.id].last_reminder == date(2024, 6, 22)
    with pytest.raises(PermissionDenied):
        service.remind(db, w.leaders[w.so_tp.id], w.province, PERIOD)
    with pytest.raises(ValidationError):
        service.remind(db, w.reporter, w.province, PERIOD, unit_ids=[w.province.id])


def test_figures_and_narratives_are_read_only_once_sent(db):
    """What a report is made of cannot change while it awaits a decision or after it was accepted."""
    from tests.dossiers.factories import make_unit

    unit = make_unit(db, "T99", "Tỉnh Thử", "tinh", kind="tinh")
    start, end = date(2025, 6, 15), date(2025, 9, 14)
    reform.set_narrative(db, None, unit, start, end, "IV", "Tiếp tục cải cách.")
    db.add(Submission(unit_id=unit.id, period_start=start, period_end=end, period_key="2025-Q3", state="submitted", source="cchc",
                      deadline=date(2025, 9, 20)))
    db.flush()
    with pytest.raises(InvalidTransition):
        reform.set_narrative(db, None, unit, start, end, "IV", "Sửa sau khi gửi.")
    assert reform.get_narratives(db, unit.id, start, end)["IV"] == "Tiếp tục cải cách."
