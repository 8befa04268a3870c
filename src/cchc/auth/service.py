"""Accounts: creating users, logging in (with throttling), changing passwords."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cchc import clock
from cchc.auth import sessions
from cchc.auth.enums import Role
from cchc.auth.models import LoginAttempt, User
from cchc.auth.passwords import hash_password, verify_password
from cchc.errors import PermissionDenied, ValidationError

# Throttling: at most this many failures per username (or per client address) in the window.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")


def validate_password(password: str) -> None:
    if len(password) < 8:
        raise ValidationError("Mật khẩu phải có ít nhất 8 ký tự.", field="password")
    if password.isdigit() or password.isalpha():
        raise ValidationError("Mật khẩu phải có cả chữ và số.", field="password")


def create_user(
    session: Session,
    actor: User | None,
    *,
    username: str,
    full_name: str,
    password: str,
    role: str,
    unit_id: int | None = None,
    email: str = "",
    phone: str = "",
    id_number: str = "",
    check_password: bool = True,
) -> User:
    """Create an account. Only a system administrator (or the operator's CLI, actor=None) creates
    officers; a unit administrator creates officers of their own unit; anyone registers as a citizen."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationError(
            "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới (2–80 ký tự).",
            field="username",
        )
    if not full_name.strip():
        raise ValidationError("Chưa nhập họ và tên.", field="full_name")
    try:
        role_enum = Role(role)
    except ValueError:
        raise ValidationError(
            f"Vai trò không hợp lệ: «{role}» (dùng một trong: {', '.join(r.value for r in Role)}).", field="role"
        ) from None
    if role_enum.is_officer and role_enum is not Role.SYSTEM_ADMIN and unit_id is None:
        raise ValidationError("Cán bộ phải thuộc một đơn vị.", field="unit_id")
    if actor is not None:
        _check_may_create(session, actor, role_enum, unit_id)
    if check_password:
        validate_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationError(f"Tên đăng nhập «{username}» đã có người dùng.", field="username")
    user = User(
        username=username,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        role=role_enum.value,
        unit_id=unit_id,
        email=email.strip(),
        phone=phone.strip(),
        id_number=id_number.strip(),
    )
    session.add(user)
    session.flush()
    return user


def _check_may_create(session: Session, actor: User, role: Role, unit_id: int | None) -> None:
    if actor.role == Role.SYSTEM_ADMIN:
        return
    if actor.role == Role.UNIT_ADMIN and role not in (Role.SYSTEM_ADMIN, Role.CITIZEN):
        from cchc.auth.scope import unit_scope_ids

        if unit_id is not None and unit_id in unit_scope_ids(session, actor):
            return
        raise PermissionDenied("Quản trị đơn vị chỉ tạo tài khoản cho cán bộ của đơn vị mình.")
    raise PermissionDenied("Chỉ quản trị hệ thống hoặc quản trị đơn vị mới được tạo tài khoản cán bộ.")


def authenticate(session: Session, username: str, password: str, client: str = "") -> User:
    """The user for these credentials, or a Vietnamese error; throttled per username and per client."""
    username = (username or "").strip().lower()
    since = clock.now() - FAILURE_WINDOW
    by_user = session.scalar(select(func.count()).where(LoginAttempt.username == username, LoginAttempt.at >= since))
    by_client = 0
    if client:
        by_client = session.scalar(select(func.count()).where(LoginAttempt.client == client, LoginAttempt.at >= since))
    if by_user >= MAX_FAILURES or by_client >= MAX_FAILURES * 4:
        minutes = int(FAILURE_WINDOW.total_seconds() // 60)
        raise PermissionDenied(f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.")
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not verify_password(user.password_hash, password):
        session.add(LoginAttempt(username=username, client=client[:64]))
        session.flush()
        raise ValidationError("Tên đăng nhập hoặc mật khẩu không đúng.", field="password")
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
    user.last_login_at = clock.now()
    session.flush()
    return user


def change_password(session: Session, user: User, old: str, new: str, *, keep_session: str | None = None) -> int:
    """The user's own change: the current password proves it is them. Every other session of the account
    ends (a thief logged in elsewhere is logged out); returns how many."""
    if not verify_password(user.password_hash, old):
        raise ValidationError("Mật khẩu hiện tại không đúng.", field="old_password")
    validate_password(new)
    if new == old:
        raise ValidationError("Mật khẩu mới phải khác mật khẩu hiện tại.", field="new_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = clock.now()
    return sessions.end_all(session, user.id, "doi_mat_khau", keep=keep_session)


def reset_password(session: Session, actor: User, user: User) -> str:
    """An administrator gives the account a generated password, shown once; the user must replace it at the
    next login, and every session of the account ends now."""
    from cchc.auth.scope import unit_scope_ids

    if actor.role != Role.SYSTEM_ADMIN and not (
        actor.role == Role.UNIT_ADMIN and user.role not in (Role.SYSTEM_ADMIN, Role.CITIZEN)
        and user.unit_id is not None and user.unit_id in unit_scope_ids(session, actor)
    ):
        raise PermissionDenied("Chỉ quản trị hệ thống, hoặc quản trị đơn vị với cán bộ của đơn vị mình, mới được đặt lại mật khẩu.")
    if actor.id == user.id:
        raise ValidationError("Hãy tự đổi mật khẩu của mình ở trang Đổi mật khẩu.")
    password = generated_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.password_changed_at = clock.now()
    sessions.end_all(session, user.id, "dat_lai_mat_khau")
    return password


def generated_password() -> str:
    """12 characters from an alphabet without look-alikes (0/O, 1/l/I), with letters and digits both."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(12))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def end_sessions(session: Session, actor: User, user: User) -> int:
    """An administrator ends every session of an account (a lost phone, a suspicion); how many ended."""
    if actor.role != Role.SYSTEM_ADMIN:
        raise PermissionDenied("Chỉ quản trị hệ thống mới được kết thúc các phiên đăng nhập của tài khoản khác.")
    return sessions.end_all(session, user.id, "quan_tri_ket_thuc")


def set_active(session: Session, actor: User, user: User, active: bool) -> None:
    if actor.role != Role.SYSTEM_ADMIN:
        raise PermissionDenied("Chỉ quản trị hệ thống mới được khóa hoặc mở khóa tài khoản.")
    if actor.id == user.id and not active:
        raise ValidationError("Không thể tự khóa tài khoản của chính mình.")
    user.active = active
    if not active:
        sessions.end_all(session, user.id, "khoa_tai_khoan")
    session.flush()
