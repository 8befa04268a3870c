"""Files of a dossier: type and size limits, storage by SHA-256, digitisation flags."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cchc import config
from cchc.dossiers import files
from cchc.dossiers import service as svc
from cchc.dossiers.models import DossierEvent, DossierFile
from cchc.errors import InvalidTransition, PermissionDenied, ValidationError

from .factories import APPLICANT, MONDAY

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
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
    svc.finish(db, w.leader, d, result_number="1", result_summary="x", esigned=True,
               result_files=[files.Upload("giay-khai-sinh.pdf", PDF, "application/pdf")], at=MONDAY + 2 * H)
    assert d.result_digitized and [f.kind for f in d.files] == ["ket_qua"]


@pytest.mark.parametrize(
    ("name", "content", "ctype", "match"),
    [
        ("a.exe", b"MZ", "application/x-msdownload", "không được phép"),
        ("", PDF, "application/pdf", "phải có tên"),
        ("empty.pdf", b"", "application/pdf", "rỗng"),
        ("big.pdf", b"%PDF" + b"x" * 61, "application/pdf", "vượt giới hạn 64 byte"),
        ("renamed.pdf", b"MZ\x90\x00 not a pdf", "application/pdf", "không đúng kiểu"),
        ("photo.jpg", b"\x89PNG\r\n", "image/jpeg", "không đúng kiểu"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_stored(db, world, files_dir, monkeypatch, name, content, ctype, match):
    monkeypatch.setattr(config, "settings", dataclasses.replace(config.settings, upload_max_bytes=64))
    d = _receive(db, world)
    with pytest.raises(ValidationError, match=match):
        files.attach_file(db, world.receiver, d, "thanh_phan", name, content, ctype, at=MONDAY)
    assert not d.files and not d.components_digitized and not files_dir.exists()


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
