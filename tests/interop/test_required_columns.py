"""A DVCQG-named file with only the ten required columns (issue 12, item 7).

It imports in every state 1–10: a date the state implies that the file cannot carry (NgayNopHoSo,
NgayTuChoi, NgayYeuCauBoSung, NgayYeuCauNghiaVuTaiChinh) or leaves empty (NgayTra) is left unknown, the
dossier counted by what is known, and the import ends with a Vietnamese summary of how many rows lacked
what. Its figures equal a count of the same rows made here, by the rules of DOMAIN.md §6 and §9, without
cchc's statistics code; impossible data still refuses the whole file.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cchc import clock
from cchc.audit.models import AuditEntry
from cchc.db import session_scope
from cchc.dossiers import service
from cchc.dossiers.enums import State
from cchc.dossiers.models import Dossier, DossierEvent
from cchc.errors import ImportRejected
from cchc.interop import dossier_import
from cchc.interop.dossier_columns import REQUIRED_COLUMNS
from cchc.interop.dossier_export import export_dossiers
from cchc.interop.dossier_import import import_dossier_rows, import_dossiers
from cchc.procedures.process import default_process
from cchc.stats import daily
from cchc.stats.dossiers import dossier_figures
from cchc.stats.models import DossierDayCount
from tests.clirunner import run_cli

from .factories import World, ts

# The buckets of DOMAIN.md §9 a report prints, every one counted below.
KEYS = (
    "received_total", "carried_over", "new_total", "new_online", "new_direct", "new_postal",
    "resolved_total", "resolved_early", "resolved_on_time", "resolved_late", "refused", "withdrawn",
    "stopped", "in_progress_total", "in_progress_within", "in_progress_overdue",
)
WINDOWS = (
    (date(2024, 3, 1), date(2024, 12, 31)),  # everything
    (date(2024, 5, 1), date(2024, 6, 30)),  # dossiers carried over, ended inside and after
    (date(2024, 7, 15), date(2024, 8, 14)),
)
CHANNEL_KEYS = {"1": "direct", "2": "online", "3": "postal", "": "direct"}  # 766: empty KenhThucHien is direct


@pytest.fixture
def world(db):
    return World(db)


def count(db, model) -> int:
    return db.execute(select(func.count()).select_from(model)).scalar_one()


# ---------------------------------------------------------------------------------------- the file


def dossier_rows(states: tuple[int, ...], n: int, seed: int = 12) -> list[dict]:
    """`n` rows with only the ten required columns, in the given states, at the Sở and a commune, received
    from March to September 2024; every date the ten columns can carry is there, and NgayTra is missing from
    every third returned dossier. Each row also keeps, under "_", the values it was written from."""
    rng = random.Random(seed)
    units = ("000.00.12.H56", "000.21.20.H56")
    rows = []
    for i in range(n):
        status, turn = states[i % len(states)], i // len(states)
        received = datetime(2024, 3, 1, 7, 30) + timedelta(minutes=rng.randrange(0, 200 * 24 * 60, 5))
        due = received + timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 8))
        ended = returned = None
        if status == 1 or (status == 3 and turn % 2):  # never received: submitted online, or not accepted
            received = due = None
            if status == 3 and turn % 4 == 1:
                ended = datetime(2024, 4, 2, 9) + timedelta(days=i)  # the day it was refused at the counter
        elif status in (3, 7, 8, 9, 10):
            ended = received + timedelta(hours=rng.randint(1, 24 * 40))
            if status in (9, 10) and turn % 4 == 0:  # on the due day, before the due time: đúng hạn
                ended = datetime.combine(due.date(), time.min)
            if status == 10 and i % 3:
                returned = ended + timedelta(hours=rng.randint(0, 48))
        channel = rng.choice(("1", "2", "3", ""))
        rows.append({
            "MaHoSo": f"{units[i % 2]}-{i:05d}",
            "MaTTHC": "1.001193",
            "MaDonViTiepNhan": units[i % 2],
            "ChuHoSo": f"Nguyễn Thị Hoa {i}",
            "KenhThucHien": channel,
            "NgayTiepNhan": ts(received),
            "NgayHenTra": ts(due),
            "NgayKetThucXuLy": ts(ended),
            "NgayTra": ts(returned),
            "TrangThaiHoSo": str(status),
            "_": {"status": status, "unit": units[i % 2], "channel": channel, "received": received, "due": due,
                  "ended": ended},
        })
    return rows


def write_csv(path, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(REQUIRED_COLUMNS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


# ---------------------------------------------------------------------------------------- counted here


def independent_count(rows, start: date, end: date) -> tuple[dict, dict[str, dict]]:
    """The figures of the window [start 00:00, end 23:59:59], counted from the rows as written.

    DOMAIN.md §6 and §9: a dossier is received unless only submitted (1) or not accepted at the counter
    (3 without NgayTiepNhan); it counts once in received = carried over (received before the window, not
    ended before it) + new (by channel; an empty KenhThucHien is direct), and once in where it stands: ended
    in the window — resolved (9, 10; on time iff NgayKetThucXuLy ≤ NgayHenTra, early when on an earlier day)
    or refused (3), withdrawn (7), stopped (8) — or still open at the window's end, overdue when its
    NgayHenTra is before the window's last instant. A file of ten columns says nothing of a supplement,
    so no waiting time is removed (the dossier waiting now, in state 5, is judged by its NgayHenTra)."""
    begin = datetime.combine(start, time.min)
    stop = datetime.combine(end + timedelta(days=1), time.min)
    last = datetime.combine(end, time(23, 59, 59))
    total: Counter = Counter()
    by_unit: dict[str, Counter] = {}
    for r in rows:
        v = r["_"]
        received, ended, due = v["received"], v["ended"], v["due"]
        if received is None or received >= stop:
            continue
        if received < begin and ended is not None and ended < begin:
            continue  # ended before the window
        counts = Counter()
        if received >= begin:
            counts["new_" + CHANNEL_KEYS[v["channel"]]] += 1
        else:
            counts["carried_over"] += 1
        if ended is not None and ended < stop:
            if v["status"] in (9, 10):
                if ended > due:
                    counts["resolved_late"] += 1
                elif ended.date() < due.date():
                    counts["resolved_early"] += 1
                else:
                    counts["resolved_on_time"] += 1
            else:
                counts[{3: "refused", 7: "withdrawn", 8: "stopped"}[v["status"]]] += 1
        elif due < last:
            counts["in_progress_overdue"] += 1
        else:
            counts["in_progress_within"] += 1
        total.update(counts)
        by_unit.setdefault(v["unit"], Counter()).update(counts)
    return _composed(total), {code: _composed(c) for code, c in by_unit.items()}


def _composed(c: Counter) -> dict:
    out = {k: c[k] for k in KEYS}
    out["new_total"] = c["new_online"] + c["new_direct"] + c["new_postal"]
    out["resolved_total"] = c["resolved_early"] + c["resolved_on_time"] + c["resolved_late"]
    out["in_progress_total"] = c["in_progress_within"] + c["in_progress_overdue"]
    out["received_total"] = c["carried_over"] + out["new_total"]
    if out["resolved_total"]:
        rate = Decimal(100 * (c["resolved_early"] + c["resolved_on_time"])) / Decimal(out["resolved_total"])
        out["on_time_rate"] = float(rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    else:
        out["on_time_rate"] = None
    return out


def figures_of(result: dict) -> tuple[dict, dict[str, dict]]:
    """cchc's figures in the shape of `independent_count`."""
    keys = (*KEYS, "on_time_rate")
    return {k: result[k] for k in keys}, {u["unit_code"]: {k: u[k] for k in keys} for u in result["by_unit"]}


# ---------------------------------------------------------------------------------------- every state


REQUIRED_ONLY = {
    # TrangThaiHoSo → (the state, what the row gives beyond the code, the unit, the applicant, the channel)
    1: (State.SUBMITTED, {}),
    2: (State.RECEIVED, {"NgayTiepNhan": "20240603080000", "NgayHenTra": "20240606080000"}),
    3: (State.NOT_ACCEPTED, {}),
    4: (State.PROCESSING, {"NgayTiepNhan": "20240603080000", "NgayHenTra": "20240606080000"}),
    5: (State.SUPPLEMENT, {"NgayTiepNhan": "20240603080000", "NgayHenTra": "20240606080000"}),
    6: (State.FINANCIAL, {"NgayTiepNhan": "20240603080000", "NgayHenTra": "20240606080000"}),
    7: (State.WITHDRAWN, {"NgayTiepNhan": "20240603080000", "NgayHenTra": "20240606080000",
                          "NgayKetThucXuLy": "20240604080000"}),
    8: (State.STOPPED, {"NgayTiepNhan": "20240603080000", "NgayHenTra": "20240606080000",
                        "NgayKetThucXuLy": "20240607080000"}),
    9: (State.FINISHED, {"NgayTiepNhan": "20240603080000", "NgayHenTra": "20240606080000",
                         "NgayKetThucXuLy": "20240606070000"}),
    10: (State.RETURNED, {"NgayTiepNhan": "20240603080000", "NgayHenTra": "20240606080000",
                          "NgayKetThucXuLy": "20240605080000"}),
}
LACKED = {1: "NgayNopHoSo", 3: "NgayTuChoi", 5: "NgayYeuCauBoSung", 6: "NgayYeuCauNghiaVuTaiChinh", 10: "NgayTra"}


def required_only(status: int, **values) -> dict:
    row = dict.fromkeys(REQUIRED_COLUMNS, "")
    row.update(MaHoSo=f"K-{status}", MaTTHC="1.001193", MaDonViTiepNhan="000.00.12.H56", ChuHoSo="Lê Thị Lan",
               KenhThucHien="2", TrangThaiHoSo=str(status))
    row.update(REQUIRED_ONLY[status][1])
    row.update(values)
    return row


@pytest.mark.parametrize("status", sorted(REQUIRED_ONLY))
def test_every_state_imports_from_the_required_columns_alone(db, world, status):
    state, given = REQUIRED_ONLY[status]
    result = import_dossier_rows(db, [(2, required_only(status))], source="muoi-cot.csv")
    dossier = db.execute(select(Dossier)).scalar_one()
    assert (dossier.state, dossier.status_code) == (state.value, status)
    assert dossier.unit_id == world.agency.id and dossier.procedure_id == world.birth.id
    lacked = LACKED.get(status)
    assert result["unknown_dates"] == ({lacked: 1} if lacked else {})
    assert len(result["notes"]) == (1 if lacked else 0)
    # Every date the row gives is kept; the one it lacks is unknown, never made up.
    assert dossier.submitted_at is None and dossier.not_accepted_at is None
    assert dossier.supplement_requested_at is None and dossier.financial_requested_at is None
    assert dossier.received_at == (datetime(2024, 6, 3, 8) if "NgayTiepNhan" in given else None)
    assert dossier.returned_at is None
    assert (dossier.ended_at is not None) == ("NgayKetThucXuLy" in given)
    assert dossier.supplement_count == (1 if status == 5 else 0)  # a request was made, its day unknown
    assert dossier.supplement_seconds == 0
    event = db.execute(select(DossierEvent)).scalar_one()
    if lacked:
        assert event.note == f"Nhập dữ liệu từ «muoi-cot.csv», dòng 2; tệp không có {lacked}."
        assert event.data == {"source": "muoi-cot.csv", "row": 2, "MaHoSo": f"K-{status}", "NgayChuaBiet": [lacked]}
    else:
        assert event.data == {"source": "muoi-cot.csv", "row": 2, "MaHoSo": f"K-{status}"}


def test_a_returned_dossier_without_ngaytra_is_classified_by_its_end(db, world):
    rows = [(2, required_only(10, MaHoSo="K-early")),
            (3, required_only(10, MaHoSo="K-late", NgayKetThucXuLy="20240606090000"))]
    import_dossier_rows(db, rows)
    timeliness = dict(db.execute(select(Dossier.code, Dossier.timeliness)).all())
    assert timeliness == {"K-early": "truoc_han", "K-late": "qua_han"}


def test_the_unit_of_a_row_without_any_date_is_the_one_valid_on_the_day_of_the_import(db, world):
    # The code of a unit dissolved on 30/6/2025 was given to a new one: a submission whose file carries no
    # date waits at the unit that bears the code today (the clock says 2026); a code only a dissolved unit
    # bore is its last unit's.
    from .factories import make_unit

    old = make_unit(db, "000.60.00.H56", "UBND huyện Tách", "huyen", "ubnd", world.province, valid_to=date(2025, 6, 30))
    new = make_unit(db, "000.60.00.H56", "UBND xã Gộp", "xa", "ubnd", world.province, valid_from=date(2025, 7, 1))
    rows = [
        (2, required_only(1, MaHoSo="N-1", MaDonViTiepNhan=old.code)),
        (3, required_only(3, MaHoSo="N-2", MaDonViTiepNhan=world.old_commune.code)),
    ]
    import_dossier_rows(db, rows)
    units = dict(db.execute(select(Dossier.code, Dossier.unit_id)).all())
    assert units == {"N-1": new.id, "N-2": world.old_commune.id}


def test_the_summary_says_how_many_rows_lacked_what(db, world):
    rows = [
        required_only(5, MaHoSo="B-1"), required_only(4, MaHoSo="B-2"), required_only(5, MaHoSo="B-3"),
        required_only(10, MaHoSo="B-4"), required_only(6, MaHoSo="B-5"), required_only(1, MaHoSo="B-6"),
        required_only(3, MaHoSo="B-7"), required_only(10, MaHoSo="B-8", NgayTra="20240605090000"),
    ] + [required_only(5, MaHoSo=f"B-{i}") for i in range(9, 15)]
    result = import_dossier_rows(db, [(i + 2, r) for i, r in enumerate(rows)])
    assert result["dossiers"] == 14
    assert result["unknown_dates"] == {
        "NgayYeuCauBoSung": 8, "NgayTra": 1, "NgayYeuCauNghiaVuTaiChinh": 1, "NgayNopHoSo": 1, "NgayTuChoi": 1,
    }
    assert result["notes"] == [
        "1 dòng là hồ sơ mới đăng ký (trạng thái 1) mà không có NgayNopHoSo (dòng 7): nhập với NgayNopHoSo để "
        "trống; chưa được tiếp nhận nên không vào số liệu tiếp nhận; đơn vị tiếp nhận là đơn vị mang mã đó có "
        "hiệu lực vào ngày nhập (đơn vị đã giải thể: đơn vị cuối cùng mang mã đó).",
        "1 dòng là hồ sơ không được tiếp nhận (trạng thái 3, không có NgayTiepNhan) mà không có NgayTuChoi (dòng "
        "8): nhập với NgayTuChoi để trống; không vào số liệu tiếp nhận; đơn vị tiếp nhận xác định theo NgayNopHoSo "
        "hoặc, không có ngày nào, theo ngày nhập.",
        "8 dòng là hồ sơ chờ bổ sung (trạng thái 5) hoặc đã bổ sung (có NgayBoSung, SoLanBoSung) mà không có "
        "NgayYeuCauBoSung (dòng 2, 4, 10, 11, 12 …): nhập với NgayYeuCauBoSung để trống; thời gian chờ bổ sung "
        "không biết nên không được trừ: hồ sơ quá hạn khi qua NgayHenTra.",
        "1 dòng là hồ sơ chờ thực hiện nghĩa vụ tài chính (trạng thái 6) mà không có NgayYeuCauNghiaVuTaiChinh "
        "(dòng 6): nhập với NgayYeuCauNghiaVuTaiChinh để trống; tính là đang giải quyết, trong hạn hay quá hạn "
        "theo NgayHenTra (số liệu không dùng ngày này).",
        "1 dòng là hồ sơ đã trả kết quả (trạng thái 10) mà không có NgayTra (dòng 5): nhập với NgayTra để trống; "
        "tính là đã giải quyết, trước hạn, đúng hạn hay quá hạn theo NgayKetThucXuLy và NgayHenTra (số liệu không "
        "dùng ngày trả).",
    ]


def test_a_complete_file_has_no_summary_of_missing_dates(db, world):
    rows = [required_only(4, MaHoSo="F-1"), required_only(10, MaHoSo="F-2", NgayTra="20240605090000")]
    result = import_dossier_rows(db, [(i + 2, r) for i, r in enumerate(rows)])
    assert result["unknown_dates"] == {} and result["notes"] == []


# ---------------------------------------------------------------------------------------- the figures


@pytest.mark.parametrize("states", [(4, 5, 6), tuple(range(1, 11))], ids=["trang-thai-4-5-6", "trang-thai-1-10"])
def test_figures_of_a_required_columns_file_equal_an_independent_count(db, world, tmp_path, states):
    rows = dossier_rows(states, 240)
    path = tmp_path / "dvcqg.csv"
    write_csv(path, rows)
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(REQUIRED_COLUMNS)
    result = import_dossiers(db, path)
    assert result["dossiers"] == 240 and result["ignored_columns"] == []
    assert result["by_state"] == dict(sorted(Counter(
        State.NOT_ACCEPTED.value if r["_"]["status"] == 3 and r["_"]["received"] is None
        else State.REFUSED.value if r["_"]["status"] == 3
        else {1: State.SUBMITTED, 2: State.RECEIVED, 4: State.PROCESSING, 5: State.SUPPLEMENT,
              6: State.FINANCIAL, 7: State.WITHDRAWN, 8: State.STOPPED, 9: State.FINISHED,
              10: State.RETURNED}[r["_"]["status"]].value
        for r in rows).items()))
    lacked = Counter()
    for r in rows:
        v = r["_"]
        if v["status"] == 3 and v["received"] is None and v["ended"] is None:
            lacked["NgayTuChoi"] += 1
        elif v["status"] in (1, 5, 6) or (v["status"] == 10 and not r["NgayTra"]):
            lacked[{1: "NgayNopHoSo", 5: "NgayYeuCauBoSung", 6: "NgayYeuCauNghiaVuTaiChinh", 10: "NgayTra"}[v["status"]]] += 1
    assert result["unknown_dates"] == dict(lacked)
    seen: Counter = Counter()
    for start, end in WINDOWS:
        expected, expected_by_unit = independent_count(rows, start, end)
        seen.update({k: v for k, v in expected.items() if k != "on_time_rate"})
        for direct in (False, True):  # the day counts, and the dossiers counted one by one
            got, got_by_unit = figures_of(dossier_figures(db, world.province, start, end, direct=direct))
            assert got == expected, (start, end, direct)
            assert got_by_unit == expected_by_unit, (start, end, direct)
    # The windows cut through every bucket the states of the file can reach.
    reachable = {"carried_over", "new_online", "new_direct", "new_postal", "in_progress_within", "in_progress_overdue"}
    if 9 in states:
        reachable |= {"resolved_early", "resolved_on_time", "resolved_late", "refused", "withdrawn", "stopped"}
    assert {k for k in reachable if not seen[k]} == set()


def test_dossiers_with_unknown_dates_go_on_through_the_service_and_the_counts_follow(db, world):
    """Imported with a date unknown, a dossier waiting for its supplement is supplemented and a submission
    accepted as in cchc; the day counts the triggers keep still equal the dossiers counted one by one."""
    world.birth.steps = default_process(world.birth)
    rows = [(2, required_only(5, MaHoSo="W-5")), (3, required_only(1, MaHoSo="W-1"))]
    import_dossier_rows(db, rows)
    waiting = db.execute(select(Dossier).where(Dossier.code == "W-5")).scalar_one()
    service.supplement(db, None, waiting)  # now: an action is never dated before the import
    assert waiting.state == State.PROCESSING.value and waiting.supplement_seconds == 0
    submitted = db.execute(select(Dossier).where(Dossier.code == "W-1")).scalar_one()
    service.accept(db, None, submitted)
    assert submitted.received_at is not None and submitted.due_at > submitted.received_at
    db.flush()
    today = clock.today()
    windows = ((date(2024, 6, 1), date(2024, 6, 30)), (date(2024, 6, 1), date(2024, 6, 5)), (today.replace(day=1), today))
    for start, end in windows:
        fast = dossier_figures(db, world.province, start, end)
        assert fast == dossier_figures(db, world.province, start, end, direct=True), (start, end)
    june = dossier_figures(db, world.province, date(2024, 6, 1), date(2024, 6, 30))
    assert (june["received_total"], june["in_progress_overdue"]) == (1, 1)  # W-5, due 6/6, its pause unknown
    month = dossier_figures(db, world.province, today.replace(day=1), today)
    assert {k: month[k] for k in ("carried_over", "new_total", "in_progress_within", "in_progress_overdue")} == {
        "carried_over": 1, "new_total": 1, "in_progress_within": 1, "in_progress_overdue": 1}


def test_what_cchc_exports_of_dossiers_with_unknown_dates_imports_again(db, world, tmp_path):
    """The export of a dossier imported with a date unknown, and of one supplemented since, reads back the
    same: the supplement of a request whose date cchc never knew is written as NgayBoSung with SoLanBoSung."""
    world.birth.steps = default_process(world.birth)
    rows = [required_only(status, MaHoSo=f"E-{status}") for status in sorted(REQUIRED_ONLY)]
    rows.append(required_only(5, MaHoSo="E-5b"))
    import_dossier_rows(db, [(i + 2, r) for i, r in enumerate(rows)])
    service.supplement(db, None, db.execute(select(Dossier).where(Dossier.code == "E-5b")).scalar_one())
    db.flush()
    columns = (Dossier.code, Dossier.state, Dossier.unit_id, Dossier.received_at, Dossier.due_at, Dossier.ended_at,
               Dossier.returned_at, Dossier.submitted_at, Dossier.not_accepted_at, Dossier.supplement_count,
               Dossier.supplement_requested_at, Dossier.supplemented_at, Dossier.supplement_seconds,
               Dossier.timeliness)
    before = db.execute(select(*columns).order_by(Dossier.code)).all()
    path = tmp_path / "ra.csv"
    export_dossiers(db, path)
    db.execute(DossierEvent.__table__.delete())
    db.execute(Dossier.__table__.delete())
    result = import_dossiers(db, path)
    assert db.execute(select(*columns).order_by(Dossier.code)).all() == before
    assert result["unknown_dates"] == {"NgayNopHoSo": 1, "NgayTuChoi": 1, "NgayYeuCauBoSung": 2,
                                       "NgayYeuCauNghiaVuTaiChinh": 1, "NgayTra": 1}


# ---------------------------------------------------------------------------------------- refused whole


def test_an_impossible_row_still_refuses_the_whole_file(db, world, tmp_path, monkeypatch):
    """Ended before received, in the last chunk, after chunks of rows with unknown dates were written."""
    monkeypatch.setattr(dossier_import, "CHUNK", 7)
    rows = dossier_rows((4, 5, 6, 10), 40)
    bad = rows[37]
    bad["NgayKetThucXuLy"] = ts(bad["_"]["received"] - timedelta(minutes=1))
    bad["TrangThaiHoSo"] = "9"
    path = tmp_path / "sai.csv"
    write_csv(path, rows)
    with pytest.raises(ImportRejected) as info:
        import_dossiers(db, path)
    assert (info.value.row, info.value.column) == (39, "NgayKetThucXuLy")
    assert "trước NgayTiepNhan" in info.value.message
    for model in (Dossier, DossierEvent, DossierDayCount):
        assert count(db, model) == 0, model
    assert db.scalars(select(AuditEntry).where(AuditEntry.action == "nhap_tep")).all() == []


# ---------------------------------------------------------------------------------------- on the command line


@pytest.fixture
def committed_world(committed):
    with Session(committed) as session:
        World(session)
        session.commit()
    return committed


def test_cchc_import_prints_the_summary_and_cchc_stats_agrees(committed_world, tmp_path, monkeypatch, capsys):
    rows = dossier_rows((4, 5, 6), 90)
    rows.append(required_only(10, MaHoSo="K-10"))
    rows.append(required_only(1, MaHoSo="K-1"))
    path = tmp_path / "dvcqg.csv"
    write_csv(path, rows)
    code, out, err = run_cli(monkeypatch, capsys, "import", "dossiers", str(path))
    assert code == 0, err
    text = " ".join(out.split())
    assert "Đã nhập 92 hồ sơ từ «dvcqg.csv»." in text
    assert ("62 dòng thiếu ngày mà trạng thái hồ sơ hàm ý; hồ sơ vẫn được nhập, ngày đó để trống, số liệu tính "
            "theo những gì đã biết:") in text
    assert "- 30 dòng là hồ sơ chờ bổ sung (trạng thái 5) hoặc đã bổ sung (có NgayBoSung, SoLanBoSung) mà không có " \
           "NgayYeuCauBoSung (dòng 3, 6, 9, 12, 15 …)" in text
    assert "- 1 dòng là hồ sơ đã trả kết quả (trạng thái 10) mà không có NgayTra (dòng 92)" in text
    assert "- 1 dòng là hồ sơ mới đăng ký (trạng thái 1) mà không có NgayNopHoSo (dòng 93)" in text
    assert "- 30 dòng là hồ sơ chờ thực hiện nghĩa vụ tài chính (trạng thái 6) mà không có NgayYeuCauNghiaVuTaiChinh" in text
    rows[-2]["_"] = {"status": 10, "unit": "000.00.12.H56", "channel": "2", "received": datetime(2024, 6, 3, 8),
                     "due": datetime(2024, 6, 6, 8), "ended": datetime(2024, 6, 5, 8)}
    rows[-1]["_"] = {"status": 1, "unit": "000.00.12.H56", "channel": "2", "received": None, "due": None,
                     "ended": None}
    for start, end in WINDOWS:
        args = ("stats", "--unit", "000.00.00.H56", "--from", start.isoformat(), "--to", end.isoformat())
        code, out, err = run_cli(monkeypatch, capsys, *args, "--format", "json")
        assert code == 0, err
        expected, expected_by_unit = independent_count(rows, start, end)
        assert figures_of(json.loads(out)) == (expected, expected_by_unit)
        code, out, err = run_cli(monkeypatch, capsys, *args, "--check")
        assert code == 0 and "Khớp" in out, err


def test_cchc_import_of_an_impossible_row_exits_2_and_writes_nothing(committed_world, tmp_path, monkeypatch, capsys):
    rows = dossier_rows((4, 5, 6), 30)
    rows.append(required_only(9, MaHoSo="K-9", NgayKetThucXuLy="20240602080000"))  # ended the day before receipt
    path = tmp_path / "sai.csv"
    write_csv(path, rows)
    code, out, err = run_cli(monkeypatch, capsys, "import", "dossiers", str(path))
    assert code == 2
    err = " ".join(err.split())
    assert "Dòng 32, cột NgayKetThucXuLy: NgayKetThucXuLy (2/6/2024 08:00) trước NgayTiepNhan (3/6/2024 08:00)." in err
    assert "dòng thiếu ngày" not in out
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(Dossier)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(DossierDayCount)).scalar_one() == 0
        # A refused file leaves the day-count triggers in place (SQLite ran their DROP outside the savepoint once).
        assert daily.installed(session.connection())
