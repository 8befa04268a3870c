"""/cai-cach pages and /api/v1/reform: entries made through the pages, the API and imports appear with the
right figures in the period's Biểu mẫu 1 and in section I of the generated report."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cchc.db import session_factory
from cchc.periods import resolve_period
from cchc.reform.models import DirectiveDocument, PlanItem
from cchc.reports.assembly import build_report
from cchc.reports.figures import all_figures
from cchc.reports.markdown import render
from cchc.units.models import Unit
from tests.webclient import csrf_from, login_api, login_page


@dataclass
class World:
    district: str
    justice: str
    commune: str


@pytest.fixture
def world(committed, make_user):
    with session_factory()() as s:
        province = Unit(code="84", name="Tỉnh Trà Vinh", level="tinh", kind="tinh", is_area=True)
        s.add(province)
        s.flush()
        district = Unit(code="845", name="Huyện Cầu Kè", level="huyen", kind="huyen", is_area=True, parent_id=province.id)
        justice = Unit(code="000.00.02.H84", name="Sở Tư pháp", level="tinh", kind="so", parent_id=province.id)
        s.add_all([district, justice])
        s.flush()
        commune = Unit(code="29287", name="Xã Hòa Ân", level="xa", kind="xa", is_area=True, parent_id=district.id)
        s.add(commune)
        s.commit()
        ids = district.id, justice.id
    make_user("bc_caike", "bao_cao", ids[0])
    make_user("cv_caike", "chuyen_vien", ids[0])
    make_user("qt_stp", "quan_tri_don_vi", ids[1])
    return World("845", "000.00.02.H84", "29287")


def _plan_through_the_page(client, w):
    page = client.get("/cai-cach", params={"tab": "ke-hoach", "don_vi": w.district, "nam": 2023})
    assert page.status_code == 200 and "Kế hoạch CCHC năm" in page.text
    token = csrf_from(page.text)
    bad = client.post("/cai-cach/ke-hoach/them", data={"csrf_token": token, "don_vi": w.district, "nam": "2023", "code": "1",
                                                       "content": "", "deadline": "2023-01-31"})
    assert bad.status_code == 422 and 'class="field-error"' in bad.text and "Thiếu nội dung nhiệm vụ" in bad.text
    for i in range(1, 33):
        r = client.post("/cai-cach/ke-hoach/them", data={"csrf_token": token, "don_vi": w.district, "nam": "2023", "code": str(i),
                                                         "content": f"Nhiệm vụ {i}", "owner": "Phòng Nội vụ", "status": "dang_thuc_hien"},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
    with session_factory()() as s:
        ids = [i.id for i in s.query(PlanItem).order_by(PlanItem.id)]
    for item_id in ids[:26]:
        r = client.post(f"/cai-cach/ke-hoach/{item_id}/trang-thai", data={"csrf_token": token, "status": "hoan_thanh",
                                                                           "completed_at": "2023-05-02"}, follow_redirects=False)
        assert r.status_code == 303
    wrong = client.post(f"/cai-cach/ke-hoach/{ids[30]}/trang-thai", data={"csrf_token": token, "status": "xong"})
    assert wrong.status_code == 422 and "Nhiệm vụ STT 31: Trạng thái: giá trị «xong» không hợp lệ" in wrong.text
    back = client.post(f"/cai-cach/ke-hoach/{ids[0]}/trang-thai", data={"csrf_token": token, "status": "dang_thuc_hien",
                                                                         "completed_at": "2023-05-02"}, follow_redirects=False)
    assert back.status_code == 303  # leaving «Hoàn thành» drops the completion date the form still shows
    client.post(f"/cai-cach/ke-hoach/{ids[0]}/trang-thai", data={"csrf_token": token, "status": "hoan_thanh", "completed_at": "2023-05-02"})
    shown = client.get("/cai-cach", params={"tab": "ke-hoach", "don_vi": w.district, "nam": 2023}).text
    assert "26/32" in shown and "81,25%" in shown


def test_pages_api_and_imports_reach_bieu_mau_1_and_section_i(client, world):
    w = world
    login_page(client, "bc_caike")
    _plan_through_the_page(client, w)

    # directive documents and inspections through the API
    token = csrf_from(client.get("/cai-cach", params={"tab": "van-ban"}).text)
    headers = {"x-csrf-token": token}
    r = client.post("/api/v1/reform/van-ban", json={"number": "01/KH-UBND", "kind": "ke_hoach", "issued_on": "2023-01-06",
                                                    "subject": "về cải cách hành chính huyện năm 2023"}, headers=headers)
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/reform/van-ban", json={"number": "38/KH-UBND", "kind": "ke_hoach", "issued_on": "04/4/2023",
                                                    "subject": "triển khai Đề án 06"}, headers=headers)
    doc_id = r.json()["id"]
    bad = client.post("/api/v1/reform/van-ban", json={"number": "abc", "kind": "ke_hoach", "issued_on": "2023-01-06", "subject": "x"},
                      headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "number" and "ví dụ 36/KH-VPUBND" in bad.json()["detail"]
    assert client.patch(f"/api/v1/reform/van-ban/{doc_id}", json={"area": "tthc"}, headers=headers).json()["area"] == "tthc"
    listed = client.get("/api/v1/reform/van-ban", params={"nam": 2023}).json()
    assert listed["count"] == 2 and listed["items"][0]["number"] == "01/KH-UBND"
    r = client.post("/api/v1/reform/kiem-tra", json={"inspected_on": "2023-03-10", "inspected_unit_id": w.commune,
                                                     "issues_found": 5, "issues_resolved": 4}, headers=headers)
    assert r.status_code == 201 and r.json()["target_kind"] == "xa"

    # communication through an import on the page, inspections through an API import
    page = client.get("/cai-cach", params={"tab": "tuyen-truyen", "don_vi": w.district, "nam": 2023}).text
    csv = "Ngày,Hình thức,Nội dung,Số lượng,Số lượt tham dự\n15/01/2023,bai_viet,Tin bài,115,\n10/04/2023,hoi_nghi,Hội nghị,78,2312\n"
    r = client.post("/cai-cach/tuyen-truyen/nhap", data={"csrf_token": csrf_from(page), "don_vi": w.district, "nam": "2023"},
                    files={"tep": ("tuyen-truyen.csv", csv.encode("utf-8"), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    bad_csv = "Ngày,Hình thức,Số lượng\n15/01/2023,bai_viet,-2\n"
    r = client.post("/cai-cach/tuyen-truyen/nhap", data={"csrf_token": csrf_from(page), "don_vi": w.district, "nam": "2023"},
                    files={"tep": ("sai.csv", bad_csv.encode("utf-8"), "text/csv")})
    assert r.status_code == 422 and "Dòng 2, cột Số lượng" in r.text
    ins_csv = "Ngày kiểm tra,Mã đơn vị được kiểm tra,Số vấn đề phát hiện,Số vấn đề đã xử lý\n12/04/2023,000.00.02.H84,3,3\n"
    r = client.post("/api/v1/reform/kiem-tra/import", data={"don_vi": w.district}, headers=headers,
                    files={"file": ("kiem-tra.csv", ins_csv.encode("utf-8"), "text/csv")})
    assert r.status_code == 200 and r.json()["added"] == 1, r.text

    for tab, seen in (("kiem-tra", "Xã Hòa Ân"), ("van-ban", "38/KH-UBND"), ("tuyen-truyen", "2.312")):
        listed = client.get("/cai-cach", params={"tab": tab, "don_vi": w.district, "nam": 2023})
        assert listed.status_code == 200 and seen in listed.text

    period = resolve_period("2023-H1")
    with session_factory()() as s:
        district = s.query(Unit).filter_by(code=w.district).one()
        figures = all_figures(s, district, period.start, period.end, period=period)
        assert figures["plan"] == {"year": 2023, "total": 32, "done": 26, "not_done": 6, "rate": 81.25}
        assert figures["directives"]["count"] == 2
        assert figures["inspections"]["departments"] == 1 and figures["inspections"]["communes"] == 1
        assert "tasks" in figures, "cchc.tasks.stats.task_figures must feed all_figures"
        report = build_report(s, district, period, trend_periods=0)
        text = render(report)
    b1 = {t.form.number: t for t in report.tables}[1]
    shown = {r.stt: b1.display(r) for r in b1.form.rows}
    assert (shown["1"], shown["2"], shown["2.1"], shown["2.2"]) == ("2", "81,25%", "32", "26")
    assert (shown["3.1"], shown["3.2"], shown["3.3.1"], shown["3.3.2"], shown["3.3"]) == ("1", "0", "8", "7", "87,50%")
    assert shown["5.1"] == ""  # no task was ever recorded for the unit: blank, not 0 (issue 12 item 4)
    assert ("Kết quả, 6 tháng đầu năm 2023 Ủy ban nhân dân huyện Cầu Kè đã hoàn thành 26/32 chỉ tiêu nhiệm vụ của kế hoạch "
            "cải cách hành chính năm 2023, đạt 81,25%.") in text
    assert "+ Kế hoạch số 01/KH-UBND ngày 6/1/2023 về cải cách hành chính huyện năm 2023." in text
    assert "+ Kế hoạch số 38/KH-UBND ngày 4/4/2023 về triển khai Đề án 06." in text
    assert "viết được 115 tin, bài" in text and "tuyên truyền được 78 cuộc, có 2.312 lượt" in text
    assert "đã tổ chức 2 cuộc kiểm tra tại 1 sở, ban, ngành, 1 UBND cấp xã; qua kiểm tra đã phát hiện 8 vấn đề, đã xử lý xong 7 vấn đề, đạt 87,50%." in text
    assert "| 2.1 | Số nhiệm vụ đề ra trong kế hoạch | Nhiệm vụ | 32 |" in text


def test_refusals_on_the_api_and_pages(client, world):
    login_page(client, "cv_caike")
    assert client.get("/cai-cach").status_code == 403
    client.post("/dang-xuat")
    token = login_api(client, "qt_stp")
    r = client.post("/api/v1/reform/ke-hoach", params={"don_vi": world.district}, headers={"x-csrf-token": token},
                    json={"year": 2023, "code": "1", "content": "X"})
    assert r.status_code == 403 and "không thuộc phạm vi" in r.json()["detail"]
    r = client.post("/api/v1/reform/ke-hoach", headers={"x-csrf-token": token}, json={"year": 2023, "code": "1", "content": "X",
                                                                                      "mau": 1})
    assert r.status_code == 422 and r.json()["field"] == "mau"
    assert client.get("/api/v1/reform/khac").status_code == 404
    with session_factory()() as s:
        assert s.query(PlanItem).count() == 0 and s.query(DirectiveDocument).count() == 0
