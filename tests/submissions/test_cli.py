"""`cchc submissions …` end to end on committed rows: source, prepare (XLSX), submit, decide, status,
remind (idempotent per day), consolidate; errors in Vietnamese with exit status 2."""

from __future__ import annotations

import sys

import pytest
from openpyxl import load_workbook

from cchc.cli import main
from cchc.db import session_factory
from cchc.reform.models import Submission
from cchc.submissions.models import Reminder
from tests.submissions.conftest import PERIOD, build_province, filled_xlsx, huyen_values

KY = PERIOD.key


def run(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["cchc", "submissions", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def cli_world(committed, files_dir, no_charts):
    with session_factory()() as s:
        w = build_province(s)
        s.commit()
        return w


def test_cli_round_trip(monkeypatch, capsys, cli_world, tmp_path):
    w = cli_world
    with session_factory()() as s:
        path = filled_xlsx(s, s.merge(w.huyen_a), tmp_path / "a.xlsx", huyen_values(40, 37, 3))
    code, out, _ = run(monkeypatch, capsys, "prepare", "--unit", w.huyen_a.code, "--period", KY, "--xlsx", str(path))
    assert code == 0 and "Biểu mẫu XLSX" in out
    code, out, _ = run(monkeypatch, capsys, "submit", "--unit", w.huyen_a.code, "--period", KY)
    assert code == 0 and "muộn" in out and "20/6/2024" in out
    code, _, err = run(monkeypatch, capsys, "decide", "--unit", w.huyen_a.code, "--period", KY, "--return")
    assert code == 2 and "phải ghi ý kiến" in err
    code, out, _ = run(monkeypatch, capsys, "decide", "--unit", w.huyen_a.code, "--period", KY, "--accept")
    assert code == 0 and "đã duyệt" in out
    code, out, _ = run(monkeypatch, capsys, "status", "--period", KY, "--province", w.province.code)
    assert code == 0 and "Đã duyệt: 1" in out and "Chưa gửi: 3" in out
    code, out, _ = run(monkeypatch, capsys, "remind", "--period", KY, "--date", "21/6/2024")
    assert code == 0 and "Đã ghi 3 lời nhắc." in out
    code, out, _ = run(monkeypatch, capsys, "remind", "--period", KY, "--date", "21/6/2024")
    assert code == 0 and "Không có đơn vị nào cần nhắc thêm hôm nay." in out
    out_file = tmp_path / "tong-hop.xlsx"
    code, out, _ = run(monkeypatch, capsys, "consolidate", "--province", w.province.code, "--period", KY, "--out", str(out_file))
    assert code == 0 and "UBND huyện Bình" in out  # missing, said so
    ws = load_workbook(out_file)["Biểu mẫu 3"]
    values = {str(ws.cell(n, 1).value): ws.cell(n, 4).value for n in range(7, ws.max_row + 1)}
    # 1.2 "Số TTHC công bố mới": the province's own publications (none in its catalogue for the window), not the 3
    # a district wrote in its Biểu mẫu for the same decisions
    assert values["3.1.1"] == 12 and values["3.2.1"] == 40 and values["1.2"] == 0
    code, _, err = run(monkeypatch, capsys, "prepare", "--unit", "KHONG-CO", "--period", KY)
    assert code == 2 and "Không tìm thấy đơn vị" in err
    code, out, _ = run(monkeypatch, capsys, "source", "--unit", w.huyen_b.code, "--cchc")
    assert code == 0 and "báo cáo trên cchc" in out
    with session_factory()() as s:
        assert s.query(Submission).count() == 1 and s.query(Reminder).count() == 3
