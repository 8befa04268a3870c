"""A report checks itself before it is written: every total is the sum of its parts, no part is
larger than its whole, and every rate is its numerator over its denominator.

The identities of the system's figures are data (cchc/data/forms/checks.yaml); those of the
Biểu mẫu come from the forms' `parts`, `sum`, `also_sum_of` and `rate_of`. A failure is a bug
(the statistics or a stored figure disagree with themselves): it raises ReportCheckFailed and
the caller writes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import yaml

from cchc.errors import CchcError
from cchc.reform import forms as formdefs

TOLERANCE = Decimal("0.01")


class ReportCheckFailed(CchcError):
    """The figures of a report do not add up; `problems` lists each broken identity."""

    def __init__(self, problems: list[str]):
        shown = problems[:20]
        more = f"\n… và {len(problems) - 20} lỗi khác." if len(problems) > 20 else ""
        super().__init__(
            "Báo cáo không được ghi ra tệp vì số liệu không khớp (lỗi chương trình hoặc dữ liệu, "
            "hãy báo cho quản trị hệ thống):\n" + "\n".join(f"- {p}" for p in shown) + more
        )
        self.problems = problems


@lru_cache(maxsize=1)
def identities() -> dict:
    return yaml.safe_load((formdefs.FORMS_DIR / "checks.yaml").read_text(encoding="utf-8"))


def _children(node) -> list[str]:
    if isinstance(node, dict):
        return [str(k) for k in node]
    if isinstance(node, list):
        return [str(i) for i in range(len(node))]
    return []


def _get(figures, path: str):
    node = figures
    for key in path.split("."):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _keys_for(figures, pattern: str) -> list[str]:
    """The keys that the first '*' of `pattern` stands for."""
    prefix = pattern.split("*", 1)[0].rstrip(".")
    return _children(_get(figures, prefix)) if prefix else _children(figures)


def _num(value) -> Decimal | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return formdefs.to_decimal(value)


def _show(value) -> str:
    return formdefs.fmt_plain(value) if value is not None else "không có"


def expand(figures, rule: dict, anchor: str) -> list[dict]:
    """One rule per key when the anchor path has a '*', with every '*' replaced by that key."""
    if "*" not in rule[anchor]:
        return [rule]
    out = []
    for key in _keys_for(figures, rule[anchor]):
        out.append({k: ([p.replace("*", key, 1) for p in v] if isinstance(v, list) else v.replace("*", key, 1)) for k, v in rule.items()})
    return out


def _sum_parts(figures, parts: list[str]) -> Decimal | None:
    total = Decimal(0)
    for p in parts:
        if "*" in p and _get(figures, p.split("*", 1)[0].rstrip(".")) is None:
            return None
        paths = [p.replace("*", k, 1) for k in _keys_for(figures, p)] if "*" in p else [p]
        for path in paths:
            v = _num(_get(figures, path))
            if v is None:
                return None
            total += v
    return total


def check_figures(figures: dict) -> list[str]:
    """Broken identities of the system's figures (empty when everything adds up)."""
    found: list[str] = []
    rules = identities()
    for base in rules.get("sums", []):
        for rule in expand(figures, base, "total"):
            total = _num(_get(figures, rule["total"]))
            parts = _sum_parts(figures, rule["parts"])
            if total is None or parts is None:
                continue
            if total != parts:
                found.append(f"{rule['total']} = {_show(total)} nhưng {' + '.join(rule['parts'])} = {_show(parts)}.")
    for base in rules.get("parts", []):
        for rule in expand(figures, base, "whole"):
            whole, part = _num(_get(figures, rule["whole"])), _num(_get(figures, rule["part"]))
            if whole is not None and part is not None and part > whole:
                found.append(f"{rule['part']} = {_show(part)} lớn hơn {rule['whole']} = {_show(whole)}.")
    for base in rules.get("rates", []):
        for rule in expand(figures, base, "rate"):
            parent_path, _, last = rule["rate"].rpartition(".")
            parent = _get(figures, parent_path) if parent_path else figures
            if not isinstance(parent, dict) or last not in parent:
                continue
            num, den = _num(_get(figures, rule["numerator"])), _num(_get(figures, rule["denominator"]))
            if num is None or den is None:
                continue
            given = _num(_get(figures, rule["rate"]))
            expected = formdefs.rate(num, den)
            if expected is None and given is None:
                continue
            if expected is None or given is None or abs(expected - given) > TOLERANCE:
                found.append(
                    f"{rule['rate']} = {_show(given)} nhưng {rule['numerator']} / {rule['denominator']} × 100 = {_show(expected)}."
                )
    return found


def check_tables(tables) -> list[str]:
    """Broken totals and rates of the Biểu mẫu tables (objects with `.form` and `.values`)."""
    found: list[str] = []
    for t in tables:
        found.extend(f"{t.form.name}: {msg}" for _, msg in formdefs.problems(t.form, t.values))
    return found


def check_report(report) -> None:
    """Raise ReportCheckFailed unless the report's figures and tables all add up."""
    problems = check_figures(report.figures) + check_tables(report.tables)
    for label, figures in getattr(report, "trend_figures", []):
        problems.extend(f"{label}: {p}" for p in check_figures({"dossiers": figures}))
    if problems:
        raise ReportCheckFailed(problems)
