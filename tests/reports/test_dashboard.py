"""The dashboard's figure cache and lazy panels: a closed period's figures cached per unit and window equal the
computed ones, a change of the data they read computes them again, a change elsewhere does not; the page carries
the htmx targets of its panels and each panel route answers a fragment; the charts' JSON holds the rates."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select, text

from cchc import clock
from cchc.db import session_factory
from cchc.dossiers.enums import State
from cchc.stats import figure_cache
from cchc.reports.figures import all_figures, figures_of
from tests.dossiers.test_views import web_world  # noqa: F401 — committed world with passwords
from tests.stats.conftest import add_dossier, add_unit, build_province
from tests.webclient import login_page

Q1 = (date(2025, 1, 1), date(2025, 3, 31))  # closed: the clock is frozen in August 2025
NOW = datetime(2025, 8, 4, 9, 0)


@pytest.fixture
def frozen():
    with clock.frozen(NOW):
        yield


def _world(db):
    p = build_province(db)
    other = add_unit(db, "000.00.00.H99", "Tỉnh Khác", "tinh", "tinh")
    jan, feb = datetime(2025, 1, 6, 8), datetime(2025, 2, 10, 8)
    add_dossier(db, p.agency, p.proc_tinh, State.FINISHED, jan, ended_at=datetime(2025, 1, 8, 9), due_at=datetime(2025, 1, 13, 17),
                timeliness="truoc_han", channel=2)
    late = add_dossier(db, p.agency, p.proc_tinh, State.FINISHED, feb, ended_at=datetime(2025, 2, 20, 9),
                       due_at=datetime(2025, 2, 17, 17), timeliness="qua_han")
    add_dossier(db, p.commune_old, p.proc_xa, State.PROCESSING, feb, due_at=datetime(2025, 2, 14, 17))
    add_dossier(db, other, p.proc_tinh, State.PROCESSING, feb, due_at=datetime(2025, 2, 14, 17))
    db.flush()
    return p, other, late


class Counting:
    """A compute function that says how often it ran."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self):
        self.calls += 1
        return self.fn()


def _cached_all(db, unit, counting):
    return figure_cache.cached(db, unit, *Q1, "all", counting)


def test_cached_figures_equal_live_and_are_read_back(db, frozen):
    p, _, _ = _world(db)
    live = all_figures(db, p.province, *Q1)
    compute = Counting(lambda: all_figures(db, p.province, *Q1))
    first = _cached_all(db, p.province, compute)
    again = _cached_all(db, p.province, compute)
    assert compute.calls == 1, "the second read comes from the cache"
    assert first == live and again == live
    assert again["dossiers"]["received_total"] == 3 and again["dossiers"]["resolved_late"] == 1
    stored = db.execute(text("SELECT kind, source_version FROM figure_cache WHERE unit_id = :u"), {"u": p.province.id}).all()
    assert [k for k, _ in stored] == ["all"] and stored[0][1] == figure_cache.source_version(db, p.province.path, Q1[1])
    for part in ("dossiers", "index766", "satisfaction", "interagency", "fields"):
        assert figures_of(db, p.province, *Q1, part) == figures_of(db, p.province, *Q1, part)  # computed, then cached


def test_a_late_change_in_the_period_computes_again(db, frozen):
    p, _, late = _world(db)
    compute = Counting(lambda: all_figures(db, p.province, *Q1))
    assert _cached_all(db, p.province, compute)["dossiers"]["resolved_late"] == 1
    late.timeliness = "dung_han"  # corrected in August: the dossier was on time
    late.due_at = datetime(2025, 2, 21, 17)
    db.flush()
    changed = _cached_all(db, p.province, compute)
    assert compute.calls == 2
    assert changed["dossiers"]["resolved_late"] == 0 and changed == all_figures(db, p.province, *Q1)


def test_a_change_elsewhere_or_later_keeps_the_cache(db, frozen):
    p, other, _ = _world(db)
    compute = Counting(lambda: all_figures(db, p.province, *Q1))
    _cached_all(db, p.province, compute)
    before = figure_cache.source_version(db, p.province.path, Q1[1])
    # another province's dossier of the same quarter, and a dossier of this province received in July (after Q1)
    add_dossier(db, other, p.proc_tinh, State.PROCESSING, datetime(2025, 3, 3, 8), due_at=datetime(2025, 3, 10, 17))
    add_dossier(db, p.agency, p.proc_tinh, State.PROCESSING, datetime(2025, 7, 1, 8), due_at=datetime(2025, 7, 8, 17))
    db.flush()
    assert figure_cache.source_version(db, p.province.path, Q1[1]) == before
    _cached_all(db, p.province, compute)
    assert compute.calls == 1
    # ...while a change of the same kind inside the province's quarter moves it
    add_dossier(db, p.commune_old, p.proc_xa, State.PROCESSING, datetime(2025, 3, 3, 8), due_at=datetime(2025, 3, 10, 17))
    db.flush()
    assert figure_cache.source_version(db, p.province.path, Q1[1]) != before
    assert _cached_all(db, p.province, compute)["dossiers"]["received_total"] == 4 and compute.calls == 2


def test_other_tables_a_figure_reads_invalidate_and_open_periods_are_not_cached(db, frozen):
    p, _, _ = _world(db)
    compute = Counting(lambda: all_figures(db, p.province, *Q1))
    _cached_all(db, p.province, compute)
    p.proc_tinh.online_level = "mot_phan"  # the catalogue (another table the figures read) changes
    db.flush()
    _cached_all(db, p.province, compute)
    assert compute.calls == 2, "a change of the catalogue computes them again"
    quarter = (date(2025, 7, 1), date(2025, 9, 30))  # includes today
    open_compute = Counting(lambda: {"n": 1})
    figure_cache.cached(db, p.province, *quarter, "all", open_compute)
    figure_cache.cached(db, p.province, *quarter, "all", open_compute)
    assert open_compute.calls == 2
    assert db.execute(text("SELECT count(*) FROM figure_cache WHERE period_end = :e"), {"e": quarter[1]}).scalar_one() == 0


def test_the_triggers_are_installed(db):
    assert figure_cache.installed(db.connection())
    assert "procedures" in figure_cache.versioned_tables() and "dossiers" not in figure_cache.versioned_tables()


# ---- the page and its fragments -------------------------------------------------------------------------

PARTS = {"chi-so-766": "Bộ chỉ số 766", "xu-huong": "Các kỳ gần đây", "bieu-do": "Biểu đồ"}


def _closed_dossiers(w):
    """Three dossiers of the commune in quý I/2025: two resolved (one on time, one late), one still open."""
    from tests.stats.conftest import add_dossier as add

    with session_factory()() as s:
        commune = s.merge(w.commune)
        proc = s.merge(w.procedure)
        add(s, commune, proc, State.FINISHED, datetime(2025, 1, 6, 8), ended_at=datetime(2025, 1, 8, 9),
            due_at=datetime(2025, 1, 13, 17), timeliness="dung_han", channel=2)
        add(s, commune, proc, State.FINISHED, datetime(2025, 2, 6, 8), ended_at=datetime(2025, 2, 20, 9),
            due_at=datetime(2025, 2, 13, 17), timeliness="qua_han")
        add(s, commune, proc, State.PROCESSING, datetime(2025, 3, 6, 8), due_at=datetime(2025, 3, 13, 17))
        s.commit()


def test_dashboard_page_loads_its_panels_lazily(client, web_world):
    w = web_world
    _closed_dossiers(w)
    login_page(client, w.reporter.username)
    page = client.get("/thong-ke", params={"ky": "2025-Q1"})
    assert page.status_code == 200, page.text
    html = page.text
    assert "Tổng số hồ sơ tiếp nhận" in html and ">3<" in html  # the headline, in the first paint
    assert '<script src="/vendor/echarts/echarts.min.js" defer></script>' in html and "/static/charts.js" in html
    targets = re.findall(r'hx-get="(/thong-ke/phan/[^"]+)" hx-trigger="(load|revealed)"', html)
    assert {t.split("?")[0].rsplit("/", 1)[1] for t, _ in targets} == {*PARTS, "hai-long", "lien-thong"}
    assert "Bộ chỉ số 766" not in html.split("<aside>")[1].split("Đang tải Bộ chỉ số 766")[0]  # not computed for the page
    for url, _ in targets:
        r = client.get(url.replace("&amp;", "&"))
        assert r.status_code == 200, (url, r.text)
        assert "<html" not in r.text and "<body" not in r.text, f"{url} is a fragment"
        part = url.split("?")[0].rsplit("/", 1)[1]
        if part in PARTS:
            assert PARTS[part] in r.text
    assert client.get("/thong-ke/phan/khong-co", params={"ky": "2025-Q1"}).status_code == 404
    assert client.get("/thong-ke/phan/bieu-do", params={"ky": "2025-Q9"}).status_code == 422


def _charts(html: str) -> list[dict]:
    import html as htmllib

    return [json.loads(htmllib.unescape(m)) for m in re.findall(r"data-chart='([^']*)'", html)]


def test_chart_json_holds_the_rates(client, web_world):
    w = web_world
    _closed_dossiers(w)
    login_page(client, w.reporter.username)
    charts = _charts(client.get("/thong-ke/phan/bieu-do", params={"ky": "2025-Q1"}).text)
    on_time = next(c for c in charts if "đúng và trước hạn" in c["title"])
    assert on_time["type"] == "bar" and on_time["labels"] == ["Cấp xã"] and on_time["series"][0]["values"] == [50.0]
    online = next(c for c in charts if "trực tuyến" in c["title"])
    assert online["series"][0]["values"] == [pytest.approx(33.33)]
    trend = _charts(client.get("/thong-ke/phan/xu-huong", params={"ky": "2025-Q2"}).text)
    # quý II has no dossier: the trend has only quý I's point, too few for a line (the table still lists it)
    assert trend == []
    with session_factory()() as s:
        from tests.stats.conftest import add_dossier as add

        add(s, s.merge(w.commune), s.merge(w.procedure), State.FINISHED, datetime(2025, 5, 6, 8), ended_at=datetime(2025, 5, 7, 9),
            due_at=datetime(2025, 5, 13, 17), timeliness="truoc_han")
        s.commit()
    (line,) = _charts(client.get("/thong-ke/phan/xu-huong", params={"ky": "2025-Q2"}).text)
    assert line["type"] == "line" and line["labels"] == ["2025-Q1", "2025-Q2"]
    assert line["series"][0]["values"] == [50.0, 100.0]


def test_report_page_loads_its_preview_lazily(client, web_world):
    w = web_world
    _closed_dossiers(w)
    login_page(client, w.reporter.username)
    page = client.get("/bao-cao", params={"ky": "2025-Q1"}).text
    assert 'hx-get="/bao-cao/xem-truoc?' in page and "I. CÔNG TÁC CHỈ ĐẠO" not in page
    first = client.get("/bao-cao/xem-truoc", params={"ky": "2025-Q1"})
    assert first.status_code == 200 and "I. CÔNG TÁC CHỈ ĐẠO" in first.text and "<html" not in first.text
    with session_factory()() as s:
        kinds = set(s.scalars(select(figure_cache.FigureCache.kind)))
    assert {"report", "report_trend"} <= kinds
    assert client.get("/bao-cao/xem-truoc", params={"ky": "2025-Q1"}).text == first.text  # from the cache, the same
