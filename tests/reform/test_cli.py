"""`cchc reform import|figures` on committed rows: all or nothing, exit 2 with the row and column."""

from __future__ import annotations


import pytest

from cchc.db import session_scope
from cchc.reform.models import PlanItem
from cchc.units.models import Unit
from tests.clirunner import run_cli as run


@pytest.fixture
def district(committed):
    with session_scope() as s:
        s.add(Unit(code="845", name="Huyện Cầu Kè", level="huyen", kind="huyen", is_area=True))
    return "845"


def test_import_and_figures(monkeypatch, capsys, district, tmp_path):
    rows = ["STT,Nội dung nhiệm vụ,Trạng thái,Ngày hoàn thành"]
    rows += [f"{i},Nhiệm vụ {i},hoan_thanh,02/05/2023" for i in range(1, 27)]
    rows += [f"{i},Nhiệm vụ {i},chua_thuc_hien," for i in range(27, 33)]
    good = tmp_path / "ke-hoach.csv"
    good.write_text("\n".join(rows) + "\n", encoding="utf-8")
    bad = tmp_path / "sai.csv"
    bad.write_text("STT,Nội dung nhiệm vụ,Trạng thái\n1,A,hoan_thanh\n2,B,xong\n", encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, "reform", "import", "ke-hoach", str(bad), "--unit", district, "--year", "2023")
    assert code == 2 and "Dòng 3, cột Trạng thái" in out + err
    with session_scope() as s:
        assert s.query(PlanItem).count() == 0
    code, out, _ = run(monkeypatch, capsys, "reform", "import", "ke-hoach", str(good), "--unit", district, "--year", "2023")
    assert code == 0 and "Đã nhập 32 dòng vào sổ Kế hoạch CCHC năm của Huyện Cầu Kè." in out
    code, out, _ = run(monkeypatch, capsys, "reform", "figures", "--unit", district, "--period", "2023-H1")
    assert code == 0 and "26/32 (81,25%)" in out
