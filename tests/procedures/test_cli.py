from __future__ import annotations

import sys
from datetime import date

import pytest

from cchc.cli import main
from cchc.db import session_factory
from cchc.procedures import catalogue, service
from tests.procedures.factories import procedure_data


@pytest.fixture
def cli(committed, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "220")

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["cchc", *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    with session_factory()() as s:
        service.create_procedure(s, None, procedure_data(
            cutoff_time="15:00", fees=[{"kind": "le_phi", "amount": 8000, "description": "Lệ phí cấp bản sao"}],
            components=[{"name": "Tờ khai đăng ký khai sinh", "copies": 1}]))
        service.create_procedure(s, None, procedure_data(code="1.001022", name="Đăng ký kết hôn", online_level="mot_phan"))
        service.create_procedure(s, None, procedure_data(
            code="2.000488", name="Cấp Phiếu lý lịch tư pháp", field_code="LLTP", field_name="Lý lịch tư pháp",
            levels="tinh", time_amount=10))
        old = service.create_procedure(s, None, procedure_data(code="1.000999", name="Đăng ký khai sinh cũ"))
        service.add_publication(s, None, old, "12/QĐ-UBND", date(2024, 1, 2), "bai_bo", date(2024, 2, 1))
        s.commit()
    return run


def test_list_search_without_diacritics(cli):
    code, out, _ = cli("procedures", "list", "--q", "dang ky")
    assert code == 0
    assert "Danh mục TTHC: 2 thủ tục" in out
    assert "Đăng ký khai sinh" in out and "Đăng ký kết hôn" in out and "1.000999" not in out
    assert "Mã TTHC" in out and "Tên thủ tục" in out and "Thời hạn" in out and "05 ngày làm việc" in out


def test_list_filters(cli):
    _, out, _ = cli("procedures", "list", "--field", "LLTP")
    assert "2.000488" in out and "1.001193" not in out
    _, out, _ = cli("procedures", "list", "--level", "tinh")
    assert "Cấp tỉnh" in out and "2.000488" in out and "1.001022" not in out
    _, out, _ = cli("procedures", "list", "--online", "mot_phan")
    assert "1.001022" in out and "Một phần" in out and "1.001193" not in out
    _, out, _ = cli("procedures", "list", "--q", "khai sinh", "--all")
    assert "1.000999" in out and "hết hiệu lực" in out
    _, out, _ = cli("procedures", "list", "--q", "không có thủ tục này")
    assert "Không có TTHC nào phù hợp." in out
    _, out, _ = cli("procedures", "list", "--limit", "1")
    assert "xem tiếp với --page 2" in out


def test_show_everything(cli):
    code, out, _ = cli("procedures", "show", "1.001193")
    assert code == 0
    for text in ("Đăng ký khai sinh", "Hộ tịch (HT)", "Cấp xã", "05 ngày làm việc", "15:00", "Toàn trình",
                 "Lệ phí cấp bản sao", "8.000", "Tờ khai đăng ký khai sinh", "Quy trình nội bộ (4 bước, tổng 40,00 giờ",
                 "Bộ phận Một cửa tiếp nhận hồ sơ", "Chuyên viên thẩm định hồ sơ", "25 giờ làm việc"):
        assert text in out, text
    _, out, _ = cli("procedures", "show", "1.000999")
    assert "Hết hiệu lực từ 1/2/2024" in out and "12/QĐ-UBND" in out and "Bãi bỏ" in out


def test_show_unknown_code_exits_2(cli):
    code, _, err = cli("procedures", "show", "9.999999")
    assert code == 2 and "Không tìm thấy TTHC có mã «9.999999»" in err


def test_steps_set_and_refused(cli):
    code, out, _ = cli("procedures", "steps", "1.001193", "--set", "mot_cua:4:0;chuyen_vien:24:1;lanh_dao:8:1;mot_cua:4:0")
    assert code == 0 and "Đã cập nhật quy trình nội bộ của TTHC 1.001193" in out and "24 giờ làm việc" in out
    with session_factory()() as s:
        steps = catalogue.get_procedure(s, "1.001193").steps
        assert [(x.role, x.duration_amount) for x in steps] == [("mot_cua", 4), ("chuyen_vien", 24), ("lanh_dao", 8), ("mot_cua", 4)]
    code, _, err = cli("procedures", "steps", "1.001193", "--set", "mot_cua:4:0;chuyen_vien:60:1;mot_cua:4:0")
    assert code == 2 and "vượt thời hạn giải quyết 05 ngày làm việc" in err
    with session_factory()() as s:  # unchanged
        assert [x.duration_amount for x in catalogue.get_procedure(s, "1.001193").steps] == [4, 24, 8, 4]
    code, out, _ = cli("procedures", "steps", "1.001193", "--default")
    assert code == 0 and "25 giờ làm việc" in out


def test_fields(cli):
    code, out, _ = cli("procedures", "fields")
    assert code == 0 and "Hộ tịch" in out and "Lý lịch tư pháp" in out and "2 lĩnh vực" in out
