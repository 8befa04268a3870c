"""A certification authority of the tests' own, made with `cryptography`: a root, a CA under it, and the
certificates a signer holds (valid, expired, from a CA nobody trusts), each also as PKCS#12."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PASSWORD = b"mat-khau-kiem-thu"


@dataclass
class Holder:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    chain: list[x509.Certificate]  # the issuing CAs, nearest first

    def pkcs12(self, password: bytes = PASSWORD) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"chu-ky-so", self.key, self.cert, self.chain, serialization.BestAvailableEncryption(password))

    def der_chain(self) -> list[bytes]:
        return [c.public_bytes(serialization.Encoding.DER) for c in [self.cert, *self.chain]]


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common: str, organisation: str, user_id: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
             x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if user_id:
        parts.append(x509.NameAttribute(NameOID.USER_ID, user_id))
    return x509.Name(parts)


def _certificate(subject: x509.Name, key, issuer: x509.Name, issuer_key, *, ca: bool, start: datetime, end: datetime):
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                                      data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                                      crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                                      data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                                      crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


class TestCA:
    """Root → issuing CA → holders. `now` is real UTC time (certificates are checked against the signing time)."""

    __test__ = False  # not a test class

    def __init__(self, name: str = "Root CA kiểm thử"):
        now = datetime.now(timezone.utc)
        self.now = now
        self.root_key = _key()
        self.root_name = _name(name, "Tổ chức chứng thực kiểm thử")
        self.root = _certificate(self.root_name, self.root_key, self.root_name, self.root_key, ca=True,
                                 start=now - timedelta(days=3650), end=now + timedelta(days=3650))
        self.ca_key = _key()
        self.ca_name = _name(f"{name} — CA cấp cho tổ chức, cá nhân", "Tổ chức chứng thực kiểm thử")
        self.ca = _certificate(self.ca_name, self.ca_key, self.root_name, self.root_key, ca=True,
                               start=now - timedelta(days=3000), end=now + timedelta(days=3000))

    def holder(self, common: str, organisation: str, user_id: str = "", *, start_days: float = -365,
               end_days: float = 365) -> Holder:
        key = _key()
        cert = _certificate(_name(common, organisation, user_id), key, self.ca_name, self.ca_key, ca=False,
                            start=self.now + timedelta(days=start_days), end=self.now + timedelta(days=end_days))
        return Holder(key, cert, [self.ca])

    @property
    def trust_root(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.root.public_bytes(serialization.Encoding.DER))

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)
