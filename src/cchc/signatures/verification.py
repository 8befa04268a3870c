"""Verifying a signed PDF: is it whole, who signed it, when, and does the certificate chain end at a trusted root
with every certificate valid at the time of signing. Built on pyHanko's validation; the reasons are Vietnamese.

A signature is accepted only when all hold:
- the PDF is readable and carries at least one signature (the last one is the one checked: a result is signed
  once, by the leader, after everything else);
- the signed bytes are unchanged (intact) and the cryptographic signature is valid;
- the signature covers the whole file (nothing appended after signing but another signature);
- the claimed signing time is not in the future, and the signer's certificate was within its validity then;
- the chain of certificates reaches one of the trust roots (the national roots a province configures), validated
  at the signing time, and no certificate is known to be revoked.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from asn1crypto import pem, x509

from cchc import clock, config
from cchc.errors import ValidationError
from cchc.signatures.loop import outside_event_loop

CLOCK_TOLERANCE = timedelta(minutes=5)  # a signer's clock a little ahead of ours is not a forgery


class SignatureRefused(ValidationError):
    """The PDF's signature does not stand; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class Verified:
    """A signature that stands: who signed, for which organisation, when (Việt Nam time, naive), by which CA."""

    signer: str
    organisation: str
    identifier: str  # the holder's ID in the certificate (CCCD/MST in UID), if any
    signed_at: datetime
    issuer: str
    serial: str

    @property
    def summary(self) -> str:
        who = f"{self.signer} ({self.organisation})" if self.organisation and self.organisation != self.signer else self.signer
        return f"{who}, ký lúc {self.signed_at:%H:%M} ngày {self.signed_at.day}/{self.signed_at.month}/{self.signed_at.year}"


def load_certificates(source: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (one or several) or DER bytes."""
    if pem.detect(source):
        return [x509.Certificate.load(der) for _kind, _headers, der in pem.unarmor(source, multiple=True)]
    return [x509.Certificate.load(source)]


def trust_roots_from(folder: Path | None) -> list[x509.Certificate]:
    """The trust roots in a folder (*.pem, *.crt, *.cer, *.der): the roots a province accepts."""
    if folder is None or not folder.is_dir():
        return []
    roots: list[x509.Certificate] = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in (".pem", ".crt", ".cer", ".der"):
            roots.extend(load_certificates(path.read_bytes()))
    return roots


def configured_trust_roots() -> list[x509.Certificate]:
    return trust_roots_from(config.settings.signature_trust_dir)


def _local(moment: datetime) -> datetime:
    """An aware moment as Việt Nam wall-clock time, the way cchc stores times."""
    return moment.astimezone(ZoneInfo(config.settings.timezone)).replace(tzinfo=None)


def _name_part(name: x509.Name, *keys: str) -> str:
    native = name.native
    for key in keys:
        value = native.get(key)
        if value:
            return value if isinstance(value, str) else ", ".join(value)
    return ""


def _when(moment: datetime) -> str:
    local = _local(moment)
    return f"{local:%H:%M} ngày {local.day}/{local.month}/{local.year}"


def verify_pdf(data: bytes, trust_roots: list[x509.Certificate] | None = None, *, at: datetime | None = None) -> Verified:
    """The last signature of `data`, checked as the module says; SignatureRefused with the reason otherwise.
    `at` is "now" (Việt Nam time, naive) for the future-date check; the roots default to the configured ones."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    roots = configured_trust_roots() if trust_roots is None else trust_roots
    if not roots:
        raise SignatureRefused("Chưa cấu hình chứng thư gốc tin cậy (CCHC_SIGNATURE_TRUST_DIR): không thể xác minh chữ ký số.")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise SignatureRefused(f"Tệp không phải PDF đọc được ({exc.__class__.__name__}).") from None
    if not signatures:
        raise SignatureRefused("Tệp PDF không có chữ ký số.")
    embedded = signatures[-1]
    try:
        cert = embedded.signer_cert
        claimed = embedded.self_reported_timestamp
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SignatureRefused("Chữ ký số trong tệp bị hỏng: không đọc được chứng thư của người ký.") from None
    now = _local(clock.now().astimezone()) if at is None else at
    if claimed is None:
        raise SignatureRefused("Chữ ký số không ghi thời điểm ký.")
    if _local(claimed) > now + CLOCK_TOLERANCE:
        raise SignatureRefused(f"Thời điểm ký ghi trong chữ ký ({_when(claimed)}) ở tương lai.")
    validity = cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if not (not_before <= claimed <= not_after):
        raise SignatureRefused(
            f"Chứng thư số của người ký không còn hiệu lực vào thời điểm ký ({_when(claimed)}): hiệu lực từ "
            f"{_when(not_before)} đến {_when(not_after)}.")

    context = ValidationContext(trust_roots=roots, moment=claimed, allow_fetching=config.settings.signature_fetch_revocation,
                                revocation_mode="soft-fail")
    try:
        status = outside_event_loop(lambda: validate_pdf_signature(embedded, context))
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        raise SignatureRefused(f"Chữ ký số trong tệp bị hỏng, không kiểm tra được ({exc.__class__.__name__}).") from None
    if not status.intact:
        raise SignatureRefused("Nội dung tệp đã bị thay đổi sau khi ký: chữ ký số không còn khớp với tệp.")
    if not status.valid:
        raise SignatureRefused("Chữ ký số không hợp lệ: chữ ký không khớp với chứng thư của người ký.")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE and not _only_signatures_after(status):
        raise SignatureRefused("Tệp đã được thêm nội dung sau khi ký: chữ ký số không bao trùm toàn bộ tệp.")
    if status.revoked:
        raise SignatureRefused("Chứng thư số của người ký đã bị thu hồi.")
    if not status.trusted:
        issuer = _name_part(cert.issuer, "common_name", "organization_name") or "không rõ"
        raise SignatureRefused(f"Chứng thư số của người ký (do «{issuer}» cấp) không dẫn về chứng thư gốc tin cậy nào: "
                               "không xác định được tổ chức cung cấp dịch vụ chứng thực chữ ký số.")
    subject = cert.subject
    return Verified(
        signer=_name_part(subject, "common_name") or "không rõ",
        organisation=_name_part(subject, "organization_name"),
        identifier=_name_part(subject, "user_id"),
        signed_at=_local(claimed),
        issuer=_name_part(cert.issuer, "common_name", "organization_name"),
        serial=format(cert.serial_number, "X"),
    )


def _only_signatures_after(status) -> bool:
    """A later signature (a second signer) is an allowed change; anything else after signing is not."""
    from pyhanko.sign.diff_analysis import ModificationLevel

    level = getattr(status, "modification_level", None)
    return level is not None and level <= ModificationLevel.FORM_FILLING
