"""Accounts: creating and managing users (as the permission matrix allows), logging in (with throttling), passwords."""

from __future__ import annotations

import math
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cchc import clock
from cchc.audit import service as audit
from cchc.auth import sessions
from cchc.auth.enums import Role
from cchc.auth.models import LoginAttempt, User
from cchc.auth.passwords import dummy_hash, hash_password, verify_password
from cchc.errors import FieldChecks, PermissionDenied, ValidationError

# Login throttling, by client address: after MAX_FAILURES failures for one user name from one address, or
# MAX_ADDRESS_FAILURES from one address whatever the names, that address waits BASE_DELAY after its last failure,
# twice as long after each further failure (at most MAX_DELAY). Only the guessing address waits: the account's
# owner logs in from anywhere else, so nobody can lock a citizen out by failing on purpose. Failures older than
# FAILURE_WINDOW are forgotten (and deleted); refused attempts are not counted, so hammering does not extend it.
MAX_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
FAILURE_WINDOW = timedelta(hours=1)
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(minutes=30)
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
    must_change_password: bool = False,
) -> User:
    """Create an account. `actor` grants the role at the unit as the permission matrix allows (a unit
    administrator: officers of their unit and its subtree, never Cán bộ báo cáo or Quản trị hệ thống; a system
    administrator: any); actor None is the operator's command line or a citizen registering themselves."""
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
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    return user


PHONE_RE = re.compile(r"^(\+84|0)\d{9,10}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def register_citizen(session: Session, *, username: str, full_name: str, password: str, id_number: str,
                     phone: str = "", email: str = "") -> User:
    """A citizen creates their own account. Every field in error is reported at once (FieldErrors): the
    name, the 12-digit personal identification number, the phone and e-mail when given, the user name
    (its form, then whether it is taken) and the password."""
    checks = FieldChecks()
    if not full_name.strip():
        checks.add("full_name", "Chưa nhập họ và tên.")
    elif len(full_name.strip()) > 255:
        checks.add("full_name", "Họ và tên tối đa 255 ký tự.")
    id_number = id_number.strip()
    if not (id_number.isdigit() and len(id_number) == 12):
        checks.add("id_number", "Số định danh cá nhân phải gồm đúng 12 chữ số.")
    phone = re.sub(r"[\s.\-]", "", phone or "")
    if phone and not PHONE_RE.match(phone):
        checks.add("phone", f"Số điện thoại «{phone}» không hợp lệ (10 hoặc 11 chữ số, bắt đầu bằng 0 hoặc +84).")
    email = (email or "").strip()
    if email and not EMAIL_RE.match(email):
        checks.add("email", f"Thư điện tử «{email}» không hợp lệ (dạng ten@vidu.vn).")
    name = username.strip().lower()
    if not USERNAME_RE.match(name):
        checks.add("username", "Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới (2–80 ký tự).")
    elif session.scalar(select(User.id).where(User.username == name)) is not None:
        checks.add("username", f"Tên đăng nhập «{name}» đã có người dùng.")
    with checks.on("password"):
        validate_password(password)
    checks.raise_if_any()
    return create_user(session, None, username=name, full_name=full_name, password=password, role=Role.CITIZEN.value,
                       email=email, phone=phone, id_number=id_number)


def _grant_action(role: Role | str) -> str:
    return f"nguoi_dung.cap.{Role(role).value}"


def check_may_grant(session: Session, actor: User, role: Role | str, unit_id: int | None) -> None:
    """PermissionDenied (Vietnamese) unless `actor` may hold an account of `role` at `unit_id`: the cell
    nguoi_dung.cap.<role> of the permission matrix (cchc/auth/permissions.yaml) must reach that unit."""
    from cchc.auth import permissions
    from cchc.units.models import Unit

    role = Role(role)
    if not actor.active:
        raise PermissionDenied(f"Tài khoản «{actor.username}» đã bị khóa, không quản lý được tài khoản nào.")
    action = _grant_action(role)
    if permissions.allows(session, actor, action, unit_id):
        return
    who = permissions.role_label(actor.role)
    if permissions.scope_of(actor.role, action) == "none":
        grantable = [r.label for r in Role if permissions.scope_of(actor.role, _grant_action(r)) != "none"]
        if not grantable:
            raise PermissionDenied(f"{who} không được tạo hoặc quản lý tài khoản người dùng.")
        raise PermissionDenied(
            f"{who} không được cấp hoặc quản lý vai trò «{role.label}» (chỉ các vai trò: {', '.join(grantable)}); "
            f"vai trò «{role.label}» do Quản trị hệ thống cấp."
        )
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    where = f"Đơn vị «{unit.name}»" if unit is not None else "Tài khoản không thuộc đơn vị nào"
    raise PermissionDenied(
        f"{where} nằm ngoài phạm vi quản trị của bạn ({permissions.scope_phrase(session, actor, action)}): "
        f"không được tạo hoặc quản lý tài khoản «{role.label}» ở đó."
    )


def check_may_manage(session: Session, actor: User, user: User) -> None:
    """May `actor` change, lock, reset or log out the account `user`: only an account whose present role and
    unit `actor` could grant (a unit administrator never reaches a Cán bộ báo cáo or a system administrator)."""
    try:
        check_may_grant(session, actor, user.role, user.unit_id)
    except PermissionDenied as exc:
        raise PermissionDenied(f"Không được thay đổi tài khoản «{user.username}»: {exc.message[:1].lower()}{exc.message[1:]}") from None


def _check_may_create(session: Session, actor: User, role: Role, unit_id: int | None) -> None:
    check_may_grant(session, actor, role, unit_id)


_UNSET = object()


def update_user(
    session: Session,
    actor: User | None,
    user: User,
    *,
    role: str | None = None,
    unit_id: int | None | object = _UNSET,
    full_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    active: bool | None = None,
    signing_credential: str | None = None,
) -> User:
    """Change an account's role, unit, name, contacts or state. `actor` must manage the account as it is and be
    allowed to grant the new role at the new unit (actor None: the operator's command line)."""
    if actor is not None:
        check_may_manage(session, actor, user)
    new_role = user.role
    if role is not None:
        try:
            new_role = Role(role).value
        except ValueError:
            raise ValidationError(
                f"Vai trò không hợp lệ: «{role}» (dùng một trong: {', '.join(r.value for r in Role)}).", field="role"
            ) from None
    new_unit = user.unit_id if unit_id is _UNSET else unit_id
    if Role(new_role).is_officer and new_role != Role.SYSTEM_ADMIN and new_unit is None:
        raise ValidationError("Cán bộ phải thuộc một đơn vị.", field="unit_id")
    if new_role == Role.CITIZEN and new_unit is not None:
        raise ValidationError("Tài khoản công dân không thuộc đơn vị nào.", field="unit_id")
    if full_name is not None and not full_name.strip():
        raise ValidationError("Chưa nhập họ và tên.", field="full_name")
    if full_name is not None:
        from cchc.auth.oidc import check_identity_edit

        check_identity_edit(user, {"full_name": full_name.strip()})  # a verified identity changes only at its provider
    if (new_role, new_unit) != (user.role, user.unit_id):
        if actor is not None:
            check_may_grant(session, actor, new_role, new_unit)
            if actor.id == user.id and new_role != user.role:
                raise ValidationError("Không thể tự đổi vai trò của chính mình.", field="role")
        user.role, user.unit_id = new_role, new_unit
    if full_name is not None:
        user.full_name = full_name.strip()
    if email is not None:
        user.email = email.strip()
    if phone is not None:
        user.phone = phone.strip()
    if signing_credential is not None:
        credential = signing_credential.strip()
        if credential and Role(new_role) is not Role.LEADER:
            raise ValidationError("Chỉ lãnh đạo ký kết quả: mã chứng thư ký số từ xa chỉ gán cho tài khoản lãnh đạo.",
                                  field="signing_credential")
        if len(credential) > 120 or any(ord(ch) < 32 for ch in credential):
            raise ValidationError("Mã chứng thư ký số từ xa không hợp lệ (tối đa 120 ký tự, không có ký tự điều khiển).",
                                  field="signing_credential")
        user.signing_credential = credential
    session.flush()
    if active is not None and active != user.active:
        set_active(session, actor, user, active)
    return user


class LoginThrottled(PermissionDenied):
    """Too many failed logins from this address: `retry_after` seconds to wait (HTTP 429, Retry-After)."""

    http_status = 429

    def __init__(self, retry_after: int):
        wait = f"{retry_after} giây" if retry_after < 60 else f"{math.ceil(retry_after / 60)} phút"
        super().__init__(f"Đăng nhập sai quá nhiều lần từ địa chỉ này. Vui lòng thử lại sau {wait}.")
        self.retry_after = retry_after


def _delay(failures: int, limit: int, last, now) -> float:
    if failures < limit or last is None:
        return 0.0
    delay = min(BASE_DELAY * 2 ** min(failures - limit, 16), MAX_DELAY)
    return max(0.0, (last + delay - now).total_seconds())


def login_wait(session: Session, username: str, client: str, now) -> int:
    """Seconds this address must still wait before trying `username` again (0: it may try now)."""
    since = now - FAILURE_WINDOW
    recent = select(func.count(), func.max(LoginAttempt.at)).where(LoginAttempt.client == client, LoginAttempt.at >= since)
    pair_count, pair_last = session.execute(recent.where(LoginAttempt.username == username)).one()
    wait = _delay(pair_count, MAX_FAILURES, pair_last, now)
    if client:  # no address (a caller outside HTTP): only the name's own count
        address_count, address_last = session.execute(recent).one()
        wait = max(wait, _delay(address_count, MAX_ADDRESS_FAILURES, address_last, now))
    return math.ceil(wait)


def authenticate(session: Session, username: str, password: str, client: str = "") -> User:
    """The user for these credentials, or a Vietnamese error; throttled per (user name, address) and per address.

    An unknown user name costs the same Argon2 verification as a known one (against a dummy hash), and an
    inactive account is verified before being refused, so the time taken tells nothing about accounts."""
    username = (username or "").strip().lower()[:80]
    client = (client or "")[:64]
    now = clock.now()
    wait = login_wait(session, username, client, now)
    if wait:  # refused unread and unrecorded: a flood of refusals must not grow the append-only audit log
        raise LoginThrottled(wait)
    user = session.scalar(select(User).where(User.username == username))
    matches = verify_password(user.password_hash if user is not None else dummy_hash(), password)
    if user is None or not matches or not user.active:
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - FAILURE_WINDOW))
        session.add(LoginAttempt(username=username, client=client, at=now))
        reason = "tài khoản đã khóa" if user is not None and matches else "sai tên đăng nhập hoặc mật khẩu"
        audit.record(session, "dang_nhap_that_bai", "users", str(user.id) if user else "",
                     after={"ten_dang_nhap": username, "ly_do": reason})
        session.flush()
        raise ValidationError("Tên đăng nhập hoặc mật khẩu không đúng.", field="password")
    # Only this address's failures for this name: the owner's login elsewhere must not reset a guesser's count.
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username, LoginAttempt.client == client))
    user.last_login_at = now
    audit.record(session, "dang_nhap", "users", str(user.id), actor=user)
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
    check_may_manage(session, actor, user)
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
    check_may_manage(session, actor, user)
    return sessions.end_all(session, user.id, "quan_tri_ket_thuc")


def set_active(session: Session, actor: User | None, user: User, active: bool) -> None:
    """Lock or unlock an account (actor: an administrator who manages it; None: the operator's command line)."""
    if actor is not None:
        check_may_manage(session, actor, user)
    if actor is not None and actor.id == user.id and not active:
        raise ValidationError("Không thể tự khóa tài khoản của chính mình.")
    user.active = active
    if not active:
        sessions.end_all(session, user.id, "khoa_tai_khoan")
    session.flush()
