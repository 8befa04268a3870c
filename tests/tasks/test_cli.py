"""`cchc tasks import / daily / stats` on a committed database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cchc.cli import app
from cchc.tasks.models import Task, TaskReminder

from .factories import make_task_world
from .test_importer import good_rows, write


def test_import_daily_and_stats(committed, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "240")  # not console.width: that would stay pinned for later CLI tests
    with Session(committed) as s:
        w = make_task_world(s)
        rows = good_rows(w)
        s.commit()
    path = write(tmp_path, rows)
    runner = CliRunner()
    out = runner.invoke(app, ["tasks", "import", str(path), "--user", "vp_baocao"], terminal_width=240)
    assert out.exit_code == 0, out.output
    assert "Đã nhập 4 nhiệm vụ từ 3 văn bản giao" in out.output
    out = runner.invoke(app, ["tasks", "import", str(path)], terminal_width=240)
    assert out.exit_code != 0 and "Dòng 2, cột TenNhiemVu: nhiệm vụ này đã có trên hệ thống" in str(out.exception)
    out = runner.invoke(app, ["tasks", "import", str(path), "--user", "khong_co"], terminal_width=240)
    assert "Không tìm thấy tài khoản «khong_co»" in str(out.exception)

    out = runner.invoke(app, ["tasks", "daily", "--today", "1/3/2024"], terminal_width=240)
    assert out.exit_code == 0, out.output
    # overdue on 1/3/2024: deadlines 19/1 (10 working days), 15/2 (reported, unconfirmed) and 29/2; the done one is not
    assert "Ngày 1/3/2024: đánh dấu quá hạn 3 nhiệm vụ" in out.output and "nhắc quá hạn 3" in out.output
    again = runner.invoke(app, ["tasks", "daily", "--today", "1/3/2024"], terminal_width=240)
    assert "đánh dấu quá hạn 0 nhiệm vụ" in again.output and "nhắc quá hạn 0" in again.output
    with Session(committed) as s:
        assert s.scalar(select(func.count()).select_from(Task).where(Task.overdue.is_(True))) == 3
        assert s.scalar(select(func.count()).select_from(TaskReminder)) == 3

    out = runner.invoke(app, ["tasks", "stats", "--unit", "T1", "--from", "15/12/2023", "--to", "14/6/2024"], terminal_width=240)
    assert out.exit_code == 0, out.output
    assert "Tổng số nhiệm vụ đã giao" in out.output and "Tỷ lệ hoàn thành đúng hạn" in out.output
    assert "tổng số nhiệm vụ đã giao trên phần mềm là 4 nhiệm vụ, trong đó đã hoàn thành 1 nhiệm vụ (bao gồm đúng hạn 1" in out.output
    out = runner.invoke(app, ["tasks", "stats", "--unit", "T1", "--period", "2024-H1", "--json"], terminal_width=240)
    assert out.exit_code == 0 and '"assigned_total": 4' in out.output and '"by_source"' in out.output
    out = runner.invoke(app, ["tasks", "stats", "--unit", "T1"], terminal_width=240)
    assert "Chọn kỳ báo cáo" in str(out.exception)
