"""Phân quyền theo vai trò: the role × action × scope matrix of permissions.yaml, read once and checked.

A cell says how far a role may do an action: `none`, `own` (a citizen's own records), `unit` (the unit the
officer acts for, see cchc.auth.scope.acts_in), `subtree` (their unit and everything under it), `province`
(every unit of their province) or `system`. Some cells hold only under a named condition.

Account management and the procedure catalogue ask this module (`allows`, `require_scope_for`); the other
domains enforce their cells in their own service functions, and tests/auth/test_matrix_api.py performs every
cell through the HTTP interface so that the code and this file cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc.auth.enums import Role
from cchc.errors import ValidationError

DATA_FILE = "permissions.yaml"
SCOPES = ("none", "own", "unit", "subtree", "province", "system")
# how far each scope reaches, to compare two scopes (own is not on the unit ladder: it is per record)
SCOPE_RANK = {"none": 0, "own": 1, "unit": 2, "subtree": 3, "province": 4, "system": 5}


@dataclass(frozen=True)
class Cell:
    scope: str
    condition: str | None = None


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    group: str
    cells: dict[Role, Cell]
    enforced: str

    def cell(self, role: Role | str) -> Cell:
        return self.cells[Role(role)]


@dataclass(frozen=True)
class Matrix:
    roles: tuple[Role, ...]
    scopes: dict[str, dict[str, str]]  # scope → {label, text}
    conditions: dict[str, str]
    groups: dict[str, str]
    actions: dict[str, Action]

    def action(self, key: str) -> Action:
        try:
            return self.actions[key]
        except KeyError:
            raise KeyError(f"permissions.yaml has no action «{key}»") from None

    def scope(self, role: Role | str | None, key: str) -> str:
        if role is None or role not in Role._value2member_map_:
            return "none"
        return self.action(key).cell(role).scope

    def roles_for(self, key: str) -> tuple[Role, ...]:
        """The roles that may do this action somewhere (scope other than none)."""
        action = self.action(key)
        return tuple(r for r in self.roles if action.cells[r].scope != "none")


def _fail(message: str) -> None:
    raise ValidationError(f"Tệp {DATA_FILE}: {message}")


def parse_matrix(text: str) -> Matrix:
    """Read and check the matrix: every action names all seven roles with a known scope (and known condition)."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ValidationError(f"Tệp {DATA_FILE} không đúng cú pháp YAML: {exc}") from None
    if not isinstance(data, dict):
        _fail("phải là một bảng (mapping) có roles, scopes, conditions, groups, actions.")
    roles_raw = data.get("roles") or []
    if sorted(map(str, roles_raw)) != sorted(r.value for r in Role) or len(roles_raw) != len(Role):
        _fail(f"roles phải liệt kê đúng một lần mỗi vai trò: {', '.join(r.value for r in Role)}.")
    roles = tuple(Role(r) for r in roles_raw)
    scopes = data.get("scopes") or {}
    if set(scopes) != set(SCOPES) or not all(isinstance(v, dict) and v.get("label") and v.get("text") for v in scopes.values()):
        _fail(f"scopes phải có đúng các phạm vi {', '.join(SCOPES)}, mỗi phạm vi có label và text.")
    conditions = {str(k): str(v) for k, v in (data.get("conditions") or {}).items()}
    groups: dict[str, str] = {}
    prefix_group: dict[str, str] = {}
    for name, spec in (data.get("groups") or {}).items():
        if not isinstance(spec, dict) or not spec.get("label") or not spec.get("prefixes"):
            _fail(f"nhóm «{name}» cần label và prefixes.")
        groups[str(name)] = str(spec["label"])
        for prefix in spec["prefixes"]:
            prefix_group[str(prefix)] = str(name)
    actions: dict[str, Action] = {}
    raw_actions = data.get("actions") or {}
    if not isinstance(raw_actions, dict) or not raw_actions:
        _fail("actions phải là một bảng thao tác.")
    for key, spec in raw_actions.items():
        key = str(key)
        group = prefix_group.get(key.split(".", 1)[0])
        if group is None:
            _fail(f"thao tác «{key}» không thuộc nhóm nào (thêm tiền tố «{key.split('.', 1)[0]}» vào prefixes của một nhóm).")
        if not isinstance(spec, dict) or not str(spec.get("label") or "").strip():
            _fail(f"thao tác «{key}» cần label.")
        raw_cells = spec.get("cells") or {}
        if not isinstance(raw_cells, dict) or set(map(str, raw_cells)) != {r.value for r in Role}:
            missing = sorted({r.value for r in Role} - set(map(str, raw_cells or {})))
            extra = sorted(set(map(str, raw_cells or {})) - {r.value for r in Role})
            _fail(f"thao tác «{key}» phải ghi phạm vi cho đủ bảy vai trò (thiếu: {', '.join(missing) or 'không'}; "
                  f"thừa: {', '.join(extra) or 'không'}).")
        cells: dict[Role, Cell] = {}
        for role_value, raw in raw_cells.items():
            scope, condition = (raw.get("scope"), raw.get("condition")) if isinstance(raw, dict) else (raw, None)
            if scope not in SCOPES:
                _fail(f"thao tác «{key}», vai trò {role_value}: phạm vi «{scope}» không hợp lệ (dùng {', '.join(SCOPES)}).")
            if condition is not None and condition not in conditions:
                _fail(f"thao tác «{key}», vai trò {role_value}: điều kiện «{condition}» chưa khai báo trong conditions.")
            if condition is not None and scope == "none":
                _fail(f"thao tác «{key}», vai trò {role_value}: phạm vi none không kèm điều kiện.")
            if scope == "own" and role_value != Role.CITIZEN:
                _fail(f"thao tác «{key}»: phạm vi own chỉ dành cho công dân, không cho {role_value}.")
            cells[Role(role_value)] = Cell(str(scope), condition)
        actions[key] = Action(key, str(spec["label"]).strip(), group, cells, str(spec.get("enforced") or "").strip())
    return Matrix(roles, {k: dict(v) for k, v in scopes.items()}, conditions, groups, actions)


@lru_cache(maxsize=1)
def matrix() -> Matrix:
    return parse_matrix(resources.files("cchc.auth").joinpath(DATA_FILE).read_text(encoding="utf-8"))


def scope_of(role: Role | str | None, key: str) -> str:
    return matrix().scope(role, key)


# ---------------------------------------------------------------------------------------------- unit reach
def _unit(session: Session, unit_id: int | None):
    from cchc.units.models import Unit

    return session.get(Unit, unit_id) if unit_id is not None else None


def province_of(session: Session, unit) -> Any:
    """The topmost provincial unit on the unit's path (the unit itself when it is a province), or None."""
    from cchc.units.models import Unit

    if unit is None:
        return None
    ids = [int(x) for x in (unit.path or "").strip("/").split("/") if x]
    if ids:
        found = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
        for uid in ids:
            anc = found.get(uid)
            if anc is not None and anc.level == "tinh":
                return anc
    return unit if unit.level == "tinh" else None


def _under(unit, root) -> bool:
    if unit is None or root is None:
        return False
    return unit.id == root.id or bool(root.path and (unit.path or "").startswith(root.path))


def reaches(session: Session, user, scope: str, unit_id: int | None) -> bool:
    """Does `scope`, held by `user`, reach the unit `unit_id`? (None: a record without a unit.)"""
    if scope == "system":
        return True
    if scope in ("none", "own") or unit_id is None or user is None or user.unit_id is None:
        return False
    if scope == "unit":
        from cchc.auth.scope import acts_in

        return acts_in(session, user, unit_id)
    own, target = _unit(session, user.unit_id), _unit(session, unit_id)
    if scope == "subtree":
        return _under(target, own)
    if scope == "province":
        return _under(target, province_of(session, own))
    return False


def allows(session: Session, user, key: str, unit_id: int | None = None) -> bool:
    """May this active user do `key` for a record of `unit_id`, by the matrix? (Conditions are the caller's.)"""
    if user is None or not getattr(user, "active", True):
        return False
    return reaches(session, user, scope_of(user.role, key), unit_id)


def role_label(role: Role | str | None) -> str:
    return Role(role).label if role in Role._value2member_map_ else "Người dùng này"


def scope_phrase(session: Session, user, key: str) -> str:
    """In words, how far this user reaches for `key` ("Xã Mỹ An Hưng và các đơn vị trực thuộc", "toàn tỉnh …")."""
    scope = scope_of(getattr(user, "role", None), key)
    own = _unit(session, getattr(user, "unit_id", None))
    name = own.name if own is not None else "đơn vị của mình"
    if scope == "unit":
        return name
    if scope == "subtree":
        return f"{name} và các đơn vị trực thuộc"
    if scope == "province":
        province = province_of(session, own)
        return f"toàn {province.name}" if province is not None else "toàn tỉnh"
    if scope == "system":
        return "toàn hệ thống"
    return "không đơn vị nào"


# ---------------------------------------------------------------------------------------------- the table
def markdown_table() -> str:
    """The matrix as the Markdown tables of docs/security.md (one per group), generated, never typed by hand."""
    m = matrix()
    header = "| Thao tác | " + " | ".join(r.label for r in m.roles) + " |"
    rule = "|---|" + "---|" * len(m.roles)
    used: dict[str, int] = {}
    out: list[str] = []
    for group, title in m.groups.items():
        rows = [a for a in m.actions.values() if a.group == group]
        if not rows:
            continue
        out += [f"**{title}**", "", header, rule]
        for a in rows:
            cells = []
            for r in m.roles:
                cell = a.cells[r]
                text = m.scopes[cell.scope]["label"]
                if cell.condition:
                    used.setdefault(cell.condition, len(used) + 1)
                    text += f" ({used[cell.condition]})"
                cells.append(text)
            out.append(f"| {a.label} (`{a.key}`) | " + " | ".join(cells) + " |")
        out.append("")
    out.append("Phạm vi: " + "; ".join(f"**{v['label']}** — {v['text']}" for k, v in m.scopes.items() if k != "none") + ".")
    out.append("")
    for condition, n in sorted(used.items(), key=lambda kv: kv[1]):
        out.append(f"({n}) {m.conditions[condition][:1].upper()}{m.conditions[condition][1:]}.")
    out.append("")
    out += ["| Thao tác | Kiểm tra ở (code) |", "|---|---|"]
    out += [f"| `{a.key}` | {a.enforced} |" for a in m.actions.values()]
    return "\n".join(out).rstrip() + "\n"


DOCS_BEGIN = "<!-- bảng sinh từ src/cchc/auth/permissions.yaml: python -m cchc.auth.permissions docs/security.md -->"
DOCS_END = "<!-- hết bảng sinh tự động -->"


def docs_block() -> str:
    return f"{DOCS_BEGIN}\n\n{markdown_table()}\n{DOCS_END}"


def update_docs(path) -> bool:
    """Rewrite the generated block of `path` (docs/security.md) from the matrix; True when it changed."""
    from pathlib import Path

    path = Path(path)
    text = path.read_text(encoding="utf-8")
    start, end = text.index(DOCS_BEGIN), text.index(DOCS_END) + len(DOCS_END)
    new = text[:start] + docs_block() + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # python -m cchc.auth.permissions docs/security.md
    import sys

    for target in sys.argv[1:]:
        print(f"{target}: {'đã cập nhật bảng phân quyền' if update_docs(target) else 'bảng phân quyền đã khớp'}")
