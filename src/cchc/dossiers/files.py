"""Files of a dossier (component scans, supplements, results), stored by SHA-256, and the action
that attaches one (its effect on the dossier is cchc.dossiers.transitions.apply_attach_file).

A file is stored once under settings.files_dir/<2 first hex>/<sha256>, whatever its name, so a
rolled-back transaction leaves at worst an unreferenced copy and never a wrong one. Attaching a
component file marks the dossier's components digitised (số hóa thành phần hồ sơ); attaching a
result file marks its result digitised (TT 01/2023).

An upload is read in chunks of CHUNK bytes, whatever gives it (bytes from the demo generator, the
spooled temporary file of a web form): it is copied to a temporary file next to the store, hashed
and counted while it is copied, refused as soon as it passes settings.upload_max_bytes, and moved
into place only when complete and accepted. Its type is what its content is — PDF, JPEG, PNG or
Word (DOCX: a ZIP holding word/document.xml) — never what its name or the browser says; a name or
a declared type that says otherwise is refused, naming the file.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path, PurePath
from typing import BinaryIO

from sqlalchemy.orm import Session

from cchc import config
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.auth.scope import acts_in
from cchc.dossiers import transitions as tr
from cchc.dossiers.enums import KINDS, State  # noqa: F401 — KINDS read as files.KINDS by the templates' words
from cchc.dossiers.journal import check_moment, flush, log
from cchc.dossiers.models import Dossier, DossierComponent, DossierFile
from cchc.errors import InvalidTransition, PermissionDenied, ValidationError
from cchc.signatures.verification import SignatureRefused, Verified, verify_pdf
from cchc.values import moment
from cchc.vn import fmt_int

CHUNK = 64 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Each accepted type: its name for people, the extensions a file of that type may carry, how its bytes begin.
TYPES = {
    "application/pdf": ("PDF", (".pdf",), b"%PDF-"),
    "image/jpeg": ("JPEG", (".jpg", ".jpeg", ".jpe"), b"\xff\xd8\xff"),
    "image/png": ("PNG", (".png",), b"\x89PNG"),
    DOCX: ("Word (DOCX)", (".docx",), b"PK\x03\x04"),
}
EXTENSIONS = {ext: ctype for ctype, (_, exts, _) in TYPES.items() for ext in exts}

Content = bytes | bytearray | BinaryIO


class UploadTooLarge(ValidationError):
    """A file over settings.upload_max_bytes: reading stopped at the limit."""

    http_status = 413


@dataclass(frozen=True)
class Upload:
    """A file to attach: what the browser or the import sends (`content`: bytes or a binary file object)."""

    filename: str
    content: Content
    content_type: str


@dataclass(frozen=True)
class Stored:
    """A file copied into the store: its cleaned name, its type by content, size and SHA-256."""

    name: str
    content_type: str
    size: int
    sha256: str


def clean_name(filename: str) -> str:
    """The file's own name (no folders), or a Vietnamese error."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    if not name:
        raise ValidationError("Tệp đính kèm phải có tên.", field="filename")
    if len(name) > 255:
        raise ValidationError(f"Tên tệp «{name[:40]}…» dài quá 255 ký tự.", field="filename")
    if "\x00" in name:
        raise ValidationError(f"Tên tệp «{name[:40]}» chứa ký tự NUL (mã 0).", field="filename")
    return name


def _source(content: Content) -> BinaryIO:
    """A readable binary stream at its start: bytes are wrapped, a file object is rewound."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(content))
    if _seekable(content):
        content.seek(0)
    return content


def _seekable(stream) -> bool:
    seekable = getattr(stream, "seekable", None)
    return bool(seekable()) if callable(seekable) else hasattr(stream, "seek")


def has_content(upload) -> bool:
    """Whether a form's file field carries a file (a browser sends an empty part when none is chosen)."""
    if upload is None or not hasattr(upload, "read"):
        return False
    size = getattr(upload, "size", None)
    if size is not None:
        return size > 0
    stream = getattr(upload, "file", upload)
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size > 0


def content_of(upload) -> BinaryIO:
    """The binary stream of a form's UploadFile (or the object itself when it is already a stream)."""
    return getattr(upload, "file", upload)


def _copy(source: BinaryIO, sink: BinaryIO | None, name: str, limit: int | None) -> tuple[int, str, bytes]:
    """Read `source` in chunks (writing them to `sink`): size, SHA-256 and the first bytes. Stops past `limit`."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    while True:
        chunk = source.read(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if limit is not None and size > limit:
            raise UploadTooLarge(
                f"Tệp «{name}» vượt giới hạn {fmt_int(limit)} byte của mỗi tệp đính kèm; hãy quét lại ở độ "
                "phân giải thấp hơn hoặc nén tệp rồi gửi lại.",
                field="content",
            )
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        digest.update(chunk)
        if sink is not None:
            sink.write(chunk)
    if size == 0:
        raise ValidationError(f"Tệp «{name}» rỗng.", field="content")
    return size, digest.hexdigest(), head


def _is_docx(opened: BinaryIO | Path) -> bool:
    try:
        with zipfile.ZipFile(opened) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def detect(head: bytes, whole: BinaryIO | Path) -> str | None:
    """The accepted type these bytes are (`whole` is read only for a ZIP), or None."""
    for ctype, (_, _, magic) in TYPES.items():
        if head.startswith(magic):
            if ctype == DOCX and not _is_docx(whole):
                return None
            return ctype
    return None


def _check_type(name: str, head: bytes, whole: BinaryIO | Path, declared: str) -> str:
    """The type of the file by its content; refused when it is not accepted or the name/declared type disagree."""
    allowed = tuple(t for t in config.settings.upload_types if t in TYPES)
    labels = ", ".join(TYPES[t][0] for t in allowed)
    actual = detect(head, whole)
    claimed = EXTENSIONS.get(PurePath(name).suffix.lower())
    declared = (declared or "").split(";")[0].strip().lower()
    claims = [t for t in (claimed, declared if declared in TYPES else None) if t]
    if actual is None or actual not in allowed:
        if claims and claims[0] in allowed:
            raise ValidationError(
                f"Nội dung tệp «{name}» không đúng kiểu {TYPES[claims[0]][0]} mà tên hoặc kiểu khai báo cho thấy "
                f"(tệp hỏng hoặc bị đổi đuôi); chỉ nhận tệp {labels}, nhận biết theo nội dung tệp.",
                field="content",
            )
        raise ValidationError(
            f"Tệp «{name}» có kiểu không được phép; chỉ nhận tệp {labels} (nhận biết theo nội dung tệp, "
            "không theo tên hay đuôi tệp).",
            field="content_type",
        )
    for claim in claims:
        if claim != actual:
            raise ValidationError(
                f"Nội dung tệp «{name}» là {TYPES[actual][0]}, không đúng kiểu {TYPES[claim][0]} mà tên hoặc kiểu "
                "khai báo cho thấy (tệp bị đổi đuôi?). Hãy gửi lại tệp với đúng tên.",
                field="content",
            )
    return actual


def validate_upload(filename: str, content: Content, content_type: str = "") -> str:
    """Check name, size and type (by content) without storing; return the cleaned file name.

    `content`: bytes or a seekable binary file (read in chunks, then rewound for attach_file)."""
    name = clean_name(filename)
    source = _source(content)
    if not _seekable(source):
        raise TypeError("validate_upload reads the file twice: give bytes or a seekable file")
    try:
        _, _, head = _copy(source, None, name, config.settings.upload_max_bytes)
        source.seek(0)
        _check_type(name, head, source, content_type)
    finally:
        source.seek(0)
    return name


def store_upload(filename: str, content: Content, content_type: str = "", *, check: bool = True) -> Stored:
    """Copy an upload into the store: streamed to a temporary file beside it (hashed and counted on the way,
    stopped past the limit), checked, then moved into place. Nothing is left behind when it is refused."""
    name = clean_name(filename)
    root = Path(config.settings.files_dir)
    root.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=root, prefix=".upload-", suffix=".tmp", delete=False)
    tmp = Path(handle.name)
    try:
        with handle:
            size, digest, head = _copy(_source(content), handle, name, config.settings.upload_max_bytes if check else None)
        actual = _check_type(name, head, tmp, content_type) if check else (content_type or "application/octet-stream")
        path = stored_path(digest)
        if path.exists():
            tmp.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Stored(name=name, content_type=actual, size=size, sha256=digest)


def stored_path(sha256: str) -> Path:
    return Path(config.settings.files_dir) / sha256[:2] / sha256


def read_file(f: DossierFile) -> bytes:
    return stored_path(f.sha256).read_bytes()


def check_attach(session: Session, actor: User | None, dossier: Dossier, kind: str) -> None:
    """Who may attach a file of this kind now: the owner (a supplement or a submission file, while
    submitting or asked to supplement), an officer of a unit that handles the dossier, the system."""
    tr.require_kind(kind)
    if actor is not None and actor.role == Role.CITIZEN:
        if dossier.owner_user_id != actor.id:
            raise PermissionDenied(f"Chỉ chủ hồ sơ mới được đính kèm tệp vào hồ sơ {dossier.code}.")
        if kind == "ket_qua":
            raise PermissionDenied("Công dân không được đính kèm tệp kết quả giải quyết.")
        state = State(dossier.state)
        if state not in (State.SUBMITTED, State.SUPPLEMENT):
            raise InvalidTransition(
                f"Hồ sơ {dossier.code} đang ở trạng thái «{state.label}»: công dân chỉ đính kèm tệp khi nộp hồ sơ "
                "hoặc khi được yêu cầu bổ sung."
            )
        return
    if actor is not None and not (
        acts_in(session, actor, dossier.unit_id)
        or acts_in(session, actor, dossier.current_unit_id)
        or tr.step_unit_ids(dossier) & ({actor.unit_id} if actor.unit_id else set())
        or actor.role == Role.SYSTEM_ADMIN
    ):
        raise PermissionDenied(f"Bạn không xử lý hồ sơ {dossier.code} nên không được đính kèm tệp vào hồ sơ này.")
    tr.require(dossier, "attach_file")


def attach_file(
    session: Session,
    actor: User | None,
    dossier: Dossier,
    kind: str,
    filename: str,
    content: Content,
    content_type: str = "",
    component: DossierComponent | int | None = None,
    at: datetime | None = None,
) -> DossierFile:
    """Store a file and attach it (kind thanh_phan | bo_sung | ket_qua); one event 'attach_file'.

    `content` is bytes or a binary file object (read in chunks, never whole); `content_type` is what the
    sender declared — the row records the type found in the content."""
    at = moment(at)
    check_attach(session, actor, dossier, kind)
    clean_name(filename)
    comp: DossierComponent | None = None
    if component is not None:
        comp_id = component.id if isinstance(component, DossierComponent) else int(component)
        comp = next((c for c in dossier.components if c.id == comp_id), None)
        if comp is None:
            raise ValidationError(f"Thành phần số {comp_id} không thuộc hồ sơ {dossier.code}.", field="component")
    check_moment(session, dossier, at)
    stored = store_upload(filename, content, content_type)
    row = DossierFile(dossier=dossier, **file_values(stored, kind, comp, actor, at))
    checked = verify_result_file(kind, stored)
    if checked is not None:
        for column, value in checked[0].items():
            setattr(row, column, value)
        dossier.result_esigned = checked[1]["esigned"]
    session.add(row)
    change = tr.apply_attach_file(dossier, actor, kind=kind, component=comp, name=stored.name, sha256=stored.sha256,
                                  size=stored.size, at=at)
    if checked is not None:
        change = replace(change, data={**change.data, **checked[1]})
    log(session, actor, dossier, change, at)
    flush(session, dossier)
    return row


def check_signature(pdf: bytes) -> tuple[Verified | None, str]:
    """The PDF's last signature verified (cchc.signatures.verification), or the reason it does not stand."""
    try:
        return verify_pdf(pdf), ""
    except SignatureRefused as exc:
        return None, exc.message


def verify_result_file(kind: str, stored: Stored) -> tuple[dict, dict] | None:
    """A result PDF is signed digitally only if its signature verifies (the dossier's flag follows the latest one):
    its signature columns and what the journal says of it; None for any other file."""
    if kind != "ket_qua" or stored.content_type != "application/pdf":
        return None
    verified, problem = check_signature(stored_path(stored.sha256).read_bytes())
    values = signature_values(verified, problem)
    return values, {"esigned": verified is not None, "signature": values["signer"] or problem}


def signature_values(verified: Verified | None, problem: str = "") -> dict:
    """The signature columns of a file row: who signed, when, by which CA; or why the signature does not stand."""
    if verified is None:
        return {"signer": "", "signer_organisation": "", "signed_at": None, "signature_issuer": "", "signature_serial": "",
                "signature_problem": problem}
    return {"signer": verified.signer, "signer_organisation": verified.organisation, "signed_at": verified.signed_at,
            "signature_issuer": verified.issuer, "signature_serial": verified.serial, "signature_problem": ""}


def signature_text(signer: str, organisation: str, signed_at: datetime | None) -> str:
    """"Kết quả đã ký số: Nguyễn Văn A (UBND xã …), 10:32 ngày 14/6/2026" — as the dossier's pages and the lookup say it."""
    who = f"{signer} ({organisation})" if organisation and organisation != signer else signer
    when = f", {signed_at:%H:%M} ngày {signed_at.day}/{signed_at.month}/{signed_at.year}" if signed_at else ""
    return f"Kết quả đã ký số: {who}{when}"


def result_signature(dossier: Dossier) -> str:
    """What the pages say of the result's signature: who signed and when, or "" when it is not signed."""
    f = latest_result_pdf(dossier)
    if not dossier.result_esigned or f is None or not f.signer:
        return ""
    return signature_text(f.signer, f.signer_organisation, f.signed_at)


def latest_result_pdf(dossier: Dossier) -> DossierFile | None:
    """The result file to sign, show and hand over: the latest PDF of kind ket_qua."""
    results = [f for f in dossier.files if f.kind == "ket_qua" and f.content_type == "application/pdf"]
    return max(results, key=lambda f: (f.uploaded_at, f.id or 0)) if results else None


def file_values(stored: Stored, kind: str, component: DossierComponent | None, actor: User | None, at: datetime) -> dict:
    """The columns of a dossier's file row (but the dossier)."""
    return {"component_id": component.id if component is not None else None, "kind": kind, "filename": stored.name,
            "content_type": stored.content_type, "size": stored.size, "sha256": stored.sha256,
            "uploaded_by_id": actor.id if actor is not None else None, "uploaded_at": at}
