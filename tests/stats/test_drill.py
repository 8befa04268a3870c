"""The dossiers behind a figure: paged with the procedure, dates and state; the same list as XLSX (every row, no
formula, dates as dates); bad input answered in Vietnamese."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

from openpyxl import load_workbook

from cchc.db import session_factory
from cchc.dossiers.enums import State
from tests.dossiers.factories import make_procedure
from tests.dossiers.test_views import web_world  # noqa: F401 — committed world with passwords
from tests.stats.conftest import add_dossier
from tests.webclient import login_page

Q1 = {"tu_ngay": "01/01/2025", "den_ngay": "31/03/2025"}  # every day of the dossiers below


def _dossiers(w, n=120):
    """n dossiers received by the commune from 2/1/2025 (one a day, 85 days), every fifth still open; the open ones
    under a procedure whose name a spreadsheet would take for a formula."""
    with session_factory()() as s:
        commune, proc = s.merge(w.commune), s.merge(w.procedure)
        odd = make_procedure(s, "1.009999")
        odd.name = '=HYPERLINK("http://x.vn","Bấm")'
        codes = {}
        for i in range(n):
            received = datetime(2025, 1, 2, 8) + timedelta(days=i % 85)
            if i % 5 == 0:
                d = add_dossier(s, commune, odd, State.PROCESSING, received, due_at=received + timedelta(days=7),
                                code=f"T-{i:04d}")
            else:
                d = add_dossier(s, commune, proc, State.FINISHED, received, ended_at=received + timedelta(days=2),
                                due_at=received + timedelta(days=7), timeliness="truoc_han", code=f"T-{i:04d}")
            codes[d.code] = d
        s.commit()
        return {c: (d.received_at, d.due_at, d.ended_at, d.state) for c, d in codes.items()}


def test_drill_down_is_paged_with_procedure_dates_and_state(client, web_world):
    w = web_world
    dossiers = _dossiers(w)
    login_page(client, w.reporter.username)
    first = client.get("/thong-ke/ho-so", params={**Q1, "nhom": "received_total"})
    assert first.status_code == 200, first.text
    page = first.text
    assert "120 hồ sơ, hồ sơ 1–50 (trang 1/3)" in page
    assert page.count('href="/can-bo/ho-so/T-') == 50 and "T-0000" in page and "T-0049" in page and "T-0050" not in page
    assert "<td class=\"nowrap\">2/1/2025</td><td class=\"nowrap\">9/1/2025</td>" in page  # T-0000 received, due
    assert "Đang xử lý" in page and "Bấm" in page and w.procedure.name in page
    assert 'rel="next"' in page and "trang=2" in page
    last = client.get("/thong-ke/ho-so", params={**Q1, "nhom": "received_total", "trang": "3"}).text
    assert "hồ sơ 101–120 (trang 3/3)" in last and last.count('href="/can-bo/ho-so/T-') == 20 and 'rel="next"' not in last
    # «next page» reads on after the last code shown: the same rows as page 2 by its number
    following = re.search(r'rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "sau=T-0049" in following
    by_link, by_number = client.get(following).text, client.get("/thong-ke/ho-so", params={**Q1, "nhom": "received_total", "trang": "2"}).text
    assert "hồ sơ 51–100 (trang 2/3)" in by_link
    assert re.findall(r">(T-\d+)<", by_link) == re.findall(r">(T-\d+)<", by_number) == [f"T-{i:04d}" for i in range(50, 100)]
    open_only = client.get("/thong-ke/ho-so", params={**Q1, "nhom": "in_progress_total"}).text
    assert "24 hồ sơ." in open_only and "T-0005" in open_only and "T-0001" not in open_only
    expected_open = sorted(c for c, v in dossiers.items() if v[3] == State.PROCESSING.value)
    assert [c for c in expected_open if f">{c}<" in open_only] == expected_open


def test_drill_down_bad_input(client, web_world):
    w = web_world
    _dossiers(w, n=3)
    login_page(client, w.reporter.username)
    for trang, words in (("4", "Trang 4 không có"), ("0", "Số trang «0» không hợp lệ"), ("mot", "Số trang «mot» không hợp lệ")):
        r = client.get("/thong-ke/ho-so", params={**Q1, "nhom": "received_total", "trang": trang})
        assert r.status_code == 422 and words in r.text, r.text
    r = client.get("/thong-ke/ho-so", params={**Q1, "nhom": "khong_co"})
    assert r.status_code == 422 and "Không có nhóm số liệu «khong_co»" in r.text
    assert client.get("/thong-ke/ho-so.xlsx", params={**Q1, "nhom": "khong_co"}).status_code == 422


def test_drill_down_exports_the_same_list_as_xlsx(client, web_world):
    w = web_world
    dossiers = _dossiers(w)
    login_page(client, w.reporter.username)
    page = client.get("/thong-ke/ho-so", params={**Q1, "nhom": "received_total"}).text
    assert "/thong-ke/ho-so.xlsx?nhom=received_total&" in page
    r = client.get("/thong-ke/ho-so.xlsx", params={**Q1, "nhom": "received_total"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "ho-so-received_total-" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows())
    assert "Tổng số hồ sơ tiếp nhận — Tỉnh Đồng Tháp" in rows[0][0].value
    assert [c.value for c in rows[1]] == ["Mã hồ sơ", "Thủ tục", "Mã thủ tục", "Đơn vị tiếp nhận", "Ngày tiếp nhận",
                                          "Hạn trả kết quả", "Ngày kết thúc", "Trạng thái"]
    data = rows[2:]
    assert [r[0].value for r in data] == sorted(dossiers)  # every row, not a page
    for r in data:
        received, due, ended, state = dossiers[r[0].value]
        assert r[4].value.date() == received.date() and r[4].number_format == "DD/MM/YYYY"
        assert r[5].value.date() == due.date()
        assert (r[6].value.date() if r[6].value else None) == (ended.date() if ended else None)
        assert r[7].value == State(state).label and r[3].value == w.commune.name
    odd = next(r for r in data if r[0].value == "T-0000")
    assert odd[1].value == '=HYPERLINK("http://x.vn","Bấm")' and odd[1].data_type == "s"
    assert all(c.data_type != "f" for row in rows for c in row), "an export never carries a formula"
    # quý III: none received in it (the header only), the 24 still open carried over into it
    for nhom, n in (("new_total", 0), ("carried_over", 24)):
        q3 = client.get("/thong-ke/ho-so.xlsx", params={"ky": "2025-Q3", "nhom": nhom})
        assert q3.status_code == 200 and len(list(load_workbook(io.BytesIO(q3.content)).active.iter_rows())) == 2 + n
    assert date(2025, 1, 2) == min(v[0] for v in dossiers.values()).date()


def test_each_bucket_lists_as_many_dossiers_as_its_figure(db):
    """For every figure of the dashboard, the drill-down's rows are the dossiers the statistics list for it
    (stats.dossiers.explain), as many as the figure says — on a window that cuts through receipts and ends."""
    from tests.stats.conftest import add_procedure, add_unit

    from cchc.periods import resolve_period
    from cchc.stats.dossiers import dossier_figures, explain
    from cchc.stats.pages import BUCKET_LABELS, Selection, drill_for

    unit = add_unit(db, "000.00.00.H77", "Tỉnh Thử", "tinh", "tinh")
    proc = add_procedure(db, "1.007777")
    start = datetime(2025, 5, 20, 8)
    for i in range(60):
        received = start + timedelta(days=i)
        kind = i % 6
        if kind == 0:
            add_dossier(db, unit, proc, State.PROCESSING, received, due_at=received + timedelta(days=5), channel=1 + i % 3)
        elif kind == 1:
            add_dossier(db, unit, proc, State.REFUSED, received, ended_at=received + timedelta(days=1), due_at=received + timedelta(days=5))
        else:
            late = kind == 2
            add_dossier(db, unit, proc, State.FINISHED, received, ended_at=received + timedelta(days=9 if late else 2),
                        due_at=received + timedelta(days=5), timeliness="qua_han" if late else "dung_han", channel=1 + i % 3)
    db.flush()
    sel = Selection(unit, resolve_period("2025-Q3"))  # 15/6–14/9/2025: some received before, some ended after
    figures = dossier_figures(db, unit, sel.period.start, sel.period.end)
    for bucket in BUCKET_LABELS:
        drill = drill_for(db, sel, bucket)
        codes = [r.code for r in drill.rows(db)]
        assert codes == explain(db, unit, sel.period.start, sel.period.end, bucket, limit=10_000), bucket
        assert len(codes) == figures[bucket] == drill.count(db), bucket
    assert figures["received_total"] > figures["new_total"] > 0 and figures["resolved_late"] > 0 and figures["refused"] > 0
