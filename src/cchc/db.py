"""Database engine, sessions and the declarative base shared by every domain package."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import JSON, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from cchc import config

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: JSON, list: JSON}


def make_engine(url: str | None = None, **kwargs) -> Engine:
    url = config.normalise_database_url(url or config.settings.database_url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    else:
        kwargs.setdefault("pool_size", config.settings.pool_size)
        kwargs.setdefault("max_overflow", config.settings.pool_size)
        kwargs.setdefault("pool_pre_ping", True)  # a restarted PostgreSQL costs one retry, not an error page
    engine = create_engine(url, future=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # Statistics read large index ranges: memory-mapped reads and a 64 MB page cache halve their CPU time.
    cur.execute("PRAGMA mmap_size=268435456")
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None
# Who records every change made through a session (cchc.audit: listeners on the Session class). It sits above
# this module — its tables use Base — so it announces itself here when imported, and whoever starts cchc (the
# command line, the web application, the test suite) imports it. A session factory asked for before that would
# write changes the audit log never sees: it is refused instead.
_recorders: set[str] = set()


def add_recorder(name: str) -> None:
    """Called on import by a module whose session listeners must see every write (cchc.audit.service)."""
    _recorders.add(name)


def get_engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = make_engine()
    return _engine


def set_engine(engine: Engine | None) -> None:
    """Point the application at another engine (tests, CLI --database)."""
    global _engine, _factory
    _engine = engine
    _factory = None


def session_factory() -> sessionmaker[Session]:
    global _factory
    if _factory is None:
        if not _recorders:
            raise RuntimeError("Chưa nạp nhật ký kiểm toán (cchc.audit.service): không mở phiên cơ sở dữ liệu mà "
                               "thay đổi không được ghi lại.")
        _factory = sessionmaker(bind=get_engine(), expire_on_commit=False)
    return _factory


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = session_factory()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
