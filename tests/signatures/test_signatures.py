"""PAdES signing and verification (cchc.signatures) against a CA of the tests' own: a signature that stands is
read back with its signer and time; a tampered file, an expired or untrusted certificate, a signature made in
the future, content added after signing, a file that is not a signed PDF are refused with a Vietnamese reason."""

from __future__ import annotations

import base64
import io
import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils

from cchc import clock
from cchc.signatures.signers import LocalSigner, RemoteSigner, SigningFailed, SignRequest
from cchc.signatures.verification import SignatureRefused, trust_roots_from, verify_pdf
from tests.signatures.ca import PASSWORD, TestCA

REQUEST = SignRequest(reason="Ký duyệt kết quả giải quyết hồ sơ H15.50-261205-0001", location="Quảng Trị")


def a_pdf(text: str = "Giấy chứng nhận — kết quả giải quyết thủ tục hành chính") -> bytes:
    """A one-page PDF (matplotlib's writer: fast, no LibreOffice needed for these tests)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.27, 11.69))
    figure.text(0.1, 0.9, text)
    out = io.BytesIO()
    figure.savefig(out, format="pdf")
    return out.getvalue()


@pytest.fixture(scope="module")
def ca():
    return TestCA()


@pytest.fixture(scope="module")
def leader(ca):
    return ca.holder("Nguyễn Văn Thành", "UBND xã Mỹ An Hưng", "CCCD:079085001234")


def test_a_local_signature_stands_with_its_signer_and_time(ca, leader):
    signed = LocalSigner(leader.pkcs12(), PASSWORD).sign(a_pdf(), REQUEST)
    verified = verify_pdf(signed, [ca.trust_root])
    assert verified.signer == "Nguyễn Văn Thành" and verified.organisation == "UBND xã Mỹ An Hưng"
    assert verified.identifier == "CCCD:079085001234"
    assert verified.issuer == "Root CA kiểm thử — CA cấp cho tổ chức, cá nhân"
    assert verified.serial == format(leader.cert.serial_number, "X")
    assert abs(verified.signed_at - clock.now()) < timedelta(minutes=2)  # Việt Nam time, as cchc keeps times
    assert verified.summary.startswith("Nguyễn Văn Thành (UBND xã Mỹ An Hưng), ký lúc ")
    # A second signature (the unit's, after the leader's) keeps both standing.
    unit = ca.holder("UBND xã Mỹ An Hưng", "UBND xã Mỹ An Hưng")
    twice = LocalSigner(unit.pkcs12(), PASSWORD).sign(signed, REQUEST)
    assert verify_pdf(twice, [ca.trust_root]).signer == "UBND xã Mỹ An Hưng"


def test_a_tampered_file_is_refused(ca, leader):
    signed = LocalSigner(leader.pkcs12(), PASSWORD).sign(a_pdf(), REQUEST)
    assert b"Matplotlib" in signed
    tampered = signed.replace(b"Matplotlib", b"Matplotlob", 1)
    with pytest.raises(SignatureRefused, match="đã bị thay đổi sau khi ký"):
        verify_pdf(tampered, [ca.trust_root])


def test_content_added_after_signing_is_refused(ca, leader):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = LocalSigner(leader.pkcs12(), PASSWORD).sign(a_pdf(), REQUEST)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    extra = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (DA DUYET) Tj ET"))
    page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), extra])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(SignatureRefused, match="thêm nội dung sau khi ký"):
        verify_pdf(out.getvalue(), [ca.trust_root])


def test_an_expired_certificate_is_refused_but_one_valid_when_signing_stands(ca):
    expired = ca.holder("Trần Thị Hết Hạn", "UBND xã Mỹ An Hưng", start_days=-400, end_days=-1)
    signed = LocalSigner(expired.pkcs12(), PASSWORD).sign(a_pdf(), REQUEST)
    with pytest.raises(SignatureRefused, match="không còn hiệu lực vào thời điểm ký"):
        verify_pdf(signed, [ca.trust_root])

    # Valid 40 to 10 days ago, signed 20 days ago: the signature stands today (validity at the time of signing).
    earlier = ca.holder("Lê Văn Đúng Hạn", "UBND xã Mỹ An Hưng", start_days=-40, end_days=-10)
    with time_machine.travel(datetime.now(timezone.utc) - timedelta(days=20), tick=True):
        old = LocalSigner(earlier.pkcs12(), PASSWORD).sign(a_pdf(), REQUEST)
    verified = verify_pdf(old, [ca.trust_root])
    assert verified.signer == "Lê Văn Đúng Hạn" and clock.now() - verified.signed_at > timedelta(days=19)


def test_an_untrusted_certificate_is_refused(ca):
    stranger = TestCA("CA không tin cậy").holder("Người Lạ", "Không rõ")
    signed = LocalSigner(stranger.pkcs12(), PASSWORD).sign(a_pdf(), REQUEST)
    with pytest.raises(SignatureRefused, match="không dẫn về chứng thư gốc tin cậy nào") as refused:
        verify_pdf(signed, [ca.trust_root])
    assert "CA không tin cậy" in refused.value.message
    with pytest.raises(SignatureRefused, match="Chưa cấu hình chứng thư gốc tin cậy"):
        verify_pdf(signed, [])


def test_a_signature_dated_in_the_future_is_refused(ca, leader):
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=3), tick=True):
        signed = LocalSigner(leader.pkcs12(), PASSWORD).sign(a_pdf(), REQUEST)
    with pytest.raises(SignatureRefused, match="ở tương lai"):
        verify_pdf(signed, [ca.trust_root])


def test_files_that_are_not_signed_pdfs_are_refused(ca):
    with pytest.raises(SignatureRefused, match="không có chữ ký số"):
        verify_pdf(a_pdf(), [ca.trust_root])
    with pytest.raises(SignatureRefused, match="không phải PDF"):
        verify_pdf(b"PK\x03\x04 mot tep zip", [ca.trust_root])


def test_a_wrong_key_password_is_a_vietnamese_refusal(leader):
    with pytest.raises(SigningFailed, match="sai mật khẩu"):
        LocalSigner(leader.pkcs12(), b"sai")


def test_trust_roots_are_read_from_a_folder(ca, tmp_path):
    (tmp_path / "root.pem").write_bytes(ca.root_pem())
    (tmp_path / "ghi-chu.txt").write_text("không phải chứng thư", encoding="utf-8")
    [root] = trust_roots_from(tmp_path)
    assert root.sha256 == ca.trust_root.sha256


# ---- remote signing: a provider in the shape of the CSC API, run locally ------------------------------------
class Provider(ThreadingHTTPServer):
    """The provider's side: a credential of one holder; the holder approves after `pending` polls (or refuses)."""

    def __init__(self, holder, *, pending: int = 1, refuse: bool = False):
        super().__init__(("127.0.0.1", 0), ProviderHandler)
        self.holder, self.pending, self.refuse = holder, pending, refuse
        self.calls: list[tuple[str, dict]] = []
        self.signed_hashes: list[bytes] = []


class ProviderHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802
        server: Provider = self.server  # type: ignore[assignment]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        method = self.path.removeprefix("/csc/v1/")
        server.calls.append((method, body))
        if self.headers.get("Authorization") != "Bearer ma-truy-cap":
            return self._answer(401, {"error": "invalid_token", "error_description": "Mã truy cập không hợp lệ"})
        if body.get("credentialID") != "cred-1":
            return self._answer(400, {"error": "invalid_request", "error_description": "Không có chứng thư này"})
        if method == "credentials/info":
            return self._answer(200, {"cert": {"certificates": [base64.b64encode(c).decode() for c in server.holder.der_chain()]}})
        if method == "credentials/authorize":
            if server.refuse:
                return self._answer(200, {"status": "refused"})
            if server.pending > 0:
                server.pending -= 1
                return self._answer(200, {"status": "pending", "transactionID": "gd-1"})
            return self._answer(200, {"SAD": "kich-hoat-1"})
        if method == "signatures/signHash" and body.get("SAD") == "kich-hoat-1":
            digest = base64.b64decode(body["hash"][0])
            server.signed_hashes.append(digest)
            signature = server.holder.key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
            return self._answer(200, {"signatures": [base64.b64encode(signature).decode()]})
        return self._answer(400, {"error": "invalid_request"})


@pytest.fixture
def provider(leader):
    servers = []

    def start(**kw) -> tuple[Provider, str]:
        server = Provider(leader, **kw)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server, f"http://127.0.0.1:{server.server_address[1]}/csc/v1"

    yield start
    for server in servers:
        server.shutdown()


def test_remote_signing_sends_only_the_hash_and_the_signature_stands(ca, provider):
    server, url = provider(pending=2)
    signed = RemoteSigner(url, "cred-1", "ma-truy-cap", poll_seconds=0.01).sign(a_pdf(), REQUEST)
    verified = verify_pdf(signed, [ca.trust_root])
    assert verified.signer == "Nguyễn Văn Thành"
    assert [m for m, _ in server.calls] == ["credentials/info", "credentials/authorize", "credentials/authorize",
                                            "credentials/authorize", "signatures/signHash"]
    assert len(server.signed_hashes) == 1 and len(server.signed_hashes[0]) == 32  # a SHA-256 hash, not the file
    assert server.calls[1][1]["description"] == REQUEST.reason


def test_remote_signing_refusals_are_vietnamese(provider):
    _server, url = provider(refuse=True)
    with pytest.raises(SigningFailed, match="đã từ chối yêu cầu ký số"):
        RemoteSigner(url, "cred-1", "ma-truy-cap").sign(a_pdf(), REQUEST)
    with pytest.raises(SigningFailed, match="HTTP 401.*Mã truy cập không hợp lệ"):
        RemoteSigner(url, "cred-1", "sai-ma").sign(a_pdf(), REQUEST)
    _slow, slow_url = provider(pending=1000)
    with pytest.raises(SigningFailed, match="chưa xác nhận"):
        RemoteSigner(slow_url, "cred-1", "ma-truy-cap", wait_seconds=0.05, poll_seconds=0.01).sign(a_pdf(), REQUEST)
    with pytest.raises(SigningFailed, match="Không kết nối được"):
        RemoteSigner("http://127.0.0.1:9/csc/v1", "cred-1", "ma-truy-cap", timeout=2).sign(a_pdf(), REQUEST)
    with pytest.raises(SigningFailed, match="Chưa cấu hình"):
        RemoteSigner("", "cred-1", "ma-truy-cap")
