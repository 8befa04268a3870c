"""Users: citizens and officers, each officer attached to one unit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cchc import clock
from cchc.db import Base
from cchc.units.models import Unit


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(24))  # Role
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    email: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    id_number: Mapped[str] = mapped_column(String(20), default="")  # số định danh (citizens)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A password set by someone else (an administrator's reset) must be replaced at the next login.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # An identity verified by a sign-on provider (cchc.auth.oidc): the provider's kind and subject, when, and the
    # date of birth it gave. While identity_provider is set, full_name, id_number and birth_date come from the
    # provider's claims at each login and nobody edits them in cchc.
    identity_provider: Mapped[str] = mapped_column(String(20), default="", server_default="")
    identity_subject: Mapped[str] = mapped_column(String(255), default="", server_default="")
    identity_verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    birth_date: Mapped[date | None] = mapped_column(Date)
    # The leader's credential id at the CA's remote-signing service (cchc.signatures.keys), '' when they sign locally.
    signing_credential: Mapped[str] = mapped_column(String(120), default="", server_default="")

    unit: Mapped[Unit | None] = relationship()


class AuthSession(Base):
    """A login: the server's record behind the session cookie. Revoking it (logout, a password change, a
    deactivated account, an administrator's «end all sessions») ends it at once on every server process."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the random token the cookie carries: a copy of this table opens no session.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(DateTime)  # the absolute time-out
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # dang_xuat, doi_mat_khau, dat_lai_mat_khau, khoa_tai_khoan, quan_tri_ket_thuc (a time-out is not stored:
    # it follows from last_seen_at and expires_at)
    revoked_reason: Mapped[str] = mapped_column(String(40), default="")
    client: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    # How the user proved who they are: mat_khau (a password) or the kind of sign-on provider (citizen: VNeID
    # through Cổng DVCQG; officer: the province's). A sign-on keeps its ID token for the provider's logout.
    login_method: Mapped[str] = mapped_column(String(20), default="mat_khau", server_default="mat_khau")
    id_token: Mapped[str] = mapped_column(Text, default="", server_default="")

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """Failed logins, counted per username and per client address to throttle guessing."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    client: Mapped[str] = mapped_column(String(64), default="", index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, index=True)
