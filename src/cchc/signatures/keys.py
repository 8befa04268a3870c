"""Who signs with what: the key of a leader who signs a result, and the key of a unit that signs its printed forms
and its report. Settings only (cchc.config); the callers (dossiers, reports) say who the person or the unit is.

- A leader signs with their own key: `<CCHC_SIGNING_DIR>/<username>.p12`, opened with the password the leader
  types in the sign form (as a USB token's PIN), or, when `CCHC_REMOTE_SIGNING_URL` and `CCHC_REMOTE_SIGNING_TOKEN`
  are set and the leader has a credential id (users.signing_credential), through the CA's remote-signing service.
- A unit signs with `<CCHC_SIGNING_DIR>/<unit code>.p12`, opened with `CCHC_SIGNING_UNIT_PASSWORD`.
Nothing has a default: without them signing is refused, saying which setting is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

from cchc import config
from cchc.signatures.signers import LocalSigner, PdfSigner, RemoteSigner, SigningFailed

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")  # a user name or unit code usable as a file name


def _key_file(name: str) -> Path | None:
    folder = config.settings.signing_dir
    if folder is None or not _SAFE.match(name or "") or ".." in name:
        return None
    path = Path(folder) / f"{name}.p12"
    return path if path.is_file() else None


def remote_configured() -> bool:
    return bool(config.settings.remote_signing_url and config.settings.remote_signing_token)


def leader_signs_remotely(credential: str | None) -> bool:
    """Whether this leader signs through the remote service (then no password is asked here)."""
    return bool(credential) and remote_configured()


def leader_can_sign(username: str, credential: str | None) -> bool:
    return leader_signs_remotely(credential) or _key_file(username) is not None


def leader_signer(username: str, credential: str | None, password: str | None) -> PdfSigner:
    """The signer of a leader: remote when configured for them, else their PKCS#12 file with the typed password."""
    if leader_signs_remotely(credential):
        return RemoteSigner(config.settings.remote_signing_url, credential or "", config.settings.remote_signing_token)
    if config.settings.signing_dir is None:
        raise SigningFailed("Chưa cấu hình ký số: chưa đặt thư mục khóa ký số (CCHC_SIGNING_DIR) và chưa cấu hình "
                            "dịch vụ ký số từ xa (CCHC_REMOTE_SIGNING_URL, CCHC_REMOTE_SIGNING_TOKEN).")
    path = _key_file(username)
    if path is None:
        raise SigningFailed(f"Tài khoản «{username}» chưa có khóa ký số ({username}.p12 trong thư mục khóa ký số) và "
                            "chưa có mã chứng thư ký số từ xa.")
    if not password:
        raise SigningFailed("Hãy nhập mật khẩu (mã PIN) của khóa ký số.")
    return LocalSigner(path.read_bytes(), password.encode())


def unit_can_sign(unit_code: str) -> bool:
    return bool(config.settings.signing_unit_password) and _key_file(unit_code) is not None


def unit_signer(unit_code: str) -> PdfSigner:
    """The signer of a unit (its organisation certificate), or SigningFailed naming what is missing."""
    if config.settings.signing_dir is None:
        raise SigningFailed("Chưa cấu hình ký số của đơn vị: chưa đặt thư mục khóa ký số (CCHC_SIGNING_DIR).")
    path = _key_file(unit_code)
    if path is None:
        raise SigningFailed(f"Đơn vị mã {unit_code} chưa có khóa ký số ({unit_code}.p12 trong thư mục khóa ký số).")
    if not config.settings.signing_unit_password:
        raise SigningFailed("Chưa cấu hình mật khẩu khóa ký số của đơn vị (CCHC_SIGNING_UNIT_PASSWORD).")
    return LocalSigner(path.read_bytes(), config.settings.signing_unit_password.encode())


def sign_as_unit(pdf: bytes, unit_code: str, unit_name: str, what: str) -> bytes:
    """A printed form or a report PDF signed by its unit (the organisation's signature, Nghị định 30/2020)."""
    from cchc.signatures.signers import SignRequest

    return unit_signer(unit_code).sign(pdf, SignRequest(reason=f"{unit_name} ký số {what}", location=unit_name,
                                                        signer_name=unit_name))
