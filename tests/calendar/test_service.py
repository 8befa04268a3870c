"""Calendar actions: overrides, the seed file, office hours, the year view."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.calendar import service
from cchc.calendar.models import CalendarOverride, OfficeHours
from cchc.errors import NotFound, PermissionDenied, ValidationError

ADMIN = User(username="qtht", full_name="Nguyễn Quản Trị", role=Role.SYSTEM_ADMIN)
LEADER = User(username="ld", full_name="Trần Lãnh Đạo", role=Role.LEADER)


def test_admin_adds_a_day_off_and_the_calendar_flips_exactly_that_day(db):
    before = service.load_calendar(db)
    assert before.is_working_day(date(2026, 12, 31))
    row = service.add_override(db, ADMIN, date(2026, 12, 31), "off", "Nghỉ cuối năm", "QĐ 99/QĐ-UBND")
    assert row.id and row.created_by == "Nguyễn Quản Trị" and row.active
    after = service.load_calendar(db)
    assert after.day_info(date(2026, 12, 31)) == (False, "Nghỉ cuối năm")
    assert after.is_working_day(date(2026, 12, 30)) and after.is_working_day(date(2027, 1, 4))
    assert [o.day for o in service.list_overrides(db, 2026)] == [date(2026, 12, 31)]


def test_admin_adds_a_working_saturday(db):
    service.add_override(db, ADMIN, date(2026, 12, 26), "work", "Làm bù", "QĐ 100/QĐ-UBND")
    assert service.load_calendar(db).is_working_day(date(2026, 12, 26))


def test_only_the_system_administrator_edits_the_calendar(db):
    with pytest.raises(PermissionDenied, match="Lãnh đạo không có quyền thêm ngày điều chỉnh lịch"):
        service.add_override(db, LEADER, date(2026, 12, 31), "off", "Nghỉ", "QĐ 1")
    with pytest.raises(PermissionDenied, match="Quản trị hệ thống"):
        service.add_override(db, None, date(2026, 12, 31), "off", "Nghỉ", "QĐ 1")
    with pytest.raises(PermissionDenied):
        service.set_office_hours(db, LEADER, [(time(8), time(12))])
    service.add_override(db, ADMIN, date(2026, 12, 31), "off", "Nghỉ", "QĐ 1")
    with pytest.raises(PermissionDenied, match="xóa ngày điều chỉnh"):
        service.remove_override(db, LEADER, date(2026, 12, 31))
    assert db.scalar(select(CalendarOverride).where(CalendarOverride.day == date(2026, 12, 31))).active


def test_an_override_equal_to_the_package_is_refused_with_an_explanation(db):
    with pytest.raises(ValidationError, match=r"30/4/2026 \(Thứ Năm\) theo lịch chuẩn đã là ngày nghỉ \(Ngày Chiến thắng\)"):
        service.add_override(db, ADMIN, date(2026, 4, 30), "off", "Nghỉ lễ", "BLLĐ")
    with pytest.raises(ValidationError, match="đã là ngày làm việc"):
        service.add_override(db, ADMIN, date(2026, 12, 30), "work", "Làm việc", "QĐ 1")
    with pytest.raises(ValidationError, match="đã là ngày nghỉ"):
        service.add_override(db, ADMIN, date(2026, 12, 27), "off", "Chủ nhật", "QĐ 1")
    assert service.list_overrides(db) == []


def test_duplicate_day_and_bad_input_are_refused(db):
    service.add_override(db, ADMIN, date(2026, 12, 31), "off", "Nghỉ cuối năm", "QĐ 99")
    with pytest.raises(ValidationError, match="31/12/2026 đã có điều chỉnh «Nghỉ cuối năm»"):
        service.add_override(db, ADMIN, date(2026, 12, 31), "off", "Khác", "QĐ 100")
    with pytest.raises(ValidationError, match="Loại điều chỉnh «holiday»"):
        service.add_override(db, ADMIN, date(2026, 12, 30), "holiday", "Nghỉ", "QĐ 1")
    with pytest.raises(ValidationError, match="tên hoặc lý do"):
        service.add_override(db, ADMIN, date(2026, 12, 30), "off", "  ", "QĐ 1")
    with pytest.raises(ValidationError, match="căn cứ"):
        service.add_override(db, ADMIN, date(2026, 12, 30), "off", "Nghỉ", "")
    assert len(service.list_overrides(db)) == 1


def test_remove_then_add_again_reuses_the_row_and_keeps_history(db):
    service.add_override(db, ADMIN, date(2026, 12, 31), "off", "Nghỉ cuối năm", "QĐ 99")
    removed = service.remove_override(db, ADMIN, date(2026, 12, 31))
    assert removed.removed_at is not None and removed.removed_by == "Nguyễn Quản Trị"
    assert service.load_calendar(db).is_working_day(date(2026, 12, 31))
    assert date(2026, 12, 31) not in [r.day for r in service.list_overrides(db, 2026)]
    with pytest.raises(NotFound, match="31/12/2026 không có điều chỉnh"):
        service.remove_override(db, ADMIN, date(2026, 12, 31))
    again = service.add_override(db, ADMIN, date(2026, 12, 31), "off", "Nghỉ lần hai", "QĐ 101")
    assert again.id == removed.id and again.active and again.legal_ref == "QĐ 101"


def test_list_overrides_by_year(db):
    service.add_override(db, ADMIN, date(2026, 12, 31), "off", "Nghỉ", "QĐ 1")
    service.add_override(db, ADMIN, date(2027, 1, 2), "work", "Làm bù", "QĐ 1")
    assert [o.day for o in service.list_overrides(db, 2027)] == [date(2027, 1, 2)]
    assert [o.day for o in service.list_overrides(db)][-2:] == [date(2026, 12, 31), date(2027, 1, 2)]


def test_seed_file_is_seeded_once_and_a_removed_seed_day_stays_removed(db):
    assert service.load_calendar(db).day_info(date(2026, 1, 2))[0] is False  # before seeding: from the file
    assert service.seed_overrides(db) == 2
    assert service.seed_overrides(db) == 0
    rows = service.list_overrides(db, 2026)
    assert {(r.day, r.kind) for r in rows} == {(date(2026, 1, 2), "off"), (date(2026, 1, 10), "work")}
    assert all("12729/VPCP-KGVX" in r.legal_ref and r.created_by == service.SEED_AUTHOR for r in rows)
    service.remove_override(db, ADMIN, date(2026, 1, 10))
    assert service.seed_overrides(db) == 0
    calendar = service.load_calendar(db)
    assert not calendar.is_working_day(date(2026, 1, 10)) and not calendar.is_working_day(date(2026, 1, 2))


def test_removing_an_unseeded_file_day_hides_it(db):
    service.remove_override(db, ADMIN, date(2026, 1, 2))
    assert service.load_calendar(db).is_working_day(date(2026, 1, 2))


def test_seed_file_errors_name_the_entry():
    with pytest.raises(ValidationError, match="mục 1: loại phải viết trong ngoặc kép"):
        service.seed_file_overrides("overrides:\n  - {day: 2026-01-02, kind: off, name: a, legal_ref: b}\n")
    with pytest.raises(ValidationError, match="mục 2: ngày 2/1/2026 bị lặp lại"):
        service.seed_file_overrides(
            "overrides:\n"
            "  - {day: 2026-01-02, kind: 'off', name: a, legal_ref: b}\n"
            "  - {day: 02/01/2026, kind: 'off', name: a, legal_ref: b}\n"
        )
    with pytest.raises(ValidationError, match="mục 1: Ngày"):
        service.seed_file_overrides("overrides:\n  - {day: 31/02/2026, kind: 'off', name: a, legal_ref: b}\n")
    with pytest.raises(ValidationError, match="thiếu tên"):
        service.seed_file_overrides("overrides:\n  - {day: 2026-03-02, kind: 'off', name: a}\n")
    with pytest.raises(ValidationError, match="danh sách «overrides»"):
        service.seed_file_overrides("ngay: 1\n")


def test_office_hours_default_set_and_used(db):
    assert service.office_hours(db) == ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 0)))
    service.set_office_hours(db, ADMIN, [(time(7), time(11)), (time(13), time(17))])
    assert db.scalars(select(OfficeHours)).all()
    calendar = service.load_calendar(db)
    assert calendar.sessions == ((time(7), time(11)), (time(13), time(17)))
    assert calendar.normalise(datetime(2024, 6, 17, 12, 0)) == datetime(2024, 6, 17, 13, 0)
    service.set_office_hours(db, ADMIN, [(time(8), time(16))])
    assert service.office_hours(db) == ((time(8), time(16)),)


@pytest.mark.parametrize(
    ("sessions", "message"),
    [
        ([], "ít nhất một buổi"),
        ([(time(11), time(7))], r"Buổi thứ 1 \(11:00–07:00\): giờ bắt đầu phải trước"),
        ([(time(13), time(17)), (time(7), time(11))], "theo thứ tự và không chồng"),
        ([(time(7), time(12)), (time(11), time(17))], r"Buổi thứ 2 \(11:00–17:00\) bắt đầu trước"),
        ([(time(7),)], "Buổi thứ 1: cần giờ bắt đầu và giờ kết thúc"),
    ],
)
def test_office_hours_are_validated_and_nothing_changes(db, sessions, message):
    service.set_office_hours(db, ADMIN, [(time(8), time(12))])
    with pytest.raises(ValidationError, match=message):
        service.set_office_hours(db, ADMIN, sessions)
    assert service.office_hours(db) == ((time(8), time(12)),)


def test_parse_sessions_text():
    assert service.parse_sessions("07:30-11:30, 13:30-17:00") == ((time(7, 30), time(11, 30)), (time(13, 30), time(17)))
    assert service.parse_sessions("0:00-24:00") == ((time(0), time(23, 59, 59)),)
    with pytest.raises(ValidationError, match="ngoài khoảng 0:00–24:00"):
        service.parse_sessions("07:30-25:00")
    with pytest.raises(ValidationError, match="Giờ bắt đầu buổi thứ 1 «7h30» không hợp lệ"):
        service.parse_sessions("7h30-11:30")
    with pytest.raises(ValidationError, match="dùng dạng 07:30-11:30"):
        service.parse_sessions("07:30")


def test_year_calendar_lists_days_with_reasons_and_sources(db):
    service.add_override(db, ADMIN, date(2026, 12, 31), "off", "Nghỉ cuối năm", "QĐ 99")
    days = {d.day: d for d in service.year_calendar(db, 2026)}
    assert days[date(2026, 2, 17)].reason == "Tết Nguyên Đán" and days[date(2026, 2, 17)].source == "goi_holidays"
    assert days[date(2026, 2, 17)].weekday == "Thứ Ba" and days[date(2026, 2, 17)].kind_label == "Nghỉ"
    assert days[date(2026, 8, 22)].working and days[date(2026, 8, 22)].kind_label == "Làm bù"
    assert days[date(2026, 1, 2)].source == "tep_du_lieu"
    assert days[date(2026, 12, 31)].source == "quan_tri" and days[date(2026, 12, 31)].reason == "Nghỉ cuối năm"
    assert len(days) == 14 + 2 + 1


def test_due_for_procedure_uses_the_cutoff_hour():
    calendar = service.package_calendar()
    civil_status = SimpleNamespace(time_amount=Decimal("1"), time_unit="ngay_lam_viec", cutoff_time=time(15))
    assert service.due_for_procedure(calendar, civil_status, datetime(2024, 6, 14, 15, 30)) == datetime(2024, 6, 18, 7, 30)
    assert service.due_for_procedure(calendar, civil_status, datetime(2024, 6, 14, 14, 0)) == datetime(2024, 6, 17, 14, 0)
    land = SimpleNamespace(time_amount=Decimal("4"), time_unit="gio_lam_viec", cutoff_time=None)
    assert service.due_for_procedure(calendar, land, datetime(2024, 6, 14, 16, 0)) == datetime(2024, 6, 17, 10, 30)


def test_the_session_calendar_is_loaded_once_and_follows_every_change_made_in_the_session(db):
    cal = service.session_calendar(db)
    assert service.session_calendar(db) is cal  # one load per session, however many dossiers it receives
    service.add_override(db, ADMIN, date(2026, 12, 31), "off", "Nghỉ cuối năm", "QĐ 99/QĐ-UBND")
    assert not service.session_calendar(db).is_working_day(date(2026, 12, 31))
    service.remove_override(db, ADMIN, date(2026, 12, 31))
    assert service.session_calendar(db).is_working_day(date(2026, 12, 31))
    service.set_office_hours(db, ADMIN, [(time(8), time(16))])
    assert service.session_calendar(db).sessions == ((time(8), time(16)),)
