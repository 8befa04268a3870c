"""task_figures: exact on known data (seed 004's figures reproduced), windows, sources, and the bucket identity."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from cchc.tasks.enums import TaskState
from cchc.tasks.models import AssigningDocument, Task
from cchc.tasks.stats import KEYS, on_time_rate, task_figures, task_sentences

from .factories import make_task_world

START, END = date(2023, 12, 15), date(2024, 6, 12)
SEED_004 = (
    "Thống kê từ ngày 15/12/2023 đến 12/6/2024, tổng số nhiệm vụ đã giao trên phần mềm là 6.038 nhiệm vụ, trong đó "
    "đã hoàn thành 4.182 nhiệm vụ (bao gồm đúng hạn 4.078, hoàn thành chậm 104), số nhiệm vụ chưa hoàn thành là "
    "1.856 nhiệm vụ (bao gồm trong hạn 1.793, quá hạn 63). Tỷ lệ hoàn thành đúng hạn là 96,07%."
)


@pytest.fixture
def w(db):
    return make_task_world(db)


def _doc(db, level="ubnd_tinh") -> int:
    doc = AssigningDocument(number=f"1/{level}", issued_on=date(2023, 1, 2), issuer="x", issuer_level=level, subject="")
    db.add(doc)
    db.flush()
    return doc.id


_seq = iter(range(1, 10**9))


def row(doc_id, unit_id, *, source="ubnd_tinh", state=TaskState.IN_PROGRESS, assigned=datetime(2024, 1, 10, 8),
        deadline=date(2024, 7, 1), accepted=True, reported=None, done=None, on_time=None, returned=None,
        extended=None, extensions=0):
    n = next(_seq)
    return dict(
        code=f"T{n:08d}", document_id=doc_id, title=f"Nhiệm vụ {n}", content="", lead_unit_id=unit_id, source=source,
        deadline=deadline, state=state.value, assigned_at=assigned, accepted_at=assigned if accepted else None,
        reported_at=reported, done_at=done, on_time=on_time, returned_at=returned, extended_deadline=extended,
        extension_count=extensions, return_count=1 if returned else 0, overdue=False, result_note="",
        completed_on=None, deadline_working_days=None, assigner_unit_id=None, assigned_by_id=None,
    )


def bulk(db, rows):
    if rows:
        db.execute(insert(Task), rows)
    db.flush()


def test_seed_004_reproduced_exactly(db, w):
    doc = _doc(db)
    done_at = datetime(2024, 3, 1, 9)
    rows = (
        [row(doc, w.dept.id, state=TaskState.DONE, deadline=date(2024, 3, 1), reported=done_at, done=done_at, on_time=True) for _ in range(4078)]
        + [row(doc, w.dept2.id, state=TaskState.DONE, deadline=date(2024, 2, 1), reported=done_at, done=done_at, on_time=False) for _ in range(104)]
        + [row(doc, w.dept.id, deadline=date(2024, 7, 1)) for _ in range(1793)]
        + [row(doc, w.dept2.id, deadline=date(2024, 5, 2)) for _ in range(63)]
        # not counted: done before the window, assigned after it, another province
        + [row(doc, w.dept.id, state=TaskState.DONE, assigned=datetime(2023, 11, 1), reported=datetime(2023, 12, 1),
               done=datetime(2023, 12, 1), on_time=True) for _ in range(3)]
        + [row(doc, w.dept.id, assigned=datetime(2024, 6, 13, 8)) for _ in range(3)]
        + [row(doc, w.other_dept.id) for _ in range(3)]
    )
    bulk(db, rows)
    f = task_figures(db, w.province, START, END, today=date(2024, 6, 12))
    assert (f["assigned_total"], f["done_total"], f["done_on_time"], f["done_late"]) == (6038, 4182, 4078, 104)
    assert (f["not_done_total"], f["not_done_within"], f["not_done_overdue"]) == (1856, 1793, 63)
    assert f["on_time_rate"] == Decimal("96.07")
    sentence = task_sentences(f, "Thống kê từ ngày 15/12/2023 đến 12/6/2024")[0]
    assert sentence == SEED_004
    # the identical sentence is in the real report
    from pathlib import Path

    seed = next((Path(__file__).resolve().parents[3] / "shared" / "seeds").glob("004_*.txt")).read_text(encoding="utf-8")
    assert SEED_004.split(", ", 1)[1] in seed
    # a unit alone: its subtree only
    s = task_figures(db, w.dept2, START, END, today=date(2024, 6, 12))
    assert (s["assigned_total"], s["done_late"], s["not_done_overdue"], s["on_time_rate"]) == (167, 104, 63, Decimal("0.00"))


def test_rate_formula_scaled_and_empty():
    f = dict.fromkeys(KEYS, 0) | {"done_on_time": 4078, "done_total": 4182, "not_done_overdue": 63, "not_done_within": 1793}
    assert on_time_rate(f) == Decimal("96.07")  # 4.078 / (4.182 + 63); not 4.078 / 4.182 (97,51) nor / 6.038 (67,54)
    half = f | {"done_on_time": 2000, "done_total": 2070, "not_done_overdue": 30}
    assert on_time_rate(half) == Decimal("95.24")  # 2.000 / 2.100
    assert on_time_rate(dict.fromkeys(KEYS, 0)) is None
    assert "Chưa có nhiệm vụ đến hạn" in task_sentences(dict.fromkeys(KEYS, 0) | {"on_time_rate": None, "by_source": {}})[0]


def test_states_as_of_the_window_end_and_by_source(db, w):
    doc_cp, doc_t = _doc(db, "thu_tuong"), _doc(db, "ubnd_tinh")
    end = date(2024, 6, 14)
    rows = [
        # Government tasks
        row(doc_cp, w.dept.id, source="chinh_phu", accepted=False, deadline=date(2024, 6, 1)),  # waiting acceptance, overdue
        row(doc_cp, w.dept.id, source="chinh_phu", accepted=False, deadline=date(2024, 6, 30)),  # waiting acceptance, within
        row(doc_cp, w.dept.id, source="chinh_phu", state=TaskState.WAITING_CONFIRMATION, reported=datetime(2024, 6, 1), deadline=date(2024, 5, 1)),
        # done after the window's end: still waiting for confirmation at the end
        row(doc_cp, w.dept.id, source="chinh_phu", state=TaskState.DONE, reported=datetime(2024, 6, 10), done=datetime(2024, 6, 20), on_time=True),
        # provincial tasks
        row(doc_t, w.dept.id, returned=datetime(2024, 5, 5), reported=datetime(2024, 5, 1)),  # returned, in progress
        row(doc_t, w.dept.id, extended=date(2024, 6, 30), extensions=1, deadline=date(2024, 6, 1)),  # extended: within
        row(doc_t, w.dept.id, assigned=datetime(2023, 10, 1), deadline=date(2023, 12, 1)),  # carried over, overdue
        row(doc_t, w.dept.id, state=TaskState.DONE, reported=datetime(2024, 2, 1), done=datetime(2024, 2, 2), on_time=False),
    ]
    bulk(db, rows)
    f = task_figures(db, w.province, date(2023, 12, 15), end, today=date(2024, 11, 1))
    cp, t = f["by_source"]["chinh_phu"], f["by_source"]["ubnd_tinh"]
    assert (cp["waiting_acceptance_within"], cp["waiting_acceptance_overdue"]) == (1, 1)
    assert (cp["waiting_confirmation"], cp["waiting_confirmation_overdue"], cp["done_total"]) == (2, 1, 0)
    assert (t["in_progress"], t["returned"], t["extended"], t["carried_over"]) == (3, 1, 1, 1)
    assert (t["in_progress_within"], t["in_progress_overdue"], t["done_late"]) == (2, 1, 1)
    assert t["on_time_rate"] == Decimal("0.00") and cp["on_time_rate"] == Decimal("0.00")
    assert f["assigned_total"] == 8 and f["not_done_overdue"] == 3
    # the reference day is min(end, today): before the deadlines nothing is overdue yet
    early = task_figures(db, w.province, date(2023, 12, 15), end, today=date(2023, 11, 1))
    assert early["not_done_overdue"] == 0 and early["on_time_rate"] == Decimal("0.00")
    sentences = task_sentences(f, "")
    assert sentences[1].startswith("Chính phủ, Thủ tướng Chính phủ đã giao tổng cộng 4 nhiệm vụ, trong đó: chờ tiếp nhận 2 nhiệm vụ (trong hạn: 1 nhiệm vụ, quá hạn: 1 nhiệm vụ)")
    assert "chờ kết thúc 2 nhiệm vụ (trong hạn: 1 nhiệm vụ, quá hạn: 1 nhiệm vụ)." in sentences[1]
    assert sentences[2].startswith("UBND tỉnh, Chủ tịch UBND tỉnh đã giao tổng cộng 4 nhiệm vụ")
    with pytest.raises(Exception, match="phải trước hoặc bằng ngày kết thúc"):
        task_figures(db, w.province, end, START)


def _oracle(tasks, start, end, reference):
    """Each task's bucket computed in Python, independently of the SQL."""
    after = datetime.combine(end + timedelta(days=1), datetime.min.time())
    before = datetime.combine(start, datetime.min.time())
    counts = {}
    for t in tasks:
        if t["assigned_at"] >= after or (t["state"] == "hoan_thanh" and t["done_at"] < before):
            continue
        deadline = t["extended_deadline"] or t["deadline"]
        if t["state"] == "hoan_thanh" and t["done_at"] < after:
            key = "done_on_time" if t["on_time"] else "done_late"
        else:
            r, ret = t["reported_at"], t["returned_at"]
            if r is not None and r < after and (ret is None or ret < r or ret >= after):
                stage = "waiting_confirmation"
            elif t["accepted_at"] is not None and t["accepted_at"] < after:
                stage = "in_progress"
            else:
                stage = "waiting_acceptance"
            key = f"{stage}_{'overdue' if deadline < reference else 'within'}"
        counts[(t["source"], key)] = counts.get((t["source"], key), 0) + 1
    return counts


day = st.dates(min_value=date(2023, 6, 1), max_value=date(2024, 12, 31))


@st.composite
def task_rows(draw):
    assigned = datetime.combine(draw(day), datetime.min.time()) + timedelta(hours=8)
    steps = draw(st.integers(0, 4))  # 0 waiting acceptance … 3 done; 4 returned after a report
    gap = lambda: timedelta(days=draw(st.integers(0, 60)))  # noqa: E731
    accepted = assigned + gap() if steps >= 1 else None
    reported = accepted + gap() if steps in (2, 3, 4) else None
    done = reported + gap() if steps == 3 else None
    returned = reported + gap() + timedelta(hours=1) if steps == 4 else None
    state = [TaskState.WAITING_ACCEPTANCE, TaskState.IN_PROGRESS, TaskState.WAITING_CONFIRMATION, TaskState.DONE, TaskState.IN_PROGRESS][steps]
    return dict(
        source=draw(st.sampled_from(["chinh_phu", "ubnd_tinh"])), state=state, assigned=assigned, accepted=accepted is not None,
        deadline=assigned.date() + timedelta(days=draw(st.integers(0, 90))), reported=reported, done=done,
        on_time=draw(st.booleans()) if done else None, returned=returned,
        extended=draw(st.one_of(st.none(), day)), accepted_at=accepted,
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(task_rows(), max_size=25), start=day, length=st.integers(0, 400), today=day)
def test_every_task_in_exactly_one_bucket(db, w, specs, start, length, today):
    end = start + timedelta(days=length)
    nested = db.begin_nested()
    try:
        doc = _doc(db)
        rows = []
        for s in specs:
            accepted_at = s.pop("accepted_at")
            r = row(doc, w.dept.id, **s)
            r["accepted_at"] = accepted_at
            rows.append(r)
        bulk(db, rows)
        f = task_figures(db, w.province, start, end, today=today)
        expected = _oracle(rows, start, end, min(end, today))
        for src in ("chinh_phu", "ubnd_tinh"):
            g = f["by_source"][src]
            for key in ("waiting_acceptance_within", "waiting_acceptance_overdue", "in_progress_within", "in_progress_overdue",
                        "waiting_confirmation_within", "waiting_confirmation_overdue", "done_on_time", "done_late"):
                assert g[key] == expected.get((src, key), 0), (src, key)
            assert g["assigned_total"] == g["waiting_acceptance"] + g["in_progress"] + g["waiting_confirmation"] + g["done_total"]
            assert g["assigned_total"] == g["done_total"] + g["not_done_total"]
            assert g["not_done_total"] == g["not_done_within"] + g["not_done_overdue"]
            assert g["done_total"] == g["done_on_time"] + g["done_late"]
        for key in KEYS:
            if key != "on_time_rate":
                assert f[key] == f["by_source"]["chinh_phu"][key] + f["by_source"]["ubnd_tinh"][key], key
        assert f["assigned_total"] == sum(expected.values())
    finally:
        nested.rollback()


def test_seed_000_sentence_on_government_tasks():
    from cchc.tasks.stats import government_sentence

    g = dict.fromkeys(KEYS, 0) | {"assigned_total": 47, "done_on_time": 4, "waiting_confirmation": 27,
                                  "waiting_acceptance_within": 6, "in_progress_within": 10}
    f = {"by_source": {"chinh_phu": g, "ubnd_tinh": dict.fromkeys(KEYS, 0)}}
    assert government_sentence(f, "Tỉnh", "quý III, năm 2023") == (
        "Trong quý III, năm 2023, Tỉnh có 47 nhiệm vụ được Chính phủ, Thủ tướng Chính phủ giao. Trong đó có 4 nhiệm vụ "
        "giải quyết đúng hạn và trước hạn; 27 nhiệm vụ đã báo cáo hoàn thành và chờ xác nhận; 16 nhiệm vụ đang thực hiện "
        "và chưa tới hạn giải quyết."
    )
    g |= {"done_late": 2, "in_progress_overdue": 3}
    assert government_sentence(f).endswith("2 nhiệm vụ hoàn thành nhưng quá hạn; 27 nhiệm vụ đã báo cáo hoàn thành và chờ xác nhận; "
                                            "16 nhiệm vụ đang thực hiện và chưa tới hạn giải quyết; 3 nhiệm vụ quá hạn chưa hoàn thành.")
    assert government_sentence({"by_source": {"chinh_phu": dict.fromkeys(KEYS, 0)}}) == "Tỉnh có 0 nhiệm vụ được Chính phủ, Thủ tướng Chính phủ giao."


def test_sentence_opening_from_the_period_label():
    f = dict.fromkeys(KEYS, 0) | {"assigned_total": 3, "not_done_total": 3, "not_done_within": 3, "on_time_rate": None, "by_source": {}}
    assert task_sentences(f, "quý III năm 2023")[0].startswith("Trong quý III năm 2023, tổng số nhiệm vụ đã giao trên phần mềm là 3 nhiệm vụ")
    assert task_sentences(f, "từ ngày 01/7/2023 đến 13/9/2023")[0].startswith("Từ ngày 01/7/2023 đến 13/9/2023, tổng số")
    assert task_sentences(f, "")[0].startswith("Tổng số nhiệm vụ đã giao")
