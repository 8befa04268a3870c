"""Alembic environment: the schema is cchc's Base.metadata; the URL comes from cchc's settings."""

from alembic import context

from cchc.db import Base, get_engine
from cchc.models import import_all_models

import_all_models()
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    with get_engine().connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("cchc chỉ chạy migration trực tiếp trên cơ sở dữ liệu (không hỗ trợ chế độ offline).")
run_migrations_online()
