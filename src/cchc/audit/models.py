"""The audit log: one append-only, hash-chained table of every change, and the head of the chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cchc.db import Base

GENESIS = "0" * 64  # the "previous hash" of the first entry


class AuditEntry(Base):
    """One change: who (actor), when, from where (client, request id), what (action on an object) and the
    values before and after, as canonical JSON. `hash` = SHA-256 of all of it and `prev_hash`; the database
    refuses UPDATE and DELETE on this table (cchc.audit.chain.install)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # the chain's sequence number
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_name: Mapped[str] = mapped_column(String(255), default="")
    client: Mapped[str] = mapped_column(String(64), default="")
    request_id: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(64), index=True)
    object_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """A single row: the last sequence number and hash. Appending updates it first, which serialises
    concurrent writers on this row (PostgreSQL row lock, SQLite's write lock) until they commit."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
