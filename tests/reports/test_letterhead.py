"""Issue 12 item 5 — the document as a clerk lays it out: the issuer's abbreviation in «Số: …/BC-…», Kính gửi
and Nơi nhận by the unit's role, the legal basis citing documents with their numbers and dates, the signer, and
no district wording in a period of the two-tier local government."""

from __future__ import annotations

import re
from datetime import date

import pytest

from cchc.auth.enums import Role
from cchc.periods import resolve_period
from cchc.reform import forms as formdefs
from cchc.reform.directives import create_document
from cchc.reports import letterhead
from cchc.reports.assembly import build_report, report_forms
from cchc.reports.markdown import render
from tests.dossiers.factories import make_user

from .conftest import add_unit, seed_figures, trend_provider


@pytest.fixture
def world(db, units):
    province = units["province"]
    commune = add_unit(db, "000.40.00.H87", "Xã Tân Mỹ", "xa", "xa", parent=province, is_area=True)
    return {
        **units,
        "stp": add_unit(db, "000.00.03.H87", "Sở Tư pháp", "tinh", "so", parent=province),
        "sgd": add_unit(db, "000.00.08.H87", "Sở Giáo dục và Đào tạo", "tinh", "so", parent=province),
        "svh": add_unit(db, "000.00.11.H87", "Sở Văn hóa, Thể thao và Du lịch", "tinh", "so", parent=province),
        "sngv": add_unit(db, "000.00.14.H87", "Sở Ngoại vụ", "tinh", "so", parent=province),
        "ca": add_unit(db, "000.00.17.H87", "Công an tỉnh Đồng Tháp", "tinh", "nganh", parent=province),
        "commune": commune,
        "committee": add_unit(db, "000.40.01.H87", "Ủy ban nhân dân xã Tân Mỹ", "xa", "ubnd", parent=commune),
        "centre": add_unit(db, "000.40.02.H87", "Trung tâm Phục vụ hành chính công xã Tân Mỹ", "xa", "trung_tam_hcc", parent=commune),
    }


def make(db, unit, period=None, **kw):
    period = period or resolve_period("2023-Q3")
    return build_report(db, unit, period, report_date=date(2023, 9, 20), figures_provider=lambda *a: seed_figures(),
                        trend_provider=trend_provider, **kw)


def test_the_issuers_sign_is_its_own_abbreviation(db, world):
    signs = {key: make(db, world[key]).header.number for key in ("stp", "sgd", "svh", "sngv", "ca", "office", "province", "committee", "centre")}
    assert signs == {
        "stp": "Số:       /BC-STP",  # not «/BC-S» (issue 12 item 5)
        "sgd": "Số:       /BC-SGDĐT",
        "svh": "Số:       /BC-SVHTTDL",
        "sngv": "Số:       /BC-SNgV",  # listed: its initials are Sở Nội vụ's
        "ca": "Số:       /BC-CAT",  # the province's name at the end is not part of the sign
        "office": "Số:       /BC-VP",
        "province": "Số:       /BC-UBND",
        "committee": "Số:       /BC-UBND",
        "centre": "Số:       /BC-TTPVHCC",
    }
    assert make(db, world["stp"], narrative="# Ký hiệu\nSTP-VP\n").header.number == "Số:       /BC-STP-VP"


def test_kinh_gui_and_noi_nhan_follow_the_units_role(db, world):
    province, stp, committee, centre = (make(db, world[k]).header for k in ("province", "stp", "committee", "centre"))
    assert province.recipient == "Bộ Nội vụ"
    assert province.recipients == ["Như trên;", "Thường trực Tỉnh ủy, Thường trực HĐND tỉnh (b/c);", "Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
                                   "Các sở, ban, ngành tỉnh;", "Lưu: VT."]
    assert stp.recipient == "Sở Nội vụ tỉnh Đồng Tháp"
    assert stp.recipients == ["Như trên;", "UBND tỉnh (b/c);", "Lãnh đạo cơ quan;", "Các phòng, đơn vị trực thuộc;", "Lưu: VT."]
    assert committee.recipient == "Sở Nội vụ tỉnh Đồng Tháp"
    assert committee.recipients == ["Như trên;", "UBND tỉnh (b/c);", "Thường trực Đảng ủy, Thường trực HĐND xã (b/c);",
                                    "Chủ tịch, các Phó Chủ tịch UBND xã;", "Lưu: VT."]
    assert committee.signature == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert centre.recipient == "Ủy ban nhân dân xã Tân Mỹ" and centre.recipients == ["Như trên;", "Lưu: VT."]
    typed = make(db, world["stp"], narrative="# Kính gửi\nỦy ban nhân dân tỉnh Đồng Tháp\n# Nơi nhận\n- Như trên;\n- Lưu: VT, VP.\n").header
    assert (typed.recipient, typed.recipients) == ("Ủy ban nhân dân tỉnh Đồng Tháp", ["Như trên;", "Lưu: VT, VP."])


CITED = re.compile(r"(Kế hoạch|Nghị quyết|Quyết định) số [^ ]+ ngày (\d{2})/(\d{1,2})/(\d{4})")


def test_the_legal_basis_cites_the_years_plans_with_their_dates(db, world):
    bare = make(db, world["stp"]).header.legal_basis
    assert bare == (
        "Thực hiện Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ về Chương trình tổng thể cải cách hành chính nhà nước "
        "giai đoạn 2021 - 2030, Sở Tư pháp báo cáo kết quả thực hiện công tác cải cách hành chính quý III năm 2023 như sau:"
    )
    create_document(db, None, world["province"], number="417/KH-UBND", kind="ke_hoach", issued_on=date(2022, 12, 20),
                    subject="Kế hoạch cải cách hành chính tỉnh Đồng Tháp năm 2023")
    create_document(db, None, world["stp"], number="05/KH-STP", kind="ke_hoach", issued_on=date(2023, 1, 6),
                    subject="về cải cách hành chính năm 2023")
    create_document(db, None, world["stp"], number="06/KH-STP", kind="ke_hoach", issued_on=date(2023, 1, 9),
                    subject="Kế hoạch tuyên truyền pháp luật năm 2023")  # not a CCHC plan
    create_document(db, None, world["stp"], number="90/KH-STP", kind="ke_hoach", issued_on=date(2022, 1, 6),
                    subject="Kế hoạch cải cách hành chính năm 2022")  # last year's
    basis = make(db, world["stp"]).header.legal_basis
    assert basis == (
        "Thực hiện Kế hoạch số 417/KH-UBND ngày 20/12/2022 của Ủy ban nhân dân tỉnh Đồng Tháp về cải cách hành chính tỉnh Đồng Tháp "
        "năm 2023; Kế hoạch số 05/KH-STP ngày 06/01/2023 của Sở Tư pháp về cải cách hành chính năm 2023, Sở Tư pháp báo cáo kết quả "
        "thực hiện công tác cải cách hành chính quý III năm 2023 như sau:"
    )
    assert len(CITED.findall(basis)) == 2  # every document cited with its date
    assert make(db, world["stp"], narrative="# Căn cứ\nThực hiện Công văn số 228/SNV ngày 22/02/2022.\n").header.legal_basis == \
        "Thực hiện Công văn số 228/SNV ngày 22/02/2022."


def test_the_signer_is_the_units_leader(db, world):
    assert make(db, world["stp"]).header.signer == ""
    make_user(db, "lanhdao_stp", Role.LEADER, world["stp"], "Nguyễn Minh Ngọc")
    make_user(db, "motcua_stp", Role.RECEIVING, world["stp"], "Trần Thị Nhận")
    assert make(db, world["stp"]).header.signer == "Nguyễn Minh Ngọc"
    assert make(db, world["stp"], narrative="# Người ký\nLê Hữu Phước\n").header.signer == "Lê Hữu Phước"
    make_user(db, "lanhdao2_stp", Role.LEADER, world["stp"], "Phạm Văn Hai")
    assert make(db, world["stp"]).header.signer == ""  # two leaders: the unit names its signer
    make_user(db, "lanhdao_xa", Role.LEADER, world["committee"], "Huỳnh Thanh Sơn")
    assert make(db, world["commune"]).header.signer == "Huỳnh Thanh Sơn"  # the area's committee signs for the area


def test_no_district_wording_in_a_two_tier_period(db, world):
    before, after = report_forms(resolve_period("2024-Q3")), report_forms(resolve_period("2025-Q3"))  # 15/6–14/9/2025
    words = lambda forms: " ".join(f"{r.label} {r.unit}" for f in forms for r in f.rows).lower()  # noqa: E731
    assert "huyện" in words(before) and "huyện" not in words(after)
    b3 = {f.number: f for f in after}[3]
    assert not b3.has("1.4.2") and not b3.has("3.2") and b3.row("1.4").parts == ("1.4.1", "1.4.3")
    # a window that still holds district dossiers (the year 2025) keeps the district rows
    with_district = report_forms(resolve_period("2025-Y"), seed_figures())
    assert [f.rows for f in with_district] == [f.rows for f in formdefs.load_forms()]
    # a report of 2026 from figures without any district: no district row, no «huyện» in its tables
    report = build_report(db, world["office"], resolve_period("2026-Q3"), report_date=date(2026, 9, 20), figures_provider=lambda *a: {},
                          trend_periods=0)
    assert "3.2" not in {r.stt for r in {t.form.number: t for t in report.tables}[3].form.rows}
    text = render(report)
    assert "| 3.2 |" not in text.split("### Biểu mẫu 3")[1].split("### Biểu mẫu 4")[0]
    assert "huyện" not in text.lower()
