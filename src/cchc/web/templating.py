"""Jinja2 templates with the Vietnamese formatting filters."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from cchc import vn
from cchc.auth.enums import Role

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
env = templates.env
env.filters["so"] = vn.fmt_int
env.filters["thapphan"] = vn.fmt_decimal
env.filters["phantram"] = vn.fmt_percent
env.filters["ngay"] = vn.fmt_date
env.filters["ngaygio"] = vn.fmt_datetime
env.filters["ngaydai"] = vn.fmt_long_date
env.globals["Role"] = Role


env.filters["vaitro"] = lambda v: vn.fmt_label(Role, v)


def render(request: Request, name: str, context: dict | None = None, status_code: int = 200):
    from cchc.web.deps import csrf_token

    ctx = dict(context or {})
    ctx["user"] = getattr(request.state, "user", None)  # the snapshot, never the ORM object
    ctx["csrf_token"] = csrf_token(request)
    if "flash" not in ctx and "flash" in request.session:
        ctx["flash"], ctx["flash_kind"] = request.session.pop("flash"), request.session.pop("flash_kind", "ok")
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def page_count(total: int, size: int) -> int:
    """How many pages of `size` rows a list of `total` rows fills (at least one, even when empty)."""
    return max(1, -(-total // size))


def nav_links(user) -> list[tuple[str, str]]:
    """The navigation for this user: the public portal, then what their role works with."""
    links = [("/", "Trang chủ"), ("/thu-tuc", "Thủ tục hành chính"), ("/tra-cuu", "Tra cứu hồ sơ"), ("/phan-anh", "Phản ánh, kiến nghị")]
    if user is None:
        return links
    role = user.role
    if role == Role.CITIZEN:
        return links + [("/ca-nhan", "Hồ sơ của tôi")]
    officer = [("/can-bo", "Hồ sơ cần xử lý")]
    if role in (Role.RECEIVING, Role.UNIT_ADMIN):
        officer.append(("/can-bo/tiep-nhan", "Tiếp nhận hồ sơ"))
    officer += [("/can-bo/tim-kiem", "Tìm kiếm"), ("/can-bo/phan-anh", "Phản ánh"), ("/nhiem-vu", "Nhiệm vụ"), ("/thong-ke", "Thống kê")]
    if role in (Role.REPORTING, Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN):
        officer += [("/cai-cach", "Cải cách HC"), ("/bao-cao", "Báo cáo")]
    if role in (Role.REPORTING, Role.LEADER, Role.UNIT_ADMIN):  # a unit's own report, sent up
        officer.append(("/bao-cao-gui", "Gửi báo cáo"))
    if role == Role.REPORTING:  # the province's view of every unit's report
        officer.append(("/bao-cao-tong-hop", "Tổng hợp"))
    if role in (Role.UNIT_ADMIN, Role.SYSTEM_ADMIN):
        officer.append(("/quan-tri", "Quản trị"))
    return [("/", "Cổng dịch vụ công")] + officer


env.globals["nav_links"] = nav_links


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page (after a redirect)."""
    request.session["flash"] = message
    request.session["flash_kind"] = kind


def _register_domain_filters() -> None:
    from cchc.dossiers.enums import Channel, State, Timeliness
    from cchc.procedures.enums import StepRole

    env.filters["trangthai"] = lambda v: vn.fmt_label(State, v)
    env.filters["buoc"] = lambda v: vn.fmt_label(StepRole, v)
    env.filters["hanxuly"] = lambda v: vn.fmt_label(Timeliness, v)
    env.filters["kenh"] = lambda v: vn.fmt_label(Channel, int(v)) if v is not None else ""
    from cchc.dossiers.files import KINDS
    from cchc.dossiers.service import ACTION_LABELS

    env.filters["thaotac"] = lambda v: ACTION_LABELS.get(v, v)
    env.filters["loaitep"] = lambda v: KINDS.get(v, v)


_register_domain_filters()
