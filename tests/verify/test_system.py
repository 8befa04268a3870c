"""A report typed by hand read against what cchc computed for its unit and period: `cchc check-report FILE --unit
… --period …` flags «03 văn bản» typed where the register counts 5."""

from __future__ import annotations

from datetime import date

from cchc.db import session_factory
from cchc.periods import resolve_period
from cchc.reform import directives
from cchc.verify import check_report_text
from cchc.verify.system import system_rows
from tests.clirunner import run_cli as run
from tests.reports.conftest import add_unit

PERIOD = resolve_period("2023-Q3")
TEXT = ("Trong quý III năm 2023, Sở đã ban hành 05 văn bản chỉ đạo, điều hành về CCHC.\n\n"
        "Số TTHC thuộc thẩm quyền giải quyết tại địa phương: không có thay đổi.\n")


def _sở(session):
    province = add_unit(session, "87", "Tỉnh Đồng Tháp", "tinh", "tinh", is_area=True)
    so = add_unit(session, "000.00.12.H87", "Sở Tư pháp", "tinh", "so", parent=province)
    for i in range(5):
        directives.create_document(session, None, so, number=f"{i + 1}/KH-STP", kind="ke_hoach",
                                   issued_on=date(2023, 7, 3 + i), subject=f"Kế hoạch số {i + 1} về cải cách hành chính")
    return so


def test_typed_figures_against_the_figures_the_system_computed(db):
    rows = system_rows(db, _sở(db), PERIOD)
    row = next(r for r in rows if r.form == "Biểu mẫu 1" and r.code == "1")
    assert (row.value, row.unit) == (5, "Văn bản")
    assert not any(r.form == "Biểu mẫu 2" and r.value is not None for r in rows)  # entered by hand: not the system's
    assert check_report_text(TEXT, system=rows) == []
    found = check_report_text(TEXT.replace("05 văn bản", "03 văn bản"), system=rows)
    assert [(p.kind, p.stated, p.computed, p.where) for p in found] == [("he_thong", 3, 5, "đoạn 1")]
    assert found[0].explanation == ("Phần lời ghi 03 văn bản nhưng Biểu mẫu 1, mục 1 «Số văn bản chỉ đạo CCHC đã ban hành»: "
                                    "hệ thống tính được 5.")
    assert check_report_text(TEXT.replace("05 văn bản", "03 văn bản")) == []  # without the system, nothing to read against


def test_cli_unit_and_period(monkeypatch, capsys, committed, tmp_path):
    with session_factory()() as s:
        _sở(s)
        s.commit()
    path = tmp_path / "bao_cao.md"
    path.write_text(TEXT.replace("05 văn bản", "03 văn bản"), encoding="utf-8")
    code, out, _ = run(monkeypatch, capsys, "check-report", str(path), "--unit", "000.00.12.H87", "--period", "2023-Q3")
    assert code == 1 and "Phần lời và số liệu hệ thống" in out and "hệ thống tính được 5" in out.replace("\n", " ")
    code, out, _ = run(monkeypatch, capsys, "check-report", str(path))
    assert code == 0
    code, _, err = run(monkeypatch, capsys, "check-report", str(path), "--unit", "000.00.12.H87")
    assert code == 2 and "cần cả mã đơn vị (--unit) và kỳ báo cáo (--period)" in " ".join(err.split())
