"""`cchc import …` / `cchc export …` (cchc/interop/cli.py), on real commits."""

from __future__ import annotations

import csv
import json
import sys
import types

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cchc.cli import app, main
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.procedures.models import Procedure
from cchc.units.models import Unit

from .factories import World, row

runner = CliRunner()


@pytest.fixture
def world(committed):
    with Session(committed) as session:
        World(session)
        session.commit()
    return committed


def dossiers_in(engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(Dossier)).scalar_one()


def write_csv(path, rows):
    columns = list(dict.fromkeys(c for r in rows for c in r))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_main(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """The real entry point (`cchc …`): Vietnamese error on stderr and exit status 2."""
    monkeypatch.setattr(sys, "argv", ["cchc", *args])
    with pytest.raises(SystemExit) as info:
        main()
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_import_dossiers_prints_a_vietnamese_summary(world, tmp_path):
    path = write_csv(tmp_path / "hoso.csv", [row(MaHoSo=f"C-{i}") for i in range(3)] + [row(MaHoSo="C-9", TrangThaiHoSo="4", NgayKetThucXuLy="", NgayTra="", GhiChu="x")])
    result = runner.invoke(app, ["import", "dossiers", str(path)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập 4 hồ sơ từ «hoso.csv»." in result.output
    assert "Đã trả kết quả: 3" in result.output and "Đang xử lý: 1" in result.output
    assert "Bỏ qua các cột không dùng: GhiChu." in result.output
    assert dossiers_in(world) == 4
    with Session(world) as session:
        assert session.execute(select(func.count()).select_from(DossierEvent)).scalar_one() == 4


def test_import_dossiers_error_exits_2_and_writes_nothing(world, tmp_path, monkeypatch, capsys):
    path = write_csv(tmp_path / "hoso.csv", [row(MaHoSo="C-1"), row(MaHoSo="C-2", NgayHenTra="32/13/2024")])
    code, _, err = run_main(monkeypatch, capsys, "import", "dossiers", str(path))
    assert code == 2
    assert "Dòng 3, cột NgayHenTra" in err and "«32/13/2024»" in err
    assert dossiers_in(world) == 0


def test_import_dossiers_as_a_named_user(world, tmp_path, monkeypatch, capsys):
    path = write_csv(tmp_path / "hoso.csv", [row(MaHoSo="C-1")])
    code, _, err = run_main(monkeypatch, capsys, "import", "dossiers", str(path), "--user", "khong.co")
    assert code == 2 and "Không có tài khoản «khong.co»" in err
    assert dossiers_in(world) == 0


def test_missing_file_is_a_clear_error(world, tmp_path, monkeypatch, capsys):
    code, _, err = run_main(monkeypatch, capsys, "import", "dossiers", str(tmp_path / "khong-co.csv"))
    assert code == 2 and "Không tìm thấy tệp" in err


def test_export_dossiers_by_unit_and_window(world, tmp_path):
    rows = [
        row(MaHoSo="C-1"),
        row(MaHoSo="C-2", MaDonViTiepNhan="000.21.20.H56"),
        row(MaHoSo="C-3", NgayTiepNhan="20240701080000", NgayHenTra="20240704080000",
            NgayKetThucXuLy="20240702080000", NgayTra="20240702090000"),
    ]
    assert runner.invoke(app, ["import", "dossiers", str(write_csv(tmp_path / "in.csv", rows))]).exit_code == 0
    out = tmp_path / "ra" / "hoso.json"
    result = runner.invoke(app, ["export", "dossiers", "--out", str(out), "--unit", "000.00.12.H56", "--from", "1/6/2024", "--to", "30/6/2024"])
    assert result.exit_code == 0, result.output
    assert "Đã xuất 1 hồ sơ ra «hoso.json»." in result.output
    assert [item["MaHoSo"] for item in json.loads(out.read_text(encoding="utf-8"))] == ["C-1"]
    everything = tmp_path / "tat-ca.xlsx"
    result = runner.invoke(app, ["export", "dossiers", "--out", str(everything)])
    assert "Đã xuất 3 hồ sơ ra «tat-ca.xlsx»." in result.output and everything.exists()


def test_export_bad_date_exits_2(world, tmp_path, monkeypatch, capsys):
    code, _, err = run_main(monkeypatch, capsys, "export", "dossiers", "--out", str(tmp_path / "x.csv"), "--from", "hôm nay")
    assert code == 2 and "Ngày bắt đầu (--from) không hợp lệ: «hôm nay»" in err


@pytest.mark.parametrize(
    ("command", "module", "function", "result", "expected"),
    [
        ("units", "cchc.units.importer", "import_units", {"rows": 3, "inserted": 2, "updated": 1},
         "Đã nhập đơn vị từ «tep.csv»: dòng: 3; thêm mới: 2; cập nhật: 1."),
        ("procedures", "cchc.procedures.importer", "import_procedures", {"rows": 5, "created": 5, "file": "tep.csv"},
         "Đã nhập thủ tục hành chính từ «tep.csv»: dòng: 5; thêm mới: 5."),
    ],
)
def test_units_and_procedures_commands_call_their_importer(world, tmp_path, monkeypatch, command, module, function, result, expected):
    calls = []

    def importer(session, path, progress):
        progress(1, 2)
        progress(2, 2)
        calls.append((isinstance(session, Session), path))
        return result

    monkeypatch.setitem(sys.modules, module, types.SimpleNamespace(**{function: importer}))
    path = tmp_path / "tep.csv"
    path.write_text("x\n", encoding="utf-8")
    out = runner.invoke(app, ["import", command, str(path)])
    assert out.exit_code == 0, out.output
    assert calls == [(True, path)]
    assert expected in out.output


def test_import_units_with_the_real_importer(world, tmp_path):
    pytest.importorskip("cchc.units.importer")
    path = tmp_path / "donvi.csv"
    path.write_text(
        "MaDonVi,TenDonVi,MaDonViCha,Cap,LoaiDonVi,HieuLucTu,HieuLucDen\n"
        "000.00.40.H56,Sở Xây dựng,000.00.00.H56,tinh,so,2025-07-01,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "units", str(path)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập đơn vị từ «donvi.csv»" in result.output
    with Session(world) as session:
        assert session.execute(select(Unit.name).where(Unit.code == "000.00.40.H56")).scalar_one() == "Sở Xây dựng"


def test_import_procedures_with_the_real_importer(world, tmp_path):
    pytest.importorskip("cchc.procedures.importer")
    path = tmp_path / "tthc.csv"
    path.write_text(
        "MaTTHC,TenTTHC,MaLinhVuc,TenLinhVuc,CapThucHien,ThoiHanGiaiQuyet,DonViThoiHan,MucDoDVC,CoPhiLePhi\n"
        "2.000001,Chứng thực bản sao từ bản chính,CT,Chứng thực,xa,1,ngay_lam_viec,toan_trinh,1\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "procedures", str(path)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập thủ tục hành chính từ «tthc.csv»" in result.output
    with Session(world) as session:
        assert session.execute(select(Procedure.name).where(Procedure.code == "2.000001")).scalar_one() == "Chứng thực bản sao từ bản chính"
