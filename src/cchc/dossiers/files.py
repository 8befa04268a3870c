"""Files of a dossier (component scans, supplements, results), stored by SHA-256.

A file is stored once under settings.files_dir/<2 first hex>/<sha256>, whatever its name, so a
rolled-back transaction leaves at worst an unreferenced copy and never a wrong one. Attaching a
component file marks the dossier's components digitised (số hóa thành phần hồ sơ); attaching a
result file marks its result digitised (TT 01/2023).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath

from sqlalchemy.orm import Session

from cchc import config
from cchc.auth.enums import Role
from cchc.auth.models import User
from cchc.dossiers.enums import State
from cchc.dossiers.models import Dossier, DossierComponent, DossierFile
from cchc.errors import InvalidTransition, PermissionDenied, ValidationError
from cchc.vn import fmt_int

KINDS = {"thanh_phan": "thành phần hồ sơ", "bo_sung": "giấy tờ bổ sung", "ket_qua": "kết quả giải quyết"}
# How each accepted format begins: a file whose bytes do not match its declared type is refused.
SIGNATURES = {
    "application/pdf": (b"%PDF",),
    "image/png": (b"\x89PNG",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
}


@dataclass(frozen=True)
class Upload:
    """A file to attach: what the browser or the import sends."""

    filename: str
    content: bytes
    content_type: str


def validate_upload(filename: str, content: bytes, content_type: str) -> str:
    """Check name, type and size against the settings; return the cleaned file name."""
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    if not name:
        raise ValidationError("Tệp đính kèm phải có tên.", field="filename")
    if len(name) > 255:
        raise ValidationError(f"Tên tệp «{name[:40]}…» dài quá 255 ký tự.", field="filename")
    allowed = config.settings.upload_types
    if content_type not in allowed:
        raise ValidationError(
            f"Tệp «{name}» có kiểu «{content_type}» không được phép; chỉ nhận: {', '.join(allowed)}.", field="content_type"
        )
    if not content:
        raise ValidationError(f"Tệp «{name}» rỗng.", field="content")
    limit = config.settings.upload_max_bytes
    if len(content) > limit:
        raise ValidationError(
            f"Tệp «{name}» nặng {fmt_int(len(content))} byte, vượt giới hạn {fmt_int(limit)} byte.", field="content"
        )
    magic = SIGNATURES.get(content_type)
    if magic and not content.startswith(magic):
        raise ValidationError(
            f"Nội dung tệp «{name}» không đúng kiểu «{content_type}» đã khai báo (tệp hỏng hoặc đổi đuôi).", field="content"
        )
    return name


def stored_path(sha256: str) -> Path:
    return Path(config.settings.files_dir) / sha256[:2] / sha256


def read_file(f: DossierFile) -> bytes:
    return stored_path(f.sha256).read_bytes()


def _store(content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    path = stored_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(content)
        os.replace(tmp, path)
    return digest


def _check_attach(session: Session, actor: User | None, dossier: Dossier, kind: str) -> None:
    from cchc.auth.scope import acts_in
    from cchc.dossiers import service

    if kind not in KINDS:
        raise ValidationError(f"Loại tệp «{kind}» không hợp lệ; dùng: {', '.join(KINDS)}.", field="kind")
    state = State(dossier.state)
    if actor is None:
        return
    if actor.role == Role.CITIZEN:
        if dossier.owner_user_id != actor.id:
            raise PermissionDenied(f"Chỉ chủ hồ sơ mới được đính kèm tệp vào hồ sơ {dossier.code}.")
        if kind == "ket_qua":
            raise PermissionDenied("Công dân không được đính kèm tệp kết quả giải quyết.")
        if state not in (State.SUBMITTED, State.SUPPLEMENT):
            raise InvalidTransition(
                f"Hồ sơ {dossier.code} đang ở trạng thái «{state.label}»: công dân chỉ đính kèm tệp khi nộp hồ sơ "
                "hoặc khi được yêu cầu bổ sung."
            )
        return
    if not (
        acts_in(session, actor, dossier.unit_id)
        or acts_in(session, actor, dossier.current_unit_id)
        or service.step_unit_ids(session, dossier) & ({actor.unit_id} if actor.unit_id else set())
        or actor.role == Role.SYSTEM_ADMIN
    ):
        raise PermissionDenied(f"Bạn không xử lý hồ sơ {dossier.code} nên không được đính kèm tệp vào hồ sơ này.")
    if state in (State.NOT_ACCEPTED,):
        raise InvalidTransition(f"Hồ sơ {dossier.code} không được tiếp nhận nên không đính kèm thêm tệp.")


def attach_file(
    session: Session,
    actor: User | None,
    dossier: Dossier,
    kind: str,
    filename: str,
    content: bytes,
    content_type: str,
    component: DossierComponent | int | None = None,
    at: datetime | None = None,
) -> DossierFile:
    """Store a file and attach it (kind thanh_phan | bo_sung | ket_qua); one event 'attach_file'."""
    from cchc.dossiers import service

    at = service.moment(at)
    _check_attach(session, actor, dossier, kind)
    name = validate_upload(filename, content, content_type)
    comp: DossierComponent | None = None
    if component is not None:
        comp_id = component.id if isinstance(component, DossierComponent) else int(component)
        comp = next((c for c in dossier.components if c.id == comp_id), None)
        if comp is None:
            raise ValidationError(f"Thành phần số {comp_id} không thuộc hồ sơ {dossier.code}.", field="component")
    service.check_moment(session, dossier, at)
    digest = _store(content)
    row = DossierFile(
        dossier=dossier,
        component_id=comp.id if comp else None,
        kind=kind,
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=digest,
        uploaded_by_id=actor.id if actor else None,
        uploaded_at=at,
    )
    session.add(row)
    if kind in ("thanh_phan", "bo_sung"):
        dossier.components_digitized = True
        if comp is not None:
            comp.digitized = True
    else:
        dossier.result_digitized = True
    service.log(
        session, actor, dossier, "attach_file", dossier.state, dossier.state, at,
        note=name, data={"kind": kind, "sha256": digest, "size": len(content), "component_id": comp.id if comp else None},
    )
    session.flush()
    return row
