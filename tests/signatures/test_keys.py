"""Who signs with what (cchc.signatures.keys): a leader's PKCS#12 opened with the typed password or the remote
service for a leader with a credential id, a unit's PKCS#12 with the unit password; nothing has a default, and
each refusal says in Vietnamese what is missing."""

from __future__ import annotations

import dataclasses

import pytest

from cchc import config
from cchc.signatures import keys
from cchc.signatures.signers import LocalSigner, RemoteSigner, SigningFailed
from tests.signatures.ca import PASSWORD, TestCA


@pytest.fixture(scope="module")
def ca():
    return TestCA()


@pytest.fixture
def folder(ca, tmp_path, monkeypatch):
    (tmp_path / "lanhdao.xa.p12").write_bytes(ca.holder("Phạm Văn Lãnh", "UBND xã Mỹ An Hưng").pkcs12())
    (tmp_path / "H15.50.05.13.p12").write_bytes(ca.holder("UBND xã Mỹ An Hưng", "UBND xã Mỹ An Hưng").pkcs12())

    def configure(**values):
        monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, **values))

    configure(signing_dir=tmp_path, signing_unit_password="", remote_signing_url="", remote_signing_token="")
    return configure


def test_a_leader_signs_with_their_own_key_and_password(folder):
    assert keys.leader_can_sign("lanhdao.xa", "") and not keys.leader_can_sign("chuyenvien.xa", "")
    signer = keys.leader_signer("lanhdao.xa", "", PASSWORD.decode())
    assert isinstance(signer, LocalSigner) and signer.certificate.subject.native["common_name"] == "Phạm Văn Lãnh"
    with pytest.raises(SigningFailed, match="sai mật khẩu"):
        keys.leader_signer("lanhdao.xa", "", "sai")
    with pytest.raises(SigningFailed, match="Hãy nhập mật khẩu"):
        keys.leader_signer("lanhdao.xa", "", "")
    with pytest.raises(SigningFailed, match="«chuyenvien.xa» chưa có khóa ký số"):
        keys.leader_signer("chuyenvien.xa", "", "x")
    with pytest.raises(SigningFailed, match="chưa có khóa ký số"):  # never a path outside the folder
        keys.leader_signer("../lanhdao.xa", "", PASSWORD.decode())


def test_remote_signing_for_a_leader_with_a_credential(folder):
    assert not keys.leader_signs_remotely("cred-1")  # the service is not configured
    folder(remote_signing_url="https://ky-so.example/csc/v1", remote_signing_token="ma-truy-cap")
    assert keys.leader_signs_remotely("cred-1") and not keys.leader_signs_remotely("")
    signer = keys.leader_signer("chuyenvien.xa", "cred-1", None)
    assert isinstance(signer, RemoteSigner) and signer.credential_id == "cred-1"


def test_nothing_configured_is_refused_plainly(folder):
    folder(signing_dir=None)
    with pytest.raises(SigningFailed, match="CCHC_SIGNING_DIR.*CCHC_REMOTE_SIGNING_URL"):
        keys.leader_signer("lanhdao.xa", "", "x")
    with pytest.raises(SigningFailed, match="CCHC_SIGNING_DIR"):
        keys.unit_signer("H15.50.05.13")


def test_a_unit_signs_with_its_key_and_the_unit_password(folder, ca):
    assert not keys.unit_can_sign("H15.50.05.13")  # no password: no default
    with pytest.raises(SigningFailed, match="CCHC_SIGNING_UNIT_PASSWORD"):
        keys.unit_signer("H15.50.05.13")
    folder(signing_unit_password=PASSWORD.decode())
    assert keys.unit_can_sign("H15.50.05.13") and not keys.unit_can_sign("H15.50.05.14")
    with pytest.raises(SigningFailed, match="Đơn vị mã H15.50.05.14 chưa có khóa ký số"):
        keys.unit_signer("H15.50.05.14")
    from cchc.signatures.verification import verify_pdf
    from tests.signatures.test_signatures import a_pdf

    signed = keys.sign_as_unit(a_pdf(), "H15.50.05.13", "UBND xã Mỹ An Hưng", "Mẫu 01")
    assert verify_pdf(signed, [ca.trust_root]).signer == "UBND xã Mỹ An Hưng"
