"""Who signs a PDF: a signer interface with two kinds behind it.

- `LocalSigner`: a key and its certificate chain held by the server, from a PKCS#12 file (the unit's
  organisation certificate, or an HSM exported the same way) — the signature is made here.
- `RemoteSigner`: remote signing as Vietnamese CAs offer it (VNPT SmartCA, Viettel MySign, FPT CA …), in the
  shape of the Cloud Signature Consortium API they follow: the certificate chain is read from the provider
  (`credentials/info`), the holder's approval is asked for (`credentials/authorize`, answered at once or after the
  holder confirms on the phone: polled until it is granted, refused or the wait ends), and only the hash of the
  signed attributes goes out (`signatures/signHash`); the private key never leaves the provider.

Both produce a PAdES baseline signature (ETSI.CAdES.detached, SHA-256) through pyHanko, with the reason and
the place of signing, covering the whole file.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from cchc.errors import CchcError, ValidationError
from cchc.signatures.loop import outside_event_loop

SHA256_OID = "2.16.840.1.101.3.4.2.1"
RSA_SHA256_OID = "1.2.840.113549.1.1.11"


class SigningFailed(CchcError):
    """The signature could not be made (a wrong key password, the provider refused or did not answer)."""


@dataclass(frozen=True)
class SignRequest:
    reason: str  # "Ký duyệt kết quả giải quyết hồ sơ …"
    location: str  # the place of signing: "Quảng Trị"
    signer_name: str = ""  # shown in the signature's /Name when the certificate's name is not enough


class PdfSigner(Protocol):
    def sign(self, pdf: bytes, request: SignRequest) -> bytes:
        """The PDF with one more signature, appended as an incremental update."""


def _sign_with(signer, pdf: bytes, request: SignRequest) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.sign import fields, signers

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError(f"Tệp cần ký không phải PDF đọc được ({exc.__class__.__name__}).") from None
    existing = len(writer.prev.embedded_signatures)
    metadata = signers.PdfSignatureMetadata(
        field_name=f"ChuKySo{existing + 1}", reason=request.reason, location=request.location,
        name=request.signer_name or None, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
    )
    return outside_event_loop(lambda: signers.sign_pdf(writer, metadata, signer=signer).getvalue())


class LocalSigner:
    """A key from PKCS#12 bytes (a .p12/.pfx file) and its password."""

    def __init__(self, pkcs12: bytes, password: bytes | None):
        from cryptography.hazmat.primitives.serialization import pkcs12 as p12
        from pyhanko.sign import signers

        try:
            key, _cert, _others = p12.load_key_and_certificates(pkcs12, password)
        except ValueError:
            raise SigningFailed("Không mở được tệp khóa ký số PKCS#12: sai mật khẩu hoặc tệp hỏng.") from None
        if key is None:
            raise SigningFailed("Tệp PKCS#12 không chứa khóa bí mật để ký.")
        self._signer = signers.SimpleSigner.load_pkcs12_data(pkcs12, other_certs=(), passphrase=password)
        if self._signer is None:
            raise SigningFailed("Không mở được tệp khóa ký số PKCS#12.")

    @property
    def certificate(self):
        return self._signer.signing_cert

    def sign(self, pdf: bytes, request: SignRequest) -> bytes:
        return _sign_with(self._signer, pdf, request)


class RemoteSigner:
    """Remote signing through a CSC-style provider at `base_url` (…/csc/v1), for one credential of one holder."""

    def __init__(self, base_url: str, credential_id: str, access_token: str, *, wait_seconds: float = 120,
                 poll_seconds: float = 2, timeout: float = 30):
        if not base_url or not credential_id or not access_token:
            raise SigningFailed("Chưa cấu hình dịch vụ ký số từ xa (địa chỉ, mã chứng thư, mã truy cập).")
        self.base_url = base_url.rstrip("/")
        self.credential_id = credential_id
        self.access_token = access_token
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self.timeout = timeout

    def call(self, method: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.base_url}/{method}", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.access_token}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = _provider_message(exc.read())
            raise SigningFailed(f"Dịch vụ ký số từ xa từ chối ({method}, HTTP {exc.code}){detail}.") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SigningFailed(f"Không kết nối được dịch vụ ký số từ xa ({method}): {exc}.") from None
        except ValueError:
            raise SigningFailed(f"Dịch vụ ký số từ xa trả lời không đúng định dạng JSON ({method}).") from None

    def certificates(self):
        from asn1crypto import x509

        info = self.call("credentials/info", {"credentialID": self.credential_id, "certificates": "chain"})
        try:
            chain = [x509.Certificate.load(base64.b64decode(c)) for c in info["cert"]["certificates"]]
        except (KeyError, TypeError, ValueError):
            raise SigningFailed("Dịch vụ ký số từ xa không trả về chuỗi chứng thư của người ký.") from None
        if not chain:
            raise SigningFailed("Dịch vụ ký số từ xa không trả về chứng thư của người ký.")
        return chain

    def authorize(self, digest: bytes, reason: str) -> str:
        """The signature activation data for this hash, once the holder has approved it."""
        body = {"credentialID": self.credential_id, "numSignatures": 1,
                "hash": [base64.b64encode(digest).decode()], "description": reason}
        deadline = time.monotonic() + self.wait_seconds
        while True:
            answer = self.call("credentials/authorize", body)
            if answer.get("SAD"):
                return answer["SAD"]
            status = answer.get("status")
            if status == "refused":
                raise SigningFailed("Người ký đã từ chối yêu cầu ký số trên ứng dụng của mình.")
            if status != "pending" or time.monotonic() > deadline:
                raise SigningFailed("Người ký chưa xác nhận yêu cầu ký số trong thời gian chờ.")
            body = {"credentialID": self.credential_id, "transactionID": answer.get("transactionID")}
            time.sleep(self.poll_seconds)

    def sign(self, pdf: bytes, request: SignRequest) -> bytes:
        return _sign_with(_csc_signer_class()(self, request.reason), pdf, request)


def _provider_message(body: bytes) -> str:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return ""
    text = data.get("error_description") or data.get("message") or data.get("error") if isinstance(data, dict) else ""
    return f": {text}" if text else ""


def _csc_signer_class():
    """pyHanko's Signer subclass, defined on first use: importing pyHanko costs a command that never signs."""
    from asn1crypto import algos
    from pyhanko.sign import signers

    class CscSigner(signers.Signer):
        """pyHanko's signer whose raw signature is made by the remote provider."""

        def __init__(self, remote: RemoteSigner, reason: str):
            chain = remote.certificates()
            from pyhanko_certvalidator.registry import SimpleCertificateStore

            super().__init__(signing_cert=chain[0], cert_registry=SimpleCertificateStore.from_certs(chain),
                             signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}))
            self.remote = remote
            self.reason = reason

        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
            if dry_run:  # pyHanko sizes the signature first: an RSA signature is as long as the key's modulus
                return bytes(self.signing_cert.public_key.byte_size)
            digest = hashlib.new(digest_algorithm, data).digest()
            sad = self.remote.authorize(digest, self.reason)
            answer = self.remote.call("signatures/signHash", {
                "credentialID": self.remote.credential_id, "SAD": sad, "hash": [base64.b64encode(digest).decode()],
                "hashAlgo": SHA256_OID, "signAlgo": RSA_SHA256_OID})
            try:
                return base64.b64decode(answer["signatures"][0])
            except (KeyError, IndexError, TypeError, ValueError):
                raise SigningFailed("Dịch vụ ký số từ xa không trả về chữ ký.") from None

    return CscSigner
