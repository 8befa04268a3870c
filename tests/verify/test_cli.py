"""`cchc check-report`: exit 1 with the problems listed, 0 when none, 2 on unreadable input; --format json."""

from __future__ import annotations

import json

from tests.clirunner import run_cli as run


def test_seed_with_problems(monkeypatch, capsys, shared_dir):
    code, out, _ = run(monkeypatch, capsys, "check-report", str(shared_dir / "seeds" / "002_7eaaa9fbbb774b1b.txt"))
    assert code == 1
    assert "Tổng ghi 244 nhưng các thành phần cộng lại 77 + 15 + 120 + 24 = 236 (chênh 8)." in out.replace("\n", " ")
    assert "Ngày «31/4/2019» không có thật: tháng 4 năm 2019 chỉ có 30 ngày." in out.replace("\n", " ")
    assert "Ghi: 31/4/2019 — đúng ra: tháng 4 năm 2019 chỉ có 30 ngày" in out
    assert "Tìm thấy 2 chỗ không khớp trong «002_7eaaa9fbbb774b1b.txt»." in out


def test_json_and_clean_report(monkeypatch, capsys, shared_dir, tmp_path):
    code, out, _ = run(monkeypatch, capsys, "check-report", "--format", "json",
                       str(shared_dir / "seeds" / "004_ed68a66bad1b506e.txt"))
    assert code == 1
    data = json.loads(out)
    # 848 of the 1.071 DVCTT «đạt 79,25%» in the text (79,18%), then 3.2 of the appendix (98,57% for 96,55%)
    assert [p["kind"] for p in data["problems"]] == ["tong_thanh_phan"] * 3 + ["ty_le", "ty_le", "phu_luc"]
    assert data["problems"][3]["stated_text"] == "79,25%" and data["problems"][3]["computed_text"] == "79,18%"
    assert data["problems"][4]["stated_text"] == "98,57%" and data["problems"][4]["computed_text"] == "96,55%"
    clean = tmp_path / "dung.md"
    clean.write_text("Tổng số là 410 TTHC (trong đó, cấp huyện: 262 TTHC; cấp xã: 148 TTHC).\n", encoding="utf-8")
    code, out, _ = run(monkeypatch, capsys, "check-report", str(clean))
    assert code == 0
    assert "Không thấy chỗ nào sai số học trong «dung.md»." in out


def test_unreadable_input_exits_2(monkeypatch, capsys, tmp_path):
    bad = tmp_path / "bao_cao.xls"
    bad.write_bytes(b"x")
    code, _, err = run(monkeypatch, capsys, "check-report", str(bad))
    assert code == 2
    assert "chỉ nhận .txt, .md, .docx hoặc .pdf" in err
