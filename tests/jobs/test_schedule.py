"""Periodic jobs are due at their hour in Việt Nam whatever the machine's zone, each due minute is enqueued by one
scheduler only, and the jobs themselves do what their commands do."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cchc import clock
from cchc.errors import ValidationError
from cchc.jobs import periodic, queue, registry, schedule
from cchc.jobs.registry import Cron
from cchc.jobs.schedule_time import matcher, next_runs


def test_the_cchc_jobs_are_registered_with_their_hours():
    registry.load_background_modules()
    assert {name: registry.JOBS[name].cron.text() for name in ("tasks.daily", "submissions.remind", "stats.check")} == {
        "tasks.daily": "0 6 * * *", "submissions.remind": "0 7 * * *", "stats.check": "30 2 * * *"}


def test_a_schedule_is_read_in_vietnam_time():
    due = matcher(Cron(minute="0", hour="6"))
    assert due(datetime(2026, 3, 1, 23, 0))  # 23:00 UTC on 1/3 is 06:00 on 2/3 in Việt Nam
    assert not due(datetime(2026, 3, 2, 6, 0))  # 06:00 UTC is 13:00 there
    daily = registry.JOBS["tasks.daily"].cron
    # after 10:00 on 5/12 in Hà Nội: tomorrow 06:00 and the day after, as wall-clock times there
    assert next_runs(daily, datetime(2026, 12, 5, 10, 0), 2) == [datetime(2026, 12, 6, 6, 0), datetime(2026, 12, 7, 6, 0)]
    # at 05:59 the same morning
    assert next_runs(daily, datetime(2026, 12, 5, 5, 59), 1) == [datetime(2026, 12, 5, 6, 0)]


def test_the_20th_of_the_month_at_8_in_vietnam():
    cron = Cron(minute="0", hour="8", day="20")
    assert next_runs(cron, datetime(2026, 1, 20, 8, 0), 3) == [
        datetime(2026, 2, 20, 8, 0), datetime(2026, 3, 20, 8, 0), datetime(2026, 4, 20, 8, 0)]
    assert matcher(cron)(datetime(2026, 2, 20, 1, 0)) and not matcher(cron)(datetime(2026, 2, 20, 8, 0))


def test_a_malformed_schedule_is_refused_when_registered():
    with pytest.raises(ValidationError, match="Lịch chạy «0 25 \\* \\* \\*» không hợp lệ"):
        periodic("tests.never", lambda s: None, minute="0", hour="25")
    assert "tests.never" not in registry.JOBS


def test_two_schedulers_on_one_queue_enqueue_a_due_minute_once(tmp_path):
    """Two workers' schedulers ask in the same minute: one gets the periodic jobs, the other none."""
    registry.load_background_modules()
    path = str(tmp_path / "queue.sqlite3")
    first = queue.ClaimingSqliteHuey("cchc-test", filename=path, results=False, utc=True)
    second = queue.ClaimingSqliteHuey("cchc-test", filename=path, results=False, utc=True)
    try:
        for h in (first, second):
            queue.use(h)
        at_six_in_hanoi = datetime(2026, 3, 1, 23, 0, 5)
        names = {t.name.split("cchc.jobs.queue.", 1)[-1] for t in first.read_periodic(at_six_in_hanoi)}
        assert "tasks.daily@cron" in names and not names & {"submissions.remind@cron", "stats.check@cron"}
        assert second.read_periodic(at_six_in_hanoi) == []
        assert first.read_periodic(at_six_in_hanoi.replace(second=50)) == []  # the same minute again
        assert first.read_periodic(datetime(2026, 3, 2, 23, 0)) != []  # the next day
    finally:
        queue.use(None)


def test_reminders_start_five_days_before_the_20th():
    assert [p.key for p in schedule.periods_due(date(2025, 9, 14))] == []
    due = schedule.periods_due(date(2025, 9, 15))
    assert due and all(p.end.month == 9 and p.end.year == 2025 for p in due)
    assert schedule.periods_due(date(2025, 9, 20)) == due
    assert schedule.periods_due(date(2025, 9, 21)) == []


def test_the_periodic_jobs_run_as_their_commands_do(db):
    with clock.frozen(datetime(2025, 9, 16, 6, 0)):
        assert schedule.tasks_daily(db).startswith("Ngày 16/9/2025: đánh dấu quá hạn 0 nhiệm vụ")
        assert schedule.submissions_remind(db) == 0  # no province: nobody to remind
        assert schedule.stats_check(db).startswith("Khớp: bảng đếm theo ngày bằng số đếm trực tiếp")


def test_the_scheduler_asking_without_a_moment_uses_the_queue_clock(sqlite_queue):
    registry.load_background_modules()
    assert isinstance(sqlite_queue.read_periodic(None), list)  # Huey's consumer passes None


def test_a_background_module_that_fails_is_named(tmp_path, monkeypatch):
    import cchc

    package = tmp_path / "w2_hong"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "background.py").write_text("raise RuntimeError('thiếu cấu hình')\n")
    monkeypatch.setattr(cchc, "__path__", [*cchc.__path__, str(tmp_path)])
    try:
        assert "cchc.w2_hong.background" not in registry.load_background_modules(strict=False)
        assert registry.LOAD_ERRORS["cchc.w2_hong.background"] == "RuntimeError: thiếu cấu hình"
        with pytest.raises(ValidationError, match="Không nạp được cchc.w2_hong.background: RuntimeError: thiếu cấu hình"):
            registry.load_background_modules()
    finally:
        registry.LOAD_ERRORS.pop("cchc.w2_hong.background", None)
