"""Files of a dossier: type and size limits, storage by SHA-256, digitisation flags."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cchc import config
from cchc.dossiers import files
from cchc.dossiers import service as svc
from cchc.dossiers.models import DossierEvent, DossierFile
from cchc.errors import InvalidTransition, PermissionDenied, ValidationError
from cchc.vn import fmt_int

from .factories import APPLICANT, MONDAY

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
H = timedelta(hours=1)


def _receive(db, w):
    return svc.receive(db, w.receiver, procedure=w.procedure, unit=w.commune, channel=1, applicant=APPLICANT, at=MONDAY, owner=w.citizen)


def test_component_file_is_stored_by_hash_and_marks_digitised(db, world, files_dir):
    w = world
    d = _receive(db, w)
    comp = d.components[0]
    row = files.attach_file(db, w.receiver, d, "thanh_phan", "C:\\scan\\to khai.pdf", PDF, "application/pdf", component=comp, at=MONDAY)
    digest = hashlib.sha256(PDF).hexdigest()
    assert (row.filename, row.size, row.sha256, row.uploaded_by_id) == ("to khai.pdf", len(PDF), digest, w.receiver.id)
    assert (files_dir / digest[:2] / digest).read_bytes() == PDF
    assert files.read_file(row) == PDF
    assert d.components_digitized and comp.digitized and not d.result_digitized
    # the same content twice is stored once
    files.attach_file(db, w.receiver, d, "thanh_phan", "ban sao.pdf", PDF, "application/pdf", at=MONDAY)
    assert len(list((files_dir / digest[:2]).iterdir())) == 1
    assert db.scalar(select(func.count()).select_from(DossierFile).where(DossierFile.dossier_id == d.id)) == 2
    events = db.scalars(select(DossierEvent).where(DossierEvent.dossier_id == d.id, DossierEvent.action == "attach_file")).all()
    assert [(e.note, e.data["sha256"], e.data["component_id"]) for e in events] == [
        ("to khai.pdf", digest, comp.id), ("ban sao.pdf", digest, None)]


def test_result_files_on_finish_mark_the_result_digitised(db, world, files_dir):
    w = world
    d = _receive(db, w)
    svc.forward(db, w.specialist, d, at=MONDAY + H)
    with pytest.raises(ValidationError, match="không được phép"):
        svc.finish(db, w.leader, d, result_number="1", result_summary="x", result_files=[("kq.exe", b"MZ", "application/x-msdownload")], at=MONDAY + 2 * H)
    assert d.state == "dang_xu_ly" and not d.files
    svc.finish(db, w.leader, d, result_number="1", result_summary="x",
               result_files=[files.Upload("giay-khai-sinh.pdf", PDF, "application/pdf")], at=MONDAY + 2 * H)
    assert d.result_digitized and [f.kind for f in d.files] == ["ket_qua"]
    assert not d.result_esigned and d.files[0].signature_problem  # an unsigned PDF: the reason is kept


@pytest.mark.parametrize(
    ("name", "content", "ctype", "match"),
    [
        ("a.exe", b"MZ", "application/x-msdownload", "không được phép"),
        ("", PDF, "application/pdf", "phải có tên"),
        ("empty.pdf", b"", "application/pdf", "rỗng"),
        ("big.pdf", b"%PDF" + b"x" * 61, "application/pdf", "vượt giới hạn 64 byte"),
        ("renamed.pdf", b"MZ\x90\x00 not a pdf", "application/pdf", "không đúng kiểu"),
        ("photo.jpg", b"\x89PNG\r\n", "image/jpeg", "không đúng kiểu"),
        # by content, not by name or declared type
        ("scan.pdf", b"%PDF-1.4 x", "image/png", "là PDF, không đúng kiểu PNG"),
        ("scan.png", b"%PDF-1.4 x", "application/pdf", "là PDF, không đúng kiểu PNG"),
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "application/octet-stream", "«script.pdf» không đúng kiểu PDF"),
        ("tep", b"<html><script>", "application/pdf", "«tep» không đúng kiểu PDF"),
        ("not-word.docx", b"PK\x03\x04 a zip? no", DOCX, "«not-word.docx» không đúng kiểu Word"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_stored(db, world, files_dir, monkeypatch, name, content, ctype, match):
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, upload_max_bytes=64))
    d = _receive(db, world)
    with pytest.raises(ValidationError, match=match):
        files.attach_file(db, world.receiver, d, "thanh_phan", name, content, ctype, at=MONDAY)
    assert not d.files and not d.components_digitized and _stored(files_dir) == []


def _stored(files_dir) -> list:
    """Every file under the store, temporary copies included."""
    return sorted(p for p in files_dir.rglob("*") if p.is_file()) if files_dir.exists() else []


def test_who_may_attach(db, world, files_dir):
    w = world
    d = _receive(db, w)
    with pytest.raises(PermissionDenied):
        files.attach_file(db, w.other_receiver, d, "thanh_phan", "a.pdf", PDF, "application/pdf", at=MONDAY)
    with pytest.raises(PermissionDenied):
        files.attach_file(db, w.other_citizen, d, "bo_sung", "a.pdf", PDF, "application/pdf", at=MONDAY)
    with pytest.raises(InvalidTransition, match="yêu cầu bổ sung"):
        files.attach_file(db, w.citizen, d, "bo_sung", "a.pdf", PDF, "application/pdf", at=MONDAY)
    with pytest.raises(ValidationError, match="Loại tệp"):
        files.attach_file(db, w.receiver, d, "khac", "a.pdf", PDF, "application/pdf", at=MONDAY)
    with pytest.raises(ValidationError, match="không thuộc hồ sơ"):
        files.attach_file(db, w.receiver, d, "thanh_phan", "a.pdf", PDF, "application/pdf", component=999999, at=MONDAY)
    assert not d.files
    svc.request_supplement(db, w.specialist, d, "Thiếu", ["Giấy chứng sinh"], at=MONDAY + H)
    with pytest.raises(PermissionDenied, match="kết quả"):
        files.attach_file(db, w.citizen, d, "ket_qua", "a.pdf", PDF, "application/pdf", at=MONDAY + H)
    row = files.attach_file(db, w.citizen, d, "bo_sung", "giay-chung-sinh.png", b"\x89PNG....", "image/png", at=MONDAY + 2 * H)
    assert row.uploaded_by_id == w.citizen.id and d.components_digitized


def _docx(extra: dict[str, bytes] | None = None, document: bool = True) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        if document:
            z.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def test_the_type_recorded_is_the_content_s_not_the_sender_s(db, world, files_dir):
    d = _receive(db, world)
    # a browser that sends no type, or a generic one: the content decides
    row = files.attach_file(db, world.receiver, d, "thanh_phan", "to-khai", PDF, "application/octet-stream", at=MONDAY)
    assert row.content_type == "application/pdf"
    word = files.attach_file(db, world.receiver, d, "thanh_phan", "don.docx", _docx(), "", at=MONDAY)
    assert word.content_type == DOCX
    jpeg = files.attach_file(db, world.receiver, d, "thanh_phan", "anh.JPG", b"\xff\xd8\xff\xe0 jfif", "image/jpeg", at=MONDAY)
    assert jpeg.content_type == "image/jpeg"
    # a ZIP without word/document.xml is not a Word file, whatever it is called
    with pytest.raises(ValidationError, match="«bang-tinh.docx» không đúng kiểu Word"):
        files.attach_file(db, world.receiver, d, "thanh_phan", "bang-tinh.docx", _docx({"xl/workbook.xml": b"<x/>"}, document=False),
                          DOCX, at=MONDAY)
    assert [f.filename for f in d.files] == ["to-khai", "don.docx", "anh.JPG"]


class _Endless(io.RawIOBase):
    """A PDF-looking stream of `size` bytes produced as it is read, so that the test itself holds none of it."""

    def __init__(self, size: int):
        self.size, self.pos = size, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.size - self.pos)
        if n <= 0:
            return 0
        chunk = (b"%PDF-1.4\n" + b"0" * (n - 9)) if self.pos == 0 else b"0" * n
        buffer[:n] = chunk[:n]
        self.pos += n
        return n


def test_a_200_mb_upload_is_refused_while_reading_and_costs_no_memory(db, world, files_dir):
    import tracemalloc

    d = _receive(db, world)
    source = io.BufferedReader(_Endless(200 * 1024 * 1024), buffer_size=files.CHUNK)
    limit = config.settings.upload_max_bytes
    tracemalloc.start()
    try:
        with pytest.raises(files.UploadTooLarge, match=f"«quet.pdf» vượt giới hạn {fmt_int(limit)} byte") as refused:
            files.attach_file(db, world.receiver, d, "thanh_phan", "quet.pdf", source, "application/pdf", at=MONDAY)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.http_status == 413
    assert source.raw.pos <= limit + 2 * files.CHUNK  # stopped at the limit, not at 200 MB
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes"
    assert not d.files and _stored(files_dir) == []  # the partial copy is gone


def test_a_file_object_is_stored_in_chunks_with_its_hash(db, world, files_dir, tmp_path):
    import tracemalloc

    scan = tmp_path / "scan.pdf"
    with scan.open("wb") as fh:
        fh.write(b"%PDF-1.7\n")
        for i in range(128):
            fh.write(bytes([i]) * 65536)
    expected = hashlib.sha256(scan.read_bytes()).hexdigest()
    d = _receive(db, world)
    tracemalloc.start()
    try:
        with scan.open("rb") as fh:
            row = files.attach_file(db, world.receiver, d, "thanh_phan", "scan.pdf", fh, "application/pdf", at=MONDAY)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (row.sha256, row.size) == (expected, scan.stat().st_size)
    assert peak < 1024 * 1024, f"peak {peak} bytes for an 8 MB file"
    assert _stored(files_dir) == [files_dir / expected[:2] / expected]
    assert files.read_file(row) == scan.read_bytes()
