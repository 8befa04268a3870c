"""Imports of the registers: all or nothing, errors with row (header = 1) and column."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from cchc.errors import ImportRejected, NotFound
from cchc.reform import importer
from cchc.reform.models import DirectiveDocument, Inspection, PlanItem

from .conftest import H1_2023


def write_csv(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_plan_from_xlsx_with_the_year_given(db, units, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Nội dung nhiệm vụ", "Đơn vị, người chủ trì", "Thời hạn", "Trạng thái", "Ngày hoàn thành"])
    ws.append(["1", "Ban hành kế hoạch CCHC", "Văn phòng", "31/01/2023", "Hoàn thành", "06/01/2023"])
    ws.append([2, "Tự kiểm tra CCHC", "Văn phòng", "30/11/2023", "dang_thuc_hien", None])
    path = tmp_path / "ke-hoach.xlsx"
    wb.save(path)
    assert importer.import_file(db, None, "ke-hoach", units.office, path, year=2023) == 2
    items = db.query(PlanItem).order_by(PlanItem.code).all()
    assert [(i.year, i.code, i.status) for i in items] == [(2023, "1", "hoan_thanh"), (2023, "2", "dang_thuc_hien")]


def test_a_wrong_row_refuses_the_whole_file(db, units, tmp_path):
    path = write_csv(tmp_path / "van-ban.csv", [
        "Số, ký hiệu;Loại văn bản;Ngày ban hành;Trích yếu;Lĩnh vực",
        "01/KH-UBND;ke_hoach;06/01/2023;về cải cách hành chính năm 2023;chung",
        "10/KH-UBND;ke_hoach;31/02/2023;kiểm tra công vụ;cong_vu",
    ])
    with pytest.raises(ImportRejected) as info:
        importer.import_file(db, None, "van-ban", units.district, path)
    assert info.value.row == 3 and info.value.column == "Ngày ban hành"
    assert info.value.message.startswith("Dòng 3, cột Ngày ban hành: Ngày ban hành: ngày không hợp lệ: «31/02/2023»")
    assert db.query(DirectiveDocument).count() == 0


def test_duplicates_missing_columns_and_unknown_register(db, units, tmp_path):
    dup = write_csv(tmp_path / "trung.csv", [
        "so ky hieu,loai,ngay ban hanh,trich yeu",
        "01/KH-UBND,Kế hoạch,06/01/2023,CCHC",
        "01/KH-UBND,Kế hoạch,06/01/2023,CCHC lần hai",
    ])
    with pytest.raises(ImportRejected, match="Dòng 3, cột so ky hieu: trùng với dòng 2 của tệp") as info:
        importer.import_file(db, None, "van-ban", units.district, dup)
    assert info.value.column == "so ky hieu"
    missing = write_csv(tmp_path / "kiem-tra.csv", ["Đơn vị được kiểm tra,Số vấn đề phát hiện", "Sở Tư pháp,3"])
    with pytest.raises(ImportRejected, match="thiếu cột bắt buộc: Ngày kiểm tra"):
        importer.import_file(db, None, "kiem-tra", units.office, missing)
    with pytest.raises(NotFound, match="Không có sổ «abc»"):
        importer.import_file(db, None, "abc", units.office, missing)
    assert db.query(DirectiveDocument).count() == 0 and db.query(Inspection).count() == 0


def test_a_row_already_in_the_register_refuses_the_file(db, units, tmp_path):
    first = write_csv(tmp_path / "van-ban.csv", ["so ky hieu,loai,ngay ban hanh,trich yeu", "01/KH-UBND,Kế hoạch,06/01/2023,CCHC"])
    assert importer.import_file(db, None, "van-ban", units.district, first) == 1
    again = write_csv(tmp_path / "van-ban-2.csv", [
        "so ky hieu,loai,ngay ban hanh,trich yeu",
        "02/KH-UBND,Kế hoạch,07/01/2023,Kiểm tra",
        "01/KH-UBND,Kế hoạch,06/01/2023,CCHC",
    ])
    with pytest.raises(ImportRejected, match="Dòng 3, cột so ky hieu: Văn bản số 01/KH-UBND đã có trong sổ"):
        importer.import_file(db, None, "van-ban", units.district, again)
    assert db.query(DirectiveDocument).count() == 1
    assert importer.import_file(db, None, "van-ban", units.office, first) == 1  # another unit's register

def test_inspections_and_communication_from_csv(db, units, tmp_path):
    ins = write_csv(tmp_path / "kiem-tra.csv", [
        "Ngày kiểm tra,Mã đơn vị được kiểm tra,Đơn vị được kiểm tra,Loại đơn vị,Số vấn đề phát hiện,Số vấn đề đã xử lý",
        f"10/03/2023,{units.justice.code},,,4,3",
        "12/03/2023,,UBND xã Tịnh Thọ,UBND cấp xã,2,2",
    ])
    assert importer.import_file(db, None, "kiem-tra", units.office, ins) == 2
    com = write_csv(tmp_path / "tuyen-truyen.csv", ["Ngày,Hình thức,Nội dung,Số lượng,Số lượt tham dự",
                                                    "15/01/2023,bai_viet,Tin bài,115,", "10/04/2023,hoi_nghi,Hội nghị,78,2.312"])
    assert importer.import_file(db, None, "tuyen-truyen", units.office, com) == 2
    from cchc.reform.figures import reform_figures

    f = reform_figures(db, units.office, *H1_2023)
    assert (f["inspections"]["departments"], f["inspections"]["communes"], f["inspections"]["rate"]) == (1, 1, 83.33)
    assert (f["communication"]["articles"], f["communication"]["meetings"], f["communication"]["participants"]) == (115, 78, 2312)
    assert importer.template_columns("tuyen-truyen") == ["Ngày", "Hình thức", "Nội dung", "Số lượng", "Số lượt tham dự"]
