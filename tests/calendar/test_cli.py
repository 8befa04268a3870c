"""`cchc calendar …` through the real entry point (Vietnamese output, exit status 2 on errors)."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy.orm import Session

from cchc.calendar import service
from tests.clirunner import run_cli


@pytest.fixture
def cchc(committed, capsys, monkeypatch):
    """Run `cchc …` and return (exit status, stdout, stderr) with unwrapped lines."""

    monkeypatch.setenv("COLUMNS", "200")
    from cchc import cli

    monkeypatch.setattr(cli.console, "width", 200, raising=False)
    monkeypatch.setattr(cli.err_console, "width", 200, raising=False)

    return lambda *args: run_cli(monkeypatch, capsys, *args)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2025-04-25T09:00", "3", "29/4/2025 09:00"),
        ("2024-04-26T10:00", "1", "2/5/2024 10:00"),
        ("2024-02-07T15:00", "2", "16/2/2024 15:00"),
        ("2025-01-24T09:00", "1", "3/2/2025 09:00"),
        ("2026-08-28T09:00", "1", "3/9/2026 09:00"),
        ("2025-12-31T09:00", "1", "5/1/2026 09:00"),
    ],
)
def test_due_gives_the_official_answers(cchc, start, days, expected):
    code, out, _ = cchc("calendar", "due", "--from", start, "--working-days", days)
    assert code == 0 and f"Hạn trả kết quả: {expected}" in out


def test_due_with_cutoff_and_hours(cchc):
    code, out, _ = cchc("calendar", "due", "--from", "2024-04-26T15:30", "--working-days", "1", "--cutoff", "15:00")
    assert code == 0 and "3/5/2024 07:30" in out
    code, out, _ = cchc("calendar", "due", "--from", "2024-04-26T16:00", "--working-hours", "4")
    assert code == 0 and "2/5/2024 10:30" in out


def test_due_errors_exit_2_in_vietnamese(cchc):
    code, _, err = cchc("calendar", "due", "--from", "2024-04-26T10:00")
    assert code == 2 and "Cần đúng một trong các tùy chọn" in err
    code, _, err = cchc("calendar", "due", "--from", "hôm qua", "--days", "1")
    assert code == 2 and "Thời điểm tiếp nhận (--from) không hợp lệ" in err
    code, _, err = cchc("calendar", "due", "--from", "2024-04-26T10:00", "--procedure", "9.999999")
    assert code == 2 and "Không có thủ tục hành chính mã «9.999999»" in err


def test_year_table(cchc):
    code, out, _ = cchc("calendar", "year", "2026")
    assert code == 0
    assert "Lịch nghỉ, làm bù năm 2026" in out
    for row in ("17/2/2026", "27/4/2026", "31/8/2026", "24/11/2026", "2/1/2026"):
        assert row in out
    assert "Làm bù" in out and "Ngày Văn hóa Việt Nam" in out
    assert "14 ngày nghỉ vào ngày thường, 2 ngày làm việc bù." in out
    code, _, err = cchc("calendar", "year", "1800")
    assert code == 2 and "ngoài khoảng" in err


def test_override_add_list_remove(cchc, committed):
    code, out, _ = cchc(
        "calendar", "override", "add", "--day", "2026-12-31", "--kind", "off",
        "--name", "Nghỉ cuối năm", "--legal-ref", "QĐ 99/QĐ-UBND",
    )
    assert code == 0 and "Đã thêm: 31/12/2026" in out
    code, _, err = cchc(
        "calendar", "override", "add", "--day", "2026-12-31", "--kind", "off", "--name", "x", "--legal-ref", "y"
    )
    assert code == 2 and "đã có điều chỉnh" in err
    code, _, err = cchc("calendar", "override", "add", "--day", "2026-04-30", "--kind", "off", "--name", "x", "--legal-ref", "y")
    assert code == 2 and "theo lịch chuẩn đã là ngày nghỉ" in err

    code, out, _ = cchc("calendar", "override", "list", "--year", "2026")
    assert code == 0 and "31/12/2026" in out and "2/1/2026" in out and "Có 3 ngày điều chỉnh." in out
    code, out, _ = cchc("calendar", "due", "--from", "2026-12-30T09:00", "--working-days", "1")
    assert "1/1/2027" not in out and "4/1/2027 09:00" in out  # 31/12 off, 1/1 off, weekend

    code, out, _ = cchc("calendar", "override", "remove", "--day", "2026-12-31")
    assert code == 0 and "Đã bỏ điều chỉnh ngày 31/12/2026" in out
    code, _, err = cchc("calendar", "override", "remove", "--day", "2026-12-31")
    assert code == 2 and "không có điều chỉnh nào" in err
    with Session(committed) as session:
        assert date(2026, 12, 31) not in [o.day for o in service.list_overrides(session)]


def test_hours_show_and_set(cchc, committed):
    code, out, _ = cchc("calendar", "hours")
    assert code == 0 and "Giờ làm việc: 07:30–11:30, 13:30–17:00." in out
    code, out, _ = cchc("calendar", "hours", "--set", "07:00-11:00,13:00-17:00")
    assert code == 0 and "Đã đặt giờ làm việc: 07:00–11:00, 13:00–17:00." in out
    code, _, err = cchc("calendar", "hours", "--set", "07:00-12:00,11:00-17:00")
    assert code == 2 and "chồng lên nhau" in err
    with Session(committed) as session:
        assert service.office_hours(session) == ((time(7), time(11)), (time(13), time(17)))
    code, out, _ = cchc("calendar", "due", "--from", "2024-06-17T12:30", "--working-hours", "1")
    assert "17/6/2024 14:00" in out


def test_due_for_a_procedure_uses_its_time_limit_and_cutoff(cchc, committed):
    from decimal import Decimal

    from cchc.procedures.models import Procedure

    with Session(committed) as session:
        session.add(Procedure(code="1.001193", name="Đăng ký khai sinh", time_amount=Decimal("1"), time_unit="ngay_lam_viec", cutoff_time=time(15)))
        session.commit()
    code, out, _ = cchc("calendar", "due", "--from", "2024-04-26T15:30", "--procedure", "1.001193")
    assert code == 0 and "3/5/2024 07:30" in out  # after 15:00 → counted from Thu 2/5
    code, out, _ = cchc("calendar", "due", "--from", "2024-04-26T14:30", "--procedure", "1.001193")
    assert code == 0 and "2/5/2024 14:30" in out
    code, out, _ = cchc("calendar", "due", "--from", "2024-04-26T14:30", "--procedure", "1.001193", "--working-days", "2")
    assert code == 0 and "3/5/2024 14:30" in out
