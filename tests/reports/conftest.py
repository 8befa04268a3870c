"""Shared test data for the report: units and a figures dict shaped like cchc.reports.figures.all_figures,
with the numbers of seed 000 (Đồng Tháp, quý III năm 2023) made to add up."""

from __future__ import annotations

from datetime import date

import pytest

from cchc.periods import resolve_period
from cchc.rates import rate
from cchc.units.models import Unit

COUNT_KEYS = (
    "received_total", "carried_over", "new_total", "new_online", "new_direct", "new_postal",
    "resolved_total", "resolved_early", "resolved_on_time", "resolved_late", "resolved_in_time",
    "refused", "withdrawn", "stopped", "in_progress_total", "in_progress_within", "in_progress_overdue",
)

TOTALS = {
    "received_total": 184027, "carried_over": 21390, "new_total": 162637, "new_online": 83273,
    "new_direct": 79364, "new_postal": 0, "resolved_total": 152104, "resolved_early": 129398,
    "resolved_on_time": 21206, "resolved_late": 1500, "resolved_in_time": 150604, "refused": 1046,
    "withdrawn": 20000, "stopped": 600, "in_progress_total": 10277, "in_progress_within": 9547,
    "in_progress_overdue": 730,
}
TINH = {
    "received_total": 60000, "carried_over": 6000, "new_total": 54000, "new_online": 40000,
    "new_direct": 14000, "new_postal": 0, "resolved_total": 52414, "resolved_early": 50000,
    "resolved_on_time": 2249, "resolved_late": 165, "resolved_in_time": 52249, "refused": 500,
    "withdrawn": 2000, "stopped": 100, "in_progress_total": 4986, "in_progress_within": 4800,
    "in_progress_overdue": 186,
}
HUYEN = {
    "received_total": 20000, "carried_over": 3000, "new_total": 17000, "new_online": 9000,
    "new_direct": 8000, "new_postal": 0, "resolved_total": 10099, "resolved_early": 9000,
    "resolved_on_time": 751, "resolved_late": 348, "resolved_in_time": 9751, "refused": 300,
    "withdrawn": 8000, "stopped": 200, "in_progress_total": 1401, "in_progress_within": 1300,
    "in_progress_overdue": 101,
}


def finish(counts: dict) -> dict:
    out = dict(counts)
    out["on_time_rate"] = rate(out["resolved_in_time"], out["resolved_total"])
    return out


def seed_figures() -> dict:
    xa = {k: TOTALS[k] - TINH[k] - HUYEN[k] for k in COUNT_KEYS}
    dossiers = finish(TOTALS)
    dossiers["by_level"] = {"tinh": finish(TINH), "huyen": finish(HUYEN), "xa": finish(xa)}
    dossiers["by_unit"] = [
        {"unit_code": "T", "unit_name": "Sở", "level": "tinh", **finish(TINH)},
        {"unit_code": "H", "unit_name": "Huyện", "level": "huyen", **finish(HUYEN)},
        {"unit_code": "X", "unit_name": "Xã", "level": "xa", **finish(xa)},
    ]

    def pair(total, part, tk="total", pk="online"):
        return {tk: total, pk: part, "rate": rate(part, total)}

    return {
        "dossiers": dossiers,
        "catalogue": {
            "procedures_total": 1815, "by_level": {"tinh": 1360, "huyen": 295, "xa": 160},
            "levels_in_scope": ["tinh", "huyen", "xa"],
            "publications": {"moi": 81, "sua_doi": 262, "thay_the": 0, "bai_bo": 107},
            "interconnection": {"cung_cap": 55, "giua_cac_cap": 76},
            "online": {"toan_trinh": 1081, "mot_phan": 647, "eligible_full_online": 1081, "eligible_full_online_provided": 1081},
            "fees": {"with_fee": 541, "online_integrated": 505},
        },
        "online": {
            "full_online": pair(1081, 1081, "eligible", "provided"),
            "services_with_dossiers": pair(533, 426, "with_any", "with_online"),
            "full_online_dossiers": pair(59789, 42260),
            "partial_online_dossiers": pair(331084, 206913),
            "fee_dossiers": pair(1000, 640, "with_fee", "paid_online"),
            "fee_procedures": pair(541, 505, "with_fee", "integrated"),
        },
        "digitisation": {
            "receipt": pair(162637, 159044, "total", "digitized"),
            "result": pair(152104, 134627, "total", "digitized"),
            "by_level": {
                "tinh": {"receipt": pair(54000, 53789, "total", "digitized"), "result": pair(52414, 36737, "total", "digitized")},
                "huyen": {"receipt": pair(17000, 16109, "total", "digitized"), "result": pair(10099, 9965, "total", "digitized")},
                "xa": {"receipt": pair(91637, 89146, "total", "digitized"), "result": pair(89591, 87925, "total", "digitized")},
            },
        },
        "feedback": {"available": True, "received": 78, "resolved": 78, "rate": rate(78, 78)},
        "index766": None,
    }


def trend_provider(session, unit, start, end):
    """Dossier figures of earlier quarters: smaller numbers, always adding up."""
    scale = {3: 0.8, 12: 0.9, 6: 0.95}.get(end.month, 1.0)
    counts = {k: int(v * scale) for k, v in TOTALS.items()}
    counts["new_direct"] = counts["new_total"] - counts["new_online"] - counts["new_postal"]
    counts["received_total"] = counts["new_total"] + counts["carried_over"]
    counts["resolved_in_time"] = counts["resolved_early"] + counts["resolved_on_time"]
    counts["resolved_total"] = counts["resolved_in_time"] + counts["resolved_late"]
    counts["in_progress_total"] = counts["in_progress_within"] + counts["in_progress_overdue"]
    counts["stopped"] = counts["received_total"] - counts["resolved_total"] - counts["refused"] - counts["withdrawn"] - counts["in_progress_total"]
    return finish(counts)


@pytest.fixture
def figures() -> dict:
    return seed_figures()


@pytest.fixture
def period():
    return resolve_period("2023-Q3")


def add_unit(session, code, name, level, kind, parent=None, is_area=False) -> Unit:
    unit = Unit(code=code, name=name, level=level, kind=kind, is_area=is_area, parent_id=parent.id if parent else None,
                valid_from=date(2020, 1, 1), source="test")
    session.add(unit)
    session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    session.flush()
    return unit


@pytest.fixture
def units(db):
    province = add_unit(db, "87", "Tỉnh Đồng Tháp", "tinh", "tinh", is_area=True)
    office = add_unit(db, "000.00.01.H87", "Văn phòng UBND tỉnh", "tinh", "van_phong", parent=province)
    return {"province": province, "office": office}
