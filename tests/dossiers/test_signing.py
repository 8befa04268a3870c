"""A leader signs a dossier's result (sign_result), an uploaded result PDF is verified: the dossier is signed
digitally only by a signature that verifies, against a CA of the tests' own (tests/signatures/ca.py)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from cchc import config
from cchc.dossiers import files
from cchc.dossiers import service as svc
from cchc.dossiers.lookup_pages import lookup
from cchc.errors import InvalidTransition, PermissionDenied
from cchc.signatures.signers import LocalSigner, SigningFailed, SignRequest
from cchc.signatures.verification import verify_pdf
from tests.signatures.ca import PASSWORD, TestCA
from tests.signatures.test_signatures import a_pdf

from .factories import APPLICANT, MONDAY

H = timedelta(hours=1)
REQUEST = SignRequest(reason="Ký duyệt kết quả", location="Quảng Trị")


@pytest.fixture(scope="module")
def ca():
    return TestCA()


@pytest.fixture
def signing(ca, world, files_dir, tmp_path, monkeypatch):
    """The leader's PKCS#12 in a signing folder, the test root in the trust folder."""
    keys, trust = tmp_path / "keys", tmp_path / "trust"
    keys.mkdir()
    trust.mkdir()
    leader = ca.holder(world.leader.full_name, "UBND xã Mỹ An Hưng")
    (keys / f"{world.leader.username}.p12").write_bytes(leader.pkcs12())
    (trust / "root.pem").write_bytes(ca.root_pem())
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, signing_dir=keys, signature_trust_dir=trust))
    return leader


def _finished(db, w, result: bytes | None = None):
    d = svc.receive(db, w.receiver, procedure=w.procedure, unit=w.commune, channel=1, applicant=APPLICANT, at=MONDAY,
                    owner=w.citizen)
    svc.forward(db, w.specialist, d, at=MONDAY + H)
    svc.finish(db, w.leader, d, result_number="15/GKS", result_summary="Giấy khai sinh",
               result_files=[files.Upload("giay-khai-sinh.pdf", result or a_pdf(), "application/pdf")], at=MONDAY + 2 * H)
    return d


def test_the_leader_signs_the_result_and_it_is_verified(db, world, signing):
    w = world
    d = _finished(db, w)
    assert not d.result_esigned and "không có chữ ký số" in d.files[0].signature_problem
    assert "sign_result" in svc.allowed_actions(db, w.leader, d)
    assert "sign_result" not in svc.allowed_actions(db, w.specialist, d)

    svc.sign_result(db, w.leader, d, password=PASSWORD.decode(), at=MONDAY + 3 * H)
    assert d.result_esigned
    signed = files.latest_result_pdf(d)
    assert signed.filename == "giay-khai-sinh-da-ky-so.pdf" and signed.kind == "ket_qua"
    assert (signed.signer, signed.signer_organisation) == ("Phạm Văn Lãnh", "UBND xã Mỹ An Hưng")
    assert signed.signature_issuer == "Root CA kiểm thử — CA cấp cho tổ chức, cá nhân"
    assert signed.signature_serial == format(signing.cert.serial_number, "X") and signed.signed_at is not None
    verified = verify_pdf(files.read_file(signed))  # against the configured roots: the test root
    assert verified.signer == "Phạm Văn Lãnh"
    event = d.events[-1]
    assert event.action == "sign_result" and event.data["serial"] == signed.signature_serial
    assert event.note.startswith("Phạm Văn Lãnh (UBND xã Mỹ An Hưng), ")

    line = files.result_signature(d)
    assert line.startswith("Kết quả đã ký số: Phạm Văn Lãnh (UBND xã Mỹ An Hưng), ")
    assert f"ngày {signed.signed_at.day}/{signed.signed_at.month}/{signed.signed_at.year}" in line
    out = lookup(db, d.code, APPLICANT["id_number"][-4:])
    assert out.result_signature == line
    # Returned to the citizen, the signature stays with the result.
    svc.return_result(db, w.receiver, d, at=MONDAY + 4 * H)
    assert lookup(db, d.code, viewer=w.citizen).result_signature == line


def test_a_wrong_key_password_is_refused_and_nothing_changes(db, world, signing):
    d = _finished(db, world)
    count = len(d.files)
    with pytest.raises(SigningFailed, match="sai mật khẩu") as refused:
        svc.sign_result(db, world.leader, d, password="sai-roi", at=MONDAY + 3 * H)
    assert refused.value.http_status == 400 and refused.value.field == "password"
    assert len(d.files) == count and not d.result_esigned


def test_who_may_sign(db, world, signing):
    w = world
    d = _finished(db, w)
    with pytest.raises(PermissionDenied, match="Chỉ lãnh đạo đơn vị giải quyết"):
        svc.sign_result(db, w.specialist, d, password=PASSWORD.decode(), at=MONDAY + 3 * H)
    with pytest.raises(PermissionDenied):
        svc.sign_result(db, w.other_leader, d, password=PASSWORD.decode(), at=MONDAY + 3 * H)
    assert not d.result_esigned


def test_nothing_to_sign_or_no_key(db, world, signing, monkeypatch):
    w = world
    d = svc.receive(db, w.receiver, procedure=w.procedure, unit=w.commune, channel=1, applicant=APPLICANT, at=MONDAY)
    svc.forward(db, w.specialist, d, at=MONDAY + H)
    with pytest.raises(InvalidTransition, match="chỉ ký số khi hồ sơ đã có kết quả"):
        svc.sign_result(db, w.leader, d, password="x", at=MONDAY + 2 * H)
    svc.finish(db, w.leader, d, result_number="1", result_summary="x", at=MONDAY + 2 * H)
    with pytest.raises(InvalidTransition, match="chưa có tệp kết quả PDF"):
        svc.sign_result(db, w.leader, d, password="x", at=MONDAY + 3 * H)
    d2 = _finished(db, w)
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, signing_dir=None))
    with pytest.raises(SigningFailed, match="CCHC_SIGNING_DIR"):
        svc.sign_result(db, w.leader, d2, password="x", at=MONDAY + 3 * H)


@pytest.mark.parametrize("case, reason", [
    ("tampered", "đã bị thay đổi sau khi ký"),
    ("expired", "không còn hiệu lực vào thời điểm ký"),
    ("untrusted", "không dẫn về chứng thư gốc tin cậy"),
])
def test_an_uploaded_result_that_does_not_verify_does_not_sign_the_dossier(db, world, signing, ca, case, reason):
    w = world
    if case == "untrusted":
        holder = TestCA("CA lạ").holder("Người ký lạ", "Tổ chức lạ")
    elif case == "expired":
        holder = ca.holder("Người ký cũ", "UBND xã Mỹ An Hưng", start_days=-400, end_days=-30)
    else:
        holder = ca.holder("Phạm Văn Lãnh", "UBND xã Mỹ An Hưng")
    signed = LocalSigner(holder.pkcs12(), PASSWORD).sign(a_pdf(), REQUEST)
    if case == "tampered":
        signed = signed.replace(b"Matplotlib", b"Matplotlob", 1)
    d = _finished(db, w, signed)
    row = files.latest_result_pdf(d)
    assert not d.result_esigned and reason in row.signature_problem and not row.signer
    assert files.result_signature(d) == ""
    assert d.events[-1].action == "attach_file" and d.events[-1].data["esigned"] is False


def test_an_uploaded_result_signed_by_a_trusted_holder_signs_the_dossier(db, world, signing, ca):
    holder = ca.holder("Phạm Văn Lãnh", "UBND xã Mỹ An Hưng")
    d = _finished(db, world, LocalSigner(holder.pkcs12(), PASSWORD).sign(a_pdf(), REQUEST))
    row = files.latest_result_pdf(d)
    assert d.result_esigned and row.signer == "Phạm Văn Lãnh" and row.signature_problem == ""
    # A later unsigned result PDF is the result now: the dossier is no longer signed.
    files.attach_file(db, world.leader, d, "ket_qua", "ban-sua.pdf", a_pdf("Bản sửa"), "application/pdf", at=MONDAY + 3 * H)
    assert not d.result_esigned
