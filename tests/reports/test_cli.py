"""`cchc report` and `cchc figures template|import` end to end on committed rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from cchc.db import session_scope
from cchc.reform import service as reform
from cchc.reports.xlsx import FIRST_ROW

from .test_real_data import build
from tests.clirunner import run_cli as run


@pytest.fixture
def province(committed):
    with session_scope() as session:
        p = build(session)
        return p.code


def test_report_markdown_and_narrative(monkeypatch, capsys, province, tmp_path):
    narrative = tmp_path / "noi_dung.md"
    narrative.write_text("# I\nBan hành Kế hoạch cải cách hành chính năm 2023.\n# IV\n1. Tiếp tục rà soát TTHC.\n", encoding="utf-8")
    out = tmp_path / "bao_cao.md"
    code, stdout, stderr = run(monkeypatch, capsys, "report", "--unit", province, "--period", "2023-Q3", "--out", str(out),
                               "--narrative", str(narrative), "--date", "20/9/2023")
    assert code == 0, stderr
    assert "Đã ghi báo cáo Công tác cải cách hành chính quý III năm 2023" in stdout
    text = out.read_text(encoding="utf-8")
    assert "Ban hành Kế hoạch cải cách hành chính năm 2023." in text
    assert "Tổng số hồ sơ TTHC đã tiếp nhận từ ngày 15/6/2023 – 14/9/2023 là: 6;" in text
    assert "*Thử Nghiệm, ngày 20 tháng 9 năm 2023*" in text
    images = sorted(p.name for p in (tmp_path / "bao_cao_bieu_do").iterdir())
    assert images == ["ty_le_dung_han.png", "ty_le_truc_tuyen.png", "xu_huong.png"]
    assert "![Tỷ lệ hồ sơ giải quyết đúng hạn theo cấp](bao_cao_bieu_do/ty_le_dung_han.png)" in text


def test_report_custom_window_xlsx(monkeypatch, capsys, province, tmp_path):
    out = tmp_path / "bieu_mau.xlsx"
    code, _, stderr = run(monkeypatch, capsys, "report", "--unit", province, "--from", "01/7/2023", "--to", "13/9/2023",
                          "--format", "xlsx", "--out", str(out))
    assert code == 0, stderr
    ws = load_workbook(out)["Biểu mẫu 3"]
    assert ws["B4"].value == "từ 01/7/2023 đến 13/9/2023"
    assert not ws.protection.sheet


def test_report_errors_in_vietnamese(monkeypatch, capsys, province, tmp_path):
    code, _, err = run(monkeypatch, capsys, "report", "--unit", "KHONG_CO", "--period", "2023-Q3", "--out", str(tmp_path / "a.md"))
    assert code == 2 and "Không tìm thấy đơn vị có mã «KHONG_CO»" in err
    code, _, err = run(monkeypatch, capsys, "report", "--unit", province, "--period", "2023-Q3", "--out", str(tmp_path / "a.txt"))
    assert code == 2 and "Định dạng «txt» không hỗ trợ" in err
    code, _, err = run(monkeypatch, capsys, "report", "--unit", province, "--out", str(tmp_path / "a.md"))
    assert code == 2 and "Cần chọn kỳ báo cáo" in err
    assert list(tmp_path.iterdir()) == []


def test_figures_template_then_import(monkeypatch, capsys, province, tmp_path):
    path = tmp_path / "mau.xlsx"
    code, stdout, stderr = run(monkeypatch, capsys, "figures", "template", "--unit", province, "--period", "2023-Q3", "--out", str(path))
    assert code == 0, stderr and "Đã ghi mẫu Biểu mẫu 1–7" in stdout
    wb = load_workbook(path)
    ws = wb["Biểu mẫu 4"]
    rows = {str(ws.cell(n, 1).value): n for n in range(FIRST_ROW, ws.max_row + 1)}
    ws.cell(rows["2.1"], 4).value = 59
    ws.cell(rows["2.2"], 4).value = 57
    wb.save(path)
    code, stdout, stderr = run(monkeypatch, capsys, "figures", "import", str(path))
    assert code == 0, stderr
    assert "Đã nhập 2 chỉ tiêu cho Tỉnh Thử Nghiệm, quý III năm 2023." in stdout
    with session_scope() as session:
        unit = reform.find_unit(session, province)
        assert reform.manual_values(session, unit.id, datetime(2023, 6, 15).date(), datetime(2023, 9, 14).date()) == {
            4: {"2.1": Decimal(59), "2.2": Decimal(57)}
        }
    ws = wb["Biểu mẫu 4"]
    ws.cell(rows["2.2"], 4).value = 60
    ws.cell(rows["2.1"], 4).value = "năm mươi"
    wb.save(path)
    code, _, err = run(monkeypatch, capsys, "figures", "import", str(path), "--period", "2023-Q3")
    assert code == 2
    assert f"Trang «Biểu mẫu 4», dòng {rows['2.1']}, cột D (Số liệu)" in err and "«năm mươi» không phải là số" in err


def test_narrative_stored_then_used_by_the_report(monkeypatch, capsys, province, tmp_path):
    source = tmp_path / "noi_dung.md"
    source.write_text("# Mặt tích cực\nCông tác cải cách hành chính có chuyển biến.\n# V\nKhông có.\n", encoding="utf-8")
    code, stdout, stderr = run(monkeypatch, capsys, "figures", "narrative", str(source), "--unit", province, "--period", "2023-Q3")
    assert code == 0, stderr
    assert "Đã lưu nội dung 2 mục báo cáo của Tỉnh Thử Nghiệm, quý III năm 2023." in stdout
    out = tmp_path / "bao_cao.md"
    code, _, stderr = run(monkeypatch, capsys, "report", "--unit", province, "--period", "2023-Q3", "--out", str(out))
    assert code == 0, stderr
    text = out.read_text(encoding="utf-8")
    assert "### 1. Mặt tích cực\n\nCông tác cải cách hành chính có chuyển biến." in text
    assert "## V. KIẾN NGHỊ, ĐỀ XUẤT\n\nKhông có." in text
    bad = tmp_path / "sai.md"
    bad.write_text("# Mục không có\nx\n", encoding="utf-8")
    code, _, err = run(monkeypatch, capsys, "figures", "narrative", str(bad), "--unit", province, "--period", "2023-Q3")
    assert code == 2 and "dòng 1" in err and "Không nhận ra mục báo cáo «Mục không có»" in err
