"""What the templates show of the domains, registered into the one Jinja environment of cchc.web.templating:
the labels of roles, dossier states, steps, timeliness, channels, dossier actions and file kinds, and the
navigation each role sees."""

from __future__ import annotations

from cchc import vn
from cchc.auth.enums import Role
from cchc.dossiers.enums import Channel, State, Timeliness
from cchc.dossiers.files import KINDS
from cchc.dossiers.service import ACTION_LABELS, receives_at_counter
from cchc.procedures.enums import StepRole
from cchc.web.templating import env


def nav_links(user) -> list[tuple[str, str]]:
    """The navigation for this user: the public portal for visitors; a signed-in user's own work first (the page
    they land on, cchc.auth.pages.home_for, which "/" leads to), then what their role works with."""
    portal = [("/thu-tuc", "Thủ tục hành chính"), ("/tra-cuu", "Tra cứu hồ sơ"), ("/phan-anh", "Phản ánh, kiến nghị")]
    if user is None:
        return [("/", "Trang chủ")] + portal
    role = user.role
    if role == Role.CITIZEN:
        return [("/ca-nhan", "Hồ sơ của tôi")] + portal
    officer = []
    if role in (Role.UNIT_ADMIN, Role.SYSTEM_ADMIN):
        officer.append(("/quan-tri", "Quản trị"))
    if role in (Role.REPORTING, Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN):
        reports = [("/bao-cao", "Báo cáo")]
        if role in (Role.REPORTING, Role.LEADER, Role.UNIT_ADMIN):  # a unit's own report, sent up
            reports.append(("/bao-cao-gui", "Gửi báo cáo"))
        if role == Role.REPORTING:  # the province's view of every unit's report
            reports.append(("/bao-cao-tong-hop", "Tổng hợp"))
        if role == Role.REPORTING:  # their work first
            officer += reports
    officer.append(("/can-bo", "Hồ sơ cần xử lý"))
    if receives_at_counter(user):
        officer.append(("/can-bo/tiep-nhan", "Tiếp nhận"))
    if receives_at_counter(user) or role in (Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN):
        officer.append(("/can-bo/thanh-toan", "Thanh toán"))  # fees paid online and at the counter (cchc.payments)
    officer += [("/can-bo/tim-kiem", "Tìm kiếm"), ("/can-bo/phan-anh", "Phản ánh"), ("/nhiem-vu", "Nhiệm vụ"), ("/thong-ke", "Thống kê")]
    if role in (Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN, Role.REPORTING):
        officer.append(("/cai-cach", "Cải cách HC"))
    if role in (Role.LEADER, Role.UNIT_ADMIN, Role.SYSTEM_ADMIN):
        officer += reports
    return officer


def current_link(links: list[tuple[str, str]], path: str) -> str | None:
    """The one menu item a page belongs to: the longest link that is the path or a folder above it
    (/can-bo/tiep-nhan is «Tiếp nhận», not also «Hồ sơ cần xử lý»; /bao-cao-gui is not under /bao-cao)."""
    matches = [href for href, _ in links if path == href or (href != "/" and path.startswith(href.rstrip("/") + "/"))]
    return max(matches, key=len, default=None)


def install() -> None:
    """Register the domains' words and the navigation (the same each time: create_app may run more than once)."""
    env.globals["Role"] = Role
    env.globals["nav_links"] = nav_links
    env.globals["current_link"] = current_link
    env.filters["vaitro"] = lambda v: vn.fmt_label(Role, v)
    env.filters["trangthai"] = lambda v: vn.fmt_label(State, v)
    env.filters["buoc"] = lambda v: vn.fmt_label(StepRole, v)
    env.filters["hanxuly"] = lambda v: vn.fmt_label(Timeliness, v)
    env.filters["kenh"] = lambda v: vn.fmt_label(Channel, int(v)) if v is not None else ""
    env.filters["thaotac"] = lambda v: ACTION_LABELS.get(v, v)
    env.filters["loaitep"] = lambda v: KINDS.get(v, v)
