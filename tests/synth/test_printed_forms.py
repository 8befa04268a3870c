"""The printed forms Mẫu 01–07 of real demo dossiers, as PDF (issue 16 item 6): each on its pages, its signature
block on the last page, its Vietnamese letters extracted as written. Mẫu 01 fits ONE A4 page with its signatures
even with ten components. The PDFs and their pictures are kept in test-artifacts/forms/ to be looked at."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cchc.dossiers import forms
from cchc.dossiers.models import Dossier, DossierComponent, DossierEvent
from cchc.pdf import docx_to_pdf
from cchc.units.models import Unit

pytestmark = pytest.mark.slow

# Mẫu → (the actions one of whose events the form needs, the signature block's titles, on its last page)
FORMS = {
    "01": (("receive", "accept"), ("NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ")),
    "02": (("request_supplement",), ("NGƯỜI HƯỚNG DẪN",)),
    "03": (("refuse", "reject_submission"), ("NGƯỜI TIẾP NHẬN HỒ SƠ",)),
    "04": (("apologize",), ("THỦ TRƯỞNG CƠ QUAN",)),
    "05": (("stop", "withdraw"), ("THỦ TRƯỞNG CƠ QUAN",)),
    "06": (("receive",), ()),  # the control slip is a table of steps, signed nowhere
}


@pytest.fixture
def out(artifacts) -> Path:
    for tool in ("pdfinfo", "pdftotext", "pdftoppm"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is missing: `make install` installs poppler-utils.")
    path = artifacts / "forms"
    path.mkdir(exist_ok=True)
    return path


def _pdf(doc, out: Path, name: str) -> Path:
    pdf = docx_to_pdf(forms.save(doc, out / f"{name}.docx"), out / f"{name}.pdf")
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(out / name)], check=True)  # to look at
    return pdf


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    # reading order, not -layout: a table cell's words stay together
    return subprocess.run(["pdftotext", *pages, str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _dossier(session, actions) -> Dossier:
    """The dossier with the most components among the first with such an event (the longest form)."""
    found = session.scalars(select(Dossier).join(DossierEvent, DossierEvent.dossier_id == Dossier.id)
                            .where(DossierEvent.action.in_(actions)).order_by(Dossier.id).limit(40)).unique().all()
    assert found, f"the demo has no dossier with {actions}"
    return max(found, key=lambda d: (len(d.components), len(d.applicant_address or "")))


@pytest.mark.parametrize("number", list(FORMS))
def test_each_dossier_form_on_one_page_with_its_signatures(demo, out, number):
    _, session = demo
    actions, signatures = FORMS[number]
    dossier = _dossier(session, actions)
    pdf = _pdf(forms.build_dossier_form(session, dossier, number), out, f"mau{number}")
    pages = _pages(pdf)
    assert pages == 1, f"Mẫu {number} takes {pages} pages"
    last = _text(pdf, pages)
    for title in signatures:
        assert title in last
    text = _text(pdf)
    assert forms.FORMS[number] in " ".join(text.split())  # the title, every Vietnamese letter as written
    assert dossier.applicant_name in " ".join(text.split())
    assert dossier.code in text


def test_the_longest_receipt_stays_on_one_page(demo, out):
    _, session = demo
    dossier = _dossier(session, ("receive",))
    extra = [DossierComponent(dossier_id=dossier.id, seq=len(dossier.components) + i,
                              name=f"Bản sao có chứng thực giấy tờ chứng minh quyền sử dụng đất, quyền sở hữu nhà ở số {i}",
                              copies=1, digitized=bool(i % 2))
             for i in range(1, 11 - len(dossier.components))]
    try:  # the longest receipt: every optional line, an address on two lines, ten components on two lines each
        dossier.applicant_id_number, dossier.authorized_person = "044185064769", "Nguyễn Thị Phương Thảo"
        dossier.applicant_email = "phuongthao.nguyen@example.vn"
        dossier.applicant_address = "Thôn Tân Mỹ, xã Quảng Phú, huyện Quảng Trạch, tỉnh Quảng Bình (nay là xã Phú Trạch, tỉnh Quảng Trị)"
        dossier.components.extend(extra)
        assert len(dossier.components) == 10
        pdf = _pdf(forms.build_dossier_form(session, dossier, "01"), out, "mau01-10-thanh-phan")
    finally:
        for c in extra:
            dossier.components.remove(c)
        session.rollback()
    assert _pages(pdf) == 1
    page = " ".join(_text(pdf, 1).split())
    assert "NGƯỜI NỘP HỒ SƠ" in page and "NGƯỜI TIẾP NHẬN HỒ SƠ" in page and "Mã tra cứu hồ sơ" in page
    assert f"quyền sở hữu nhà ở số {len(extra)}" in page


def test_the_register_repeats_its_header_and_counts_its_dossiers(demo, out):
    _, session = demo
    busiest = (select(Dossier.unit_id).where(Dossier.received_at.is_not(None)).group_by(Dossier.unit_id)
               .order_by(func.count().desc(), Dossier.unit_id).limit(1))
    unit = session.get(Unit, session.scalar(busiest))
    doc = forms.build_register(session, unit, select(Unit.id).where(Unit.id == unit.id), date(2024, 1, 1), date(2026, 11, 19))
    pdf = _pdf(doc, out, "mau07")
    pages = _pages(pdf)
    for page in range(1, pages + 1):
        assert "Tên cá nhân, tổ chức" in " ".join(_text(pdf, page).split())  # the header on every page
    assert "SỔ THEO DÕI HỒ SƠ" in _text(pdf, 1)
    counted = session.scalar(select(func.count()).select_from(Dossier).where(
        Dossier.unit_id == unit.id, Dossier.received_at >= date(2024, 1, 1), Dossier.received_at < date(2026, 11, 20)))
    assert f"Tổng số: {counted} hồ sơ." in " ".join(_text(pdf, pages).split())
