"""`cchc stats`, `cchc index766`, `cchc periods` through the real entry point (Vietnamese errors, exit 2)."""

from __future__ import annotations

import json

import pytest

from cchc.db import session_scope
from tests.stats.conftest import build_province
from tests.stats.test_dossiers import EXPECTED_Q3, build_q3
from tests.clirunner import run_cli as run


@pytest.fixture
def data(committed):
    with session_scope() as s:
        P = build_province(s)
        build_q3(s, P)
        return P.province.code


def test_stats_json(data, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "stats", "--unit", data, "--period", "2023-Q3", "--format", "json")
    assert code == 0
    f = json.loads(out)
    assert {k: f[k] for k in EXPECTED_Q3} == EXPECTED_Q3
    assert isinstance(f["received_total"], int) and f["on_time_rate"] == 80.0
    assert f["period"]["label"] == "quý III năm 2023" and f["unit"]["code"] == data
    assert set(f["by_level"]) == {"tinh", "huyen", "xa"} and len(f["by_unit"]) == 3


def test_stats_table_in_vietnamese(data, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "stats", "--unit", data, "--from", "15/06/2023", "--to", "2023-09-14")
    assert code == 0
    for words in ("Tổng số hồ sơ tiếp nhận", "Số từ kỳ trước chuyển qua", "Đang giải quyết quá hạn", "Theo cấp",
                  "Cấp huyện", "Theo đơn vị tiếp nhận", "Xã Mỹ Long", "80,00%", "quý III năm 2023"):
        assert words in out, words


def test_stats_explain(data, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "stats", "--unit", data, "--period", "2023-Q3", "--explain",
                       "in_progress_overdue", "--format", "json")
    assert code == 0 and len(json.loads(out)["codes"]) == 4


def test_index766_table_json_and_explain(data, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "index766", "--unit", data, "--period", "2023-Q3")
    assert code == 0
    for words in ("Bộ chỉ số 766", "Tiến độ, kết quả giải quyết", "Tổng điểm", "xếp loại", "Không phát sinh"):
        assert words in out, words
    code, out, _ = run(monkeypatch, capsys, "index766", "--unit", data, "--period", "2023-Q3", "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["total_maximum"] == 100 and d["not_computable"] == ["4.ct"]
    code, out, _ = run(monkeypatch, capsys, "index766", "--unit", data, "--period", "2023-Q3", "--explain", "2.1")
    assert code == 0 and "Mẫu số: 15 hồ sơ" in out and "Tử số: 10 hồ sơ" in out


def test_periods_listing(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "periods", "--year", "2024", "--format", "json")
    assert code == 0
    keys = [p["key"] for p in json.loads(out)]
    assert keys[0] == "2024-Q1" and "2024-9M" in keys


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["stats", "--unit", "000.00.00.H20", "--period", "2023-Q7"], "Không có kỳ báo cáo «Q7»"),
        (["stats", "--unit", "000.00.00.H20"], "Chọn kỳ báo cáo"),
        (["stats", "--unit", "000.00.00.H20", "--from", "14/9/2023", "--to", "15/6/2023"], "phải trước hoặc bằng"),
        (["stats", "--unit", "KHONG.CO", "--period", "2023-Q3"], "Không tìm thấy đơn vị có mã «KHONG.CO»"),
        (["index766", "--unit", "000.00.00.H20", "--period", "2023-Q3", "--explain", "7.7"], "Không có chỉ số «7.7»"),
    ],
)
def test_bad_input_exits_2_with_a_vietnamese_message(data, monkeypatch, capsys, args, words):
    code, _, err = run(monkeypatch, capsys, *args)
    assert code == 2
    assert words in " ".join(err.split())


def test_check_and_rebuild_of_the_day_counts(data, monkeypatch, capsys):
    from sqlalchemy import text

    from cchc.db import get_engine

    code, out, _ = run(monkeypatch, capsys, "stats", "--unit", data, "--period", "2023-Q3", "--check")
    assert code == 0 and "Khớp" in out and "quý III năm 2023" in out
    # Counts spoilt behind the triggers' back (as a bulk load with triggers off would leave them)…
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE dossier_day_counts SET received_online = received_online + 5"))
    code, _, err = run(monkeypatch, capsys, "stats", "--unit", data, "--period", "2023-Q3", "--check")
    assert code == 1 and "Không khớp" in err and "new_online" in err and "cchc rebuild-counts" in err
    # …are recomputed from the dossiers.
    code, out, _ = run(monkeypatch, capsys, "rebuild-counts")
    assert code == 0 and "Đã tính lại bảng đếm hồ sơ theo ngày" in out
    code, out, _ = run(monkeypatch, capsys, "stats", "--unit", data, "--period", "2023-Q3", "--check")
    assert code == 0 and "Khớp" in out


def test_a_custom_window_names_its_days_once(data, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "stats", "--unit", data, "--from", "01/07/2023", "--to", "2023-08-31")
    line = next(x for x in out.splitlines() if x.startswith("Kỳ báo cáo:"))
    assert code == 0 and line == "Kỳ báo cáo: từ 01/7/2023 đến 31/8/2023", line
