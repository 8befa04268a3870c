"""A province with four reporting units: two on cchc (dossiers imported with DVCQG columns) and two that
send the Biểu mẫu XLSX; leaders of each unit and the province's reporting officer."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from cchc import config
from cchc.auth.enums import Role
from cchc.interop.dossier_import import import_dossier_rows
from cchc.periods import resolve_period
from cchc.reports.xlsx import write_forms
from cchc.submissions import service
from tests.dossiers.factories import make_user
from tests.interop.factories import make_procedure, make_unit, row, ts

PERIOD = resolve_period("2024-H1")  # 15/12/2023 – 14/6/2024, deadline 20/6/2024


@dataclasses.dataclass
class Province:
    province: object
    so_tp: object
    so_yt: object
    huyen_a: object
    huyen_b: object
    reporter: object
    leaders: dict
    admin_a: object


def _dossiers(session, unit_code: str, prefix: str, n: int, late: int) -> None:
    rows = []
    for i in range(n):
        received = datetime(2024, 5, 6, 8, 0) + timedelta(days=i % 5)
        ended = received + timedelta(days=5 if i < late else 1)
        rows.append((i + 2, row(MaHoSo=f"{prefix}-{i:04d}", MaDonViTiepNhan=unit_code, KenhThucHien=str(1 + i % 2),
                                NgayTiepNhan=ts(received), NgayHenTra=ts(received + timedelta(days=3)),
                                NgayKetThucXuLy=ts(ended), NgayTra=ts(ended))))
    import_dossier_rows(session, rows, source="test")


def build_province(session) -> Province:
    p = make_unit(session, "000.00.00.H56", "Tỉnh Thử Nghiệm", "tinh", "tinh", is_area=True)
    so_tp = make_unit(session, "000.00.12.H56", "Sở Tư pháp", "tinh", "so", parent=p)
    so_yt = make_unit(session, "000.00.13.H56", "Sở Y tế", "tinh", "so", parent=p)
    huyen_a = make_unit(session, "000.00.20.H56", "UBND huyện An", "huyen", "ubnd", parent=p)
    huyen_b = make_unit(session, "000.00.21.H56", "UBND huyện Bình", "huyen", "ubnd", parent=p)
    make_procedure(session, "1.001193", "Đăng ký khai sinh", None, days=3)
    _dossiers(session, so_tp.code, "TP", 7, 2)
    _dossiers(session, so_yt.code, "YT", 5, 1)
    service.set_on_cchc(session, None, huyen_a, False)
    service.set_on_cchc(session, None, huyen_b, False)
    leaders = {u.id: make_user(session, f"lanhdao_{u.code[7:9]}", Role.LEADER, u) for u in (so_tp, so_yt, huyen_a, huyen_b)}
    reporter = make_user(session, "baocao_tinh", Role.REPORTING, p)
    admin_a = make_user(session, "quantri_an", Role.UNIT_ADMIN, huyen_a)
    session.flush()
    return Province(p, so_tp, so_yt, huyen_a, huyen_b, reporter, leaders, admin_a)


@pytest.fixture
def files_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, files_dir=tmp_path / "files"))
    return tmp_path / "files"


@pytest.fixture
def no_charts(monkeypatch):
    """The charts of the DOCX (matplotlib, tested in tests/reports) are left out to keep these tests fast."""
    from cchc.reports import charts

    monkeypatch.setattr(charts, "render_charts", lambda report, directory: [])


@pytest.fixture
def world(db, files_dir, no_charts) -> Province:
    return build_province(db)


# Biểu mẫu 3, rows read from the data (catalogue and dossiers by level); 3.1.1 etc. are resolved and in time.
def filled_xlsx(session, unit, path, values: dict[tuple[int, str], float | int]):
    """The unit's empty template (reports.xlsx.write_forms) filled like an officer would, cell by cell."""
    write_forms(service.template_context(session, unit, PERIOD), path)
    wb = load_workbook(path)
    for (form, stt), value in values.items():
        ws = wb[f"Biểu mẫu {form}"]
        for n in range(7, ws.max_row + 1):
            if str(ws.cell(n, 1).value) == stt:
                ws.cell(n, 4).value = value
                break
        else:
            raise AssertionError(f"no row {stt} in form {form}")
    wb.save(path)
    return path


def huyen_values(resolved: int, in_time: int, new_pub: int) -> dict:
    return {(3, "3.2.1"): resolved, (3, "3.2.2"): in_time, (3, "1.2"): new_pub}
