from datetime import date

from cchc.procedures.models import Publication
from cchc.stats.catalogue import catalogue_figures
from tests.stats.conftest import add_procedure

Q3 = (date(2023, 6, 15), date(2023, 9, 14))


def test_procedures_in_competence_by_level(db, province):
    P = province
    f = catalogue_figures(db, P.province, *Q3)
    assert f["procedures_total"] == 3  # the huyện+xã procedure counts once in the total …
    assert f["by_level"] == {"tinh": 1, "huyen": 1, "xa": 2}  # … and at each of its levels
    assert f["interconnection"] == {"cung_cap": 1, "giua_cac_cap": 1}
    assert f["online"] == {"toan_trinh": 1, "mot_phan": 1, "eligible_full_online": 2, "eligible_full_online_provided": 1}
    assert f["fees"] == {"with_fee": 2, "online_integrated": 1}


def test_levels_follow_the_units_valid_in_the_window(db, province):
    P = province
    after = catalogue_figures(db, P.province, date(2025, 9, 15), date(2025, 12, 14))
    assert after["levels_in_scope"] == ["tinh", "xa"]  # the huyện ended on 30/6/2025
    assert after["by_level"] == {"tinh": 1, "huyen": 0, "xa": 2}
    district = catalogue_figures(db, P.district, *Q3)
    assert district["procedures_total"] == 2 and district["by_level"] == {"tinh": 0, "huyen": 1, "xa": 2}
    agency = catalogue_figures(db, P.agency, *Q3)  # a sở: only the procedures it resolves
    assert agency["procedures_total"] == 1 and agency["by_level"]["tinh"] == 1


def test_publications_in_the_window_by_kind(db, province):
    P = province
    gone = add_procedure(db, "1.000009", levels="tinh", active=False)
    rows = [
        (P.proc_tinh, date(2023, 7, 1), "moi"),
        (P.proc_tinh, date(2023, 8, 1), "sua_doi"),
        (P.proc_huyen, date(2023, 8, 1), "sua_doi"),
        (P.proc_xa, date(2023, 9, 15), "thay_the"),  # after the window
        (gone, date(2023, 6, 15), "bai_bo"),  # abolished: still a publication of the window
    ]
    for proc, day, kind in rows:
        db.add(Publication(procedure_id=proc.id, decision_no=f"{day}/QĐ-UBND", decision_date=day, kind=kind))
    db.flush()
    f = catalogue_figures(db, P.province, *Q3)
    assert f["publications"] == {"moi": 1, "sua_doi": 2, "thay_the": 0, "bai_bo": 1}
    assert f["procedures_total"] == 3  # the abolished one is no longer in competence
