"""A dossier counts as synced to the national portal (DVCQG) only when a sync was recorded (issue #12, item 1).

The flag is false by default — the model, the database's default, every existing row (migration 0007) and the
demo — so 766 indicator 1.4 says no sync happened, and 3.3 and 3.5, which count synced dossiers, follow.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from cchc import config, migrate
from cchc.dossiers.models import Dossier
from cchc.reports.assembly import index766_blocks
from cchc.stats import daily
from cchc.stats.index766 import STATUS_SCORED, compute_index
from cchc.synth.generator import DemoOptions, run_demo
from tests.conftest import empty_database as empty_tables
from tests.stats.conftest import add_dossier, build_province
from tests.stats.test_dossiers import Q3_END, Q3_START, build_q3
from tests.test_migrations import empty_database


def test_a_dossier_is_not_synced_unless_a_sync_is_recorded(db, province):
    c = build_q3(db, province)
    assert {d.synced_dvcqg for d in c.values()} == {False}
    c["d3"].result_digitized = True  # the online dossier with its electronic result: 3.3 counts it, × 0 synced
    db.flush()
    by_id = {i.id: i for i in compute_index(db, province.province, Q3_START, Q3_END).indicators}
    sync = by_id["1.4"]
    assert (sync.numerator, sync.denominator, sync.rate, sync.score, sync.status) == (0, 12, 0.0, 0.0, STATUS_SCORED)
    assert "chưa ghi nhận hồ sơ nào được đồng bộ" in sync.note
    online = by_id["3.3"]  # online dossiers × the sync rate
    assert (online.numerator, online.denominator, online.rate, online.score) == (1, 12, 0.0, 0.0)
    assert "chưa ghi nhận" in online.note
    assert by_id["3.5"].numerator == 0 and by_id["3.5"].denominator == 2
    # one sync recorded: counted, and only it
    c["d3"].synced_dvcqg = True
    db.flush()
    by_id = {i.id: i for i in compute_index(db, province.province, Q3_START, Q3_END).indicators}
    assert (by_id["1.4"].numerator, by_id["1.4"].rate) == (1, 8.33)
    assert "chưa ghi nhận" not in by_id["1.4"].note


def test_the_report_says_no_sync_was_recorded(db, province):
    build_q3(db, province)
    idx = compute_index(db, province.province, Q3_START, Q3_END).as_dict()
    text = "\n".join(b.text for b in index766_blocks({"index766": idx}))
    assert "chưa ghi nhận hồ sơ nào được đồng bộ lên Cổng Dịch vụ công quốc gia trong kỳ: chỉ số 1.4 đạt 0% (0/12 hồ sơ)" in text
    assert "chỉ số 3.3, 3.5, 3.6 chỉ tính hồ sơ đã đồng bộ" in text


def test_the_database_default_is_false(db, province):
    """A row written without the column (raw SQL, COPY) is not synced either."""
    build_q3(db, province)
    columns = {c["name"]: c for c in sa.inspect(db.connection()).get_columns("dossiers")}
    assert str(columns["synced_dvcqg"]["default"]).strip("'").lower() in {"0", "false"}


def test_migration_0007_sets_every_row_false_and_the_default(tmp_path, monkeypatch):
    from cchc.calendar import cache

    # The rows are written with today's models into a schema of 0006, before cache_generations (0009) exists: the
    # listener that renews the catalogue's cache tokens has nothing to renew there.
    monkeypatch.setattr(cache, "_WATCHED", {})
    with empty_database(tmp_path, "_sync") as engine:
        migrate.upgrade(engine, "0006")
        with Session(engine) as s:
            P = build_province(s)
            for n in range(3):
                add_dossier(s, P.agency, P.proc_tinh, "da_tra_ket_qua", datetime(2024, 3, n + 1, 8),
                            ended_at=datetime(2024, 3, n + 2, 8), synced_dvcqg=True, code=f"H20-240301-{n:04d}")
            s.commit()
            count_before = s.scalar(sa.select(sa.func.count()).select_from(Dossier).where(Dossier.synced_dvcqg.is_(True)))
        assert count_before == 3
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM dossiers WHERE synced_dvcqg")).scalar_one() == 0
            default = {c["name"]: c for c in sa.inspect(conn).get_columns("dossiers")}["synced_dvcqg"]["default"]
            assert str(default).strip("'").lower() in {"0", "false"}
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
                triggers = conn.exec_driver_sql("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
                                                f"AND tbl_name = 'dossiers' AND name LIKE '{daily.NAME}%'").scalar_one()
                assert triggers == 3  # the day-count triggers are still there
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006")
        with engine.connect() as conn:
            default = {c["name"]: c for c in sa.inspect(conn).get_columns("dossiers")}["synced_dvcqg"]["default"]
            assert default is None
            assert conn.execute(sa.text("SELECT COUNT(*) FROM dossiers")).scalar_one() == 3
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()


def test_the_demo_records_no_sync(engine, tmp_path):
    """The demo province writes its dossiers as the system does: none synced, so 1.4 says there was no sync."""
    old_files = config.settings.files_dir
    object.__setattr__(config.settings, "files_dir", tmp_path)
    session = Session(bind=engine, expire_on_commit=False)
    try:
        run_demo(session, DemoOptions(dossiers=120, seed=3, province="44", today=datetime(2026, 11, 20).date(),
                                      max_communes=2, max_procedures=40, batch=60))
        received = session.scalar(sa.select(sa.func.count()).select_from(Dossier).where(Dossier.received_at.is_not(None)))
        synced = session.scalar(sa.select(sa.func.count()).select_from(Dossier).where(Dossier.synced_dvcqg.is_(True)))
        assert received > 50 and synced == 0
    finally:
        session.close()
        object.__setattr__(config.settings, "files_dir", old_files)
        with engine.begin() as conn:
            empty_tables(conn)
