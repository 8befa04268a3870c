"""The Biểu mẫu workbook: template with computed figures locked, import validated, all or nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cchc.errors import ImportRejected
from cchc.reform import service as reform
from cchc.reform.models import ManualFigure
from cchc.reports.assembly import forms_context
from cchc.reports.xlsx import FIRST_ROW, import_figures, write_forms

from .conftest import seed_figures


def provider(*_args):
    return seed_figures()


@pytest.fixture
def template(db, units, period, tmp_path) -> Path:
    ctx = forms_context(db, units["office"], period, figures_provider=provider)
    return write_forms(ctx, tmp_path / "bieu_mau.xlsx", template=True)


def rows_by_stt(ws) -> dict[str, int]:
    return {str(ws.cell(n, 1).value): n for n in range(FIRST_ROW, ws.max_row + 1) if ws.cell(n, 1).value is not None}


def fill(path: Path, values: dict[tuple[int, str], object], notes: dict[tuple[int, str], str] | None = None) -> Path:
    wb = load_workbook(path)
    for (form, stt), value in values.items():
        ws = wb[f"Biểu mẫu {form}"]
        ws.cell(rows_by_stt(ws)[stt], 4).value = value
    for (form, stt), note in (notes or {}).items():
        ws = wb[f"Biểu mẫu {form}"]
        ws.cell(rows_by_stt(ws)[stt], 5).value = note
    wb.save(path)
    return path


def test_template_layout(template):
    wb = load_workbook(template)
    assert wb.sheetnames == [f"Biểu mẫu {n}" for n in range(1, 8)]
    ws = wb["Biểu mẫu 3"]
    assert ws["A2"].value == "Cải cách thủ tục hành chính"
    assert (ws["E3"].value, ws["E4"].value) == ("000.00.01.H87", "2023-Q3")
    assert [ws.cell(6, c).value for c in range(1, 6)] == ["STT", "Chỉ tiêu thống kê", "Đơn vị tính", "Số liệu", "Ghi chú"]
    rows = rows_by_stt(ws)
    computed = ws.cell(rows["3.1.1"], 4)
    assert computed.value == 52414 and computed.protection.locked and computed.fill.fgColor.rgb.endswith("D9D9D9")
    assert ws.cell(rows["3.1"], 4).value == pytest.approx(99.69)
    manual = ws.cell(rows["1.1"], 4)
    assert manual.value is None and not manual.protection.locked
    assert ws.protection.sheet
    assert ws.cell(rows["1"], 2).font.name == "Times New Roman" and ws.cell(rows["1"], 2).font.bold
    f2 = wb["Biểu mẫu 2"]
    assert f2.cell(rows_by_stt(f2)["3"], 4).value.startswith("=IF(")  # a rate of rows typed by hand: a formula


def test_round_trip(db, units, period, template):
    fill(template, {(1, "6.1"): 17, (2, "3.1"): 32, (2, "3.2"): "26", (4, "2.1"): 59, (4, "2.2"): 57,
                    (6, "1"): "21.985.346.717", (6, "1.1"): 21042000000, (6, "1.2"): 943346717, (7, "3"): "100%",
                    (3, "3.1.1"): 52414},
         notes={(2, "3"): "Văn bản của Văn phòng", (3, "1.4"): "Bao gồm cả ngành dọc"})
    unit, p, written = import_figures(db, None, template, figures_provider=provider)
    assert (unit.code, p.key) == ("000.00.01.H87", "2023-Q3")
    values = reform.manual_values(db, unit.id, p.start, p.end)
    assert values[1] == {"6.1": Decimal(17)} and values[2] == {"3.1": Decimal(32), "3.2": Decimal(26)}
    assert values[6]["1"] == Decimal(21985346717)
    assert values[7]["3"] == Decimal(100)
    assert reform.manual_notes(db, unit.id, p.start, p.end) == {2: {"3": "Văn bản của Văn phòng"}}
    assert written == 10
    # the next template shows what was entered
    again = write_forms(forms_context(db, unit, p, figures_provider=provider), template.parent / "lan2.xlsx")
    ws = load_workbook(again)["Biểu mẫu 2"]
    assert ws.cell(rows_by_stt(ws)["3.2"], 4).value == 26


def test_validation_errors_name_sheet_row_and_column_and_change_nothing(db, units, period, template):
    reform.set_figure(db, None, units["office"], period.start, period.end, 5, "3", 2)
    fill(template, {(1, "6.1"): -3, (1, "4.2"): 120, (1, "6"): 2, (4, "2.1"): 50, (4, "2.2"): 57, (3, "3.1.1"): 52000,
                    (1, "3"): 4, (5, "3"): None})
    with pytest.raises(ImportRejected) as info:
        import_figures(db, None, template, figures_provider=provider)
    msg = info.value.message
    wb = load_workbook(template)
    r1, r3, r4 = (rows_by_stt(wb[f"Biểu mẫu {n}"]) for n in (1, 3, 4))
    assert f"Trang «Biểu mẫu 1», dòng {r1['6.1']}, cột D (Số liệu): chỉ tiêu «Số lượng phiếu khảo sát»: phải là số nguyên không âm (nhập -3)." in msg
    assert f"Trang «Biểu mẫu 1», dòng {r1['4.2']}, cột D (Số liệu)" in msg and "tỷ lệ phải từ 0 đến 100 (nhập 120)" in msg
    assert "chỉ nhận 0 = Không; 1 = Có (nhập 2)" in msg
    assert f"Trang «Biểu mẫu 1», dòng {r1['3']}, cột D (Số liệu): chỉ tiêu «Kiểm tra CCHC»: dòng tiêu đề nhóm, không nhập số liệu." in msg
    assert f"Trang «Biểu mẫu 3», dòng {r3['3.1.1']}, cột D (Số liệu): chỉ tiêu «Tổng số hồ sơ TTHC đã giải quyết xong» do hệ thống tự tính (giá trị 52.414), không được sửa." in msg
    assert f"Trang «Biểu mẫu 4», dòng {r4['2.2']}, cột D (Số liệu): STT 2.2 (57) lớn hơn tổng của nó ở STT 2.1 (50)." in msg
    assert info.value.row == r1["3"] and info.value.column == "D (Số liệu)"
    # nothing changed: the figure stored before is still there, nothing else was added
    assert reform.manual_values(db, units["office"].id, period.start, period.end) == {5: {"3": Decimal(2)}}


def test_unit_and_period_must_agree_with_the_file(db, units, period, template):
    with pytest.raises(ImportRejected, match="tệp ghi kỳ «2023-Q3» nhưng lệnh chọn kỳ «2023-Q2»"):
        import_figures(db, None, template, period_spec="2023-Q2", figures_provider=provider)
    with pytest.raises(ImportRejected, match="tệp ghi mã đơn vị «000.00.01.H87» nhưng lệnh chọn đơn vị «87»"):
        import_figures(db, None, template, unit_code="87", figures_provider=provider)
    assert db.query(ManualFigure).count() == 0


def test_unknown_stt_and_broken_sheet(db, template):
    wb = load_workbook(template)
    ws = wb["Biểu mẫu 2"]
    ws.cell(ws.max_row + 1, 1).value = "9.9"
    ws.cell(ws.max_row, 4).value = 3
    wb["Biểu mẫu 5"]["A1"] = "Bảng khác"
    wb["Biểu mẫu 5"].title = "Trang lạ"
    wb.save(template)
    with pytest.raises(ImportRejected) as info:
        import_figures(db, None, template, figures_provider=provider)
    assert f"Trang «Biểu mẫu 2», dòng {ws.max_row}, cột A (STT): STT «9.9» không có trong Biểu mẫu 2." in info.value.message
    assert "Trang «Trang lạ», dòng 1, cột A: không nhận ra biểu mẫu" in info.value.message


def test_not_an_excel_file(db, tmp_path):
    bad = tmp_path / "so_lieu.xlsx"
    bad.write_text("không phải Excel", encoding="utf-8")
    with pytest.raises(ImportRejected, match="bị hỏng hoặc không phải tệp Excel"):
        import_figures(db, None, bad, figures_provider=provider)
    csv = tmp_path / "a.csv"
    csv.write_text("STT;Số liệu\n1;2\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="không phải tệp Excel .xlsx"):
        import_figures(db, None, csv, figures_provider=provider)


@pytest.mark.parametrize("template_mode", [True, False], ids=["biểu mẫu để điền", "báo cáo XLSX"])
def test_text_that_looks_like_a_formula_is_written_as_text(db, units, period, tmp_path, template_mode):
    """A unit's name or a note typed by an officer is data: a string cell, never a live formula; the rate formulas
    cchc writes over its own cells stay formulas (issue 12 item 5: in the report, every rate is live)."""
    import zipfile

    ctx = forms_context(db, units["office"], period, figures_provider=provider)
    ctx.unit_name = '=HYPERLINK("http://x","y")'
    ctx.tables[1].notes["3.1"] = "+84 277 3851 234 (đường dây nóng)"
    ctx.tables[1].notes["3.2"] = "=cmd|' /C calc'!A0"
    ctx.tables[2].notes["3.1.1"] = "Ghi chú\x0bcó ký tự điều khiển"
    path = write_forms(ctx, tmp_path / "bieu_mau.xlsx", template=template_mode)
    wb = load_workbook(path)
    ws = wb["Biểu mẫu 2"]
    rows = rows_by_stt(ws)
    assert (ws["B3"].value, ws["B3"].data_type) == ('=HYPERLINK("http://x","y")', "s")
    assert (ws.cell(rows["3.1"], 5).value, ws.cell(rows["3.1"], 5).data_type) == ("+84 277 3851 234 (đường dây nóng)", "s")
    assert (ws.cell(rows["3.2"], 5).value, ws.cell(rows["3.2"], 5).data_type) == ("=cmd|' /C calc'!A0", "s")
    assert wb["Biểu mẫu 3"].cell(rows_by_stt(wb["Biểu mẫu 3"])["3.1.1"], 5).value == "Ghi chúcó ký tự điều khiển"
    formulas = [c.coordinate for sheet in wb.worksheets for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    if template_mode:
        assert formulas and all(sheet_cell.startswith("D") for sheet_cell in formulas)  # the rates of typed rows only
        assert ws.cell(rows["3"], 4).value.startswith("=IF(")
    else:
        # the report's rates are formulas over their own two rows, and nothing else is a formula
        f3 = wb["Biểu mẫu 3"]
        r3 = rows_by_stt(f3)
        assert f3.cell(r3["3.1"], 4).value == f'=IF(OR(D{r3["3.1.2"]}="",D{r3["3.1.1"]}="",D{r3["3.1.1"]}=0),"",ROUND(D{r3["3.1.2"]}/D{r3["3.1.1"]}*100,2))'
        rates = {(sheet.title, sheet.cell(n, 1).value) for sheet in wb.worksheets for n in range(FIRST_ROW, sheet.max_row + 1)
                 if sheet.cell(n, 4).data_type == "f"}
        expected = {(t.form.name, r.stt) for t in ctx.tables for r in t.form.rows
                    if r.rate_of and t.values.get(r.stt) is not None and all(t.values.get(x) is not None for x in r.rate_of)}
        assert rates == expected and ("Biểu mẫu 3", "3.1") in rates
        raw = "".join(zipfile.ZipFile(path).read(n).decode() for n in zipfile.ZipFile(path).namelist() if "worksheets/" in n)
        assert raw.count("<f>") == len(expected)
        assert "cmd|" not in "".join(c.value for sheet in wb.worksheets for r in sheet.iter_rows() for c in r if c.data_type == "f")


def test_every_sheet_prints_one_page_wide(db, units, period, tmp_path):
    ctx = forms_context(db, units["office"], period, figures_provider=provider)
    for mode in (True, False):
        wb = load_workbook(write_forms(ctx, tmp_path / f"bm_{mode}.xlsx", template=mode))
        for ws in wb.worksheets:
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
            assert ws.print_title_rows == "$6:$6"  # the column headers on every page
