"""Password hashing with Argon2id."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches; an account without a hash costs one verification all the same."""
    try:
        return _hasher.verify(password_hash or dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False


_dummy: tuple[object, str] | None = None


def dummy_hash() -> str:
    """A hash of a random secret with the hasher's own parameters: a login for a user name that does not exist is
    verified against it, so that it takes as long as a wrong password for one that does (no account oracle)."""
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash(secrets.token_urlsafe(32)))
    return _dummy[1]
