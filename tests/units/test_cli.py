"""`cchc units load|list|show` through the real command line."""

from __future__ import annotations

import sys

import pytest
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from cchc import db as cchc_db

from cchc.cli import app, main
from cchc.units.cli import summary_text
from tests.units.conftest import rolled_back_connection

runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, ["units", *args], terminal_width=200)
    assert result.exit_code == 0, (result.output, result.exception)
    return " ".join(result.output.split())


@pytest.fixture(scope="module")
def loaded(engine):
    """The official lists loaded once through `cchc units load`.

    The commands' own sessions (cchc.db.session_scope) are bound to one connection whose transaction is
    rolled back at the end of the module: their commits become savepoints, and nothing is left behind.
    """
    with rolled_back_connection(engine) as connection:
        saved = cchc_db._factory
        cchc_db._factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield run("load")
        finally:
            cchc_db._factory = saved


def test_load_prints_the_counts(loaded):
    assert "34 tỉnh, thành phố; 3.321 xã, phường, đặc khu" in loaded
    assert "63 tỉnh, thành phố; 696 huyện, quận, thị xã, thành phố thuộc tỉnh; 10.035 xã, phường, thị trấn" in loaded
    assert "Thêm mới 14.122 đơn vị" in loaded
    again = run("load")
    assert "Thêm mới 0 đơn vị, cập nhật 0; thêm 0 quan hệ kế thừa" in again


def test_list_by_parent_level_date_and_text(loaded):
    districts = run("list", "--parent", "01", "--level", "huyen", "--on", "30/6/2025", "--limit", "100")
    assert "Quận Ba Đình" in districts and "30 đơn vị." in districts
    assert "30 đơn vị." in districts and "Phường" not in districts
    now = run("list", "--parent", "01", "--on", "2025-07-01", "--limit", "500")
    assert "126 đơn vị." in now and "Quận" not in now
    found = run("list", "--q", "truc bach")
    assert "Phường Trúc Bạch" in found and "1 đơn vị." in found


def test_show_with_chain_children_and_successions(loaded):
    old = run("show", "00004", "--on", "30/6/2025")
    assert "Phường Trúc Bạch (mã 00004)" in old
    assert "Trực thuộc: Thành phố Hà Nội (01) › Quận Ba Đình (001)" in old
    assert "Được kế thừa bởi (1): – Phường Ba Đình (00004), từ 1/7/2025" in old
    merged = run("show", "15", "--on", "1/7/2025")
    assert "Tỉnh Lào Cai (mã 15)" in merged and "Hiệu lực: từ 1/7/2025" in merged
    assert "Kế thừa từ (2): – Tỉnh Lào Cai (10), từ 1/7/2025 – Tỉnh Yên Bái (15), từ 1/7/2025" in merged
    district = run("show", "001", "--on", "2024-01-01")
    assert "Số đơn vị trực thuộc: 13" in district


def test_rebuild_paths_keeps_the_tree(loaded):
    before = run("show", "00004", "--on", "30/6/2025")
    assert "Đã tính lại đường dẫn của 14.122 đơn vị." in run("rebuild-paths")
    assert run("show", "00004", "--on", "30/6/2025") == before


def test_unknown_code_is_a_vietnamese_error_with_status_2(loaded, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["cchc", "units", "show", "02", "--on", "1/7/2025"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "Không có đơn vị mã «02» có hiệu lực vào ngày 1/7/2025" in err and "Tỉnh Hà Giang" in err


def test_summary_text_formats_numbers_the_vietnamese_way():
    counts = {
        "provinces": 34, "communes": 3321, "legacy_provinces": 63, "legacy_districts": 696,
        "legacy_communes": 10035, "successions": 10638, "inserted": 14122, "updated": 0, "successions_added": 10638,
    }
    text = summary_text(counts)
    assert text.startswith("Từ 1/7/2025: 34 tỉnh, thành phố; 3.321 xã, phường, đặc khu.")
    assert "10.638 quan hệ kế thừa" in text and "Thêm mới 14.122 đơn vị" in text
