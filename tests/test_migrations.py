"""The Alembic migrations build exactly the schema of the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from cchc import migrate
from cchc.db import Base, make_engine
from cchc.stats import daily
from tests.conftest import _test_url, make_test_engine


@contextmanager
def empty_database(tmp_path, suffix: str) -> Iterator[Engine]:
    """A database with no schema yet (on PostgreSQL a schema of its own, dropped afterwards)."""
    url, schema = _test_url(tmp_path)
    if schema is not None:
        schema = schema + suffix
    engine = make_test_engine(url, schema)
    try:
        yield engine
    finally:
        engine.dispose()
        if schema is not None:
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def test_upgrade_builds_the_models_schema(tmp_path):
    with empty_database(tmp_path, "_mig") as engine:
        migrate.upgrade(engine)
        assert migrate.current(engine) is not None
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
        assert diff == [], f"Migrations and models differ: {diff}"
        migrate.upgrade(engine)  # idempotent


def test_0003_gives_existing_feedback_its_search_text(tmp_path):
    """PAKN written before 0003 are found without accents after it (the migration fills the column)."""
    from cchc.auth.enums import Role
    from cchc.auth.models import User
    from cchc.feedback import service as feedback
    from cchc.units.models import Unit

    with empty_database(tmp_path, "_fb") as engine:
        migrate.upgrade(engine)
        with Session(engine) as s:
            unit = Unit(code="H15.50.05", name="UBND xã Thử Nghiệm", level="xa", kind="ubnd", path="/1/")
            citizen = User(username="congdan", full_name="Nguyễn Văn Dân", role=Role.CITIZEN)
            s.add_all([unit, citizen])
            s.flush()
            fb = feedback.receive(s, citizen, unit_id=unit.id, title="Đăng ký KHAI SINH", content="Trẻ sinh ở nước ngoài",
                                  category="khac", channel="cong_dvc", sender_name="Nguyễn Văn Dân",
                                  sender_contact="0912345678", received_at=datetime(2025, 8, 4, 9))
            s.commit()
            code = fb.code
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
        migrate.upgrade(engine)
        with engine.connect() as conn:
            got = conn.execute(text("SELECT search_text FROM feedback WHERE code = :c"), {"c": code}).scalar_one()
        assert got == f"{code.lower()} dang ki khai sinh tre sinh o nuoc ngoai"  # i/y alike since 0011


def _day_count_triggers(conn) -> dict[str, str]:
    """The definitions of dossier_day_counts' triggers (and, on PostgreSQL, their function) as the database keeps them."""
    pattern = {"n": daily.NAME + "%"}
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE :n"), pattern)
        return dict(rows.all())
    rows = conn.execute(text(
        "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname LIKE :n AND c.relname = 'dossiers' AND pg_table_is_visible(c.oid)"
    ), pattern)
    found = dict(rows.all())
    found["function"] = conn.execute(text("SELECT pg_get_functiondef(to_regproc(:f))"), {"f": daily.NAME}).scalar_one()
    return found


def test_upgraded_day_count_triggers_are_the_codes(tmp_path):
    """The triggers an upgraded database holds are exactly those cchc.stats.daily generates from the rules
    of cchc.stats.rules: a change of a rule without a migration that installs its triggers fails here."""
    with empty_database(tmp_path, "_dc") as engine:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            upgraded = _day_count_triggers(conn)
            daily.install(conn)  # what the code generates, in the same database, then rolled back
            generated = _day_count_triggers(conn)
            conn.rollback()
        assert len(upgraded) == 3  # SQLite: insert, update, delete; PostgreSQL: two triggers and their function
        assert upgraded == generated


def _figure_version_triggers(conn) -> set[tuple[str, str]]:
    """(trigger, table) of cchc.stats.figure_cache's triggers as the database holds them."""
    from cchc.stats import figure_cache

    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE :n"),
                            {"n": figure_cache.TRIGGER + "%"})
    else:
        rows = conn.execute(text(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE :n AND pg_table_is_visible(c.oid)"), {"n": figure_cache.TRIGGER + "%"})
    return {(name, table) for name, table in rows}


def test_upgraded_figure_version_triggers_are_the_codes(tmp_path):
    """Every table cchc.stats.figure_cache versions has its triggers after `upgrade`, as after create_all: a table
    added to VERSIONED without a migration that installs its triggers fails here (its cached figures would go stale)."""
    from cchc.stats import figure_cache

    with empty_database(tmp_path, "_fv") as engine:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            upgraded = _figure_version_triggers(conn)
            figure_cache.install(conn)  # what the code installs, in the same database, then rolled back
            generated = _figure_version_triggers(conn)
            conn.rollback()
        assert {table for _name, table in generated} >= set(figure_cache.VERSIONED)
        assert upgraded == generated
