"""The Alembic migrations build exactly the schema of the models, on SQLite and PostgreSQL."""

from __future__ import annotations


from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from cchc import migrate
from cchc.db import Base
from tests.conftest import _test_url, make_test_engine


def test_upgrade_builds_the_models_schema(tmp_path):
    url, schema = _test_url(tmp_path)
    if schema is not None:
        schema = schema + "_mig"
    engine = make_test_engine(url, schema)
    try:
        migrate.upgrade(engine)
        assert migrate.current(engine) is not None
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
        assert diff == [], f"Migrations and models differ: {diff}"
        migrate.upgrade(engine)  # idempotent
    finally:
        engine.dispose()
        if schema is not None:
            from sqlalchemy import text

            from cchc.db import make_engine

            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
