"""The provincial report consolidated from its units' figures.

Each unit directly under the province (or of a chosen level) counts once:
- a unit on cchc: its figures computed from the database (all_figures of its own subtree);
- a unit not on cchc: the Biểu mẫu values of its accepted XLSX submission.

Both are projected onto the figure keys the Biểu mẫu read (RowDef.source, dotted paths into
all_figures) and added up key by key, so every total of the consolidated report is exactly the sum
of the units'. Rates are recomputed from the summed numerators and denominators (checks.yaml), never
added. A row whose source adds several keys (e.g. "bãi bỏ, thay thế") is read back from an XLSX into
its first key, the others 0: the row's value — what the report shows — stays exact.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cchc.periods import period_for
from cchc.reform import forms as formdefs
from cchc.reform import service as reform
from cchc.reform.lock import ACCEPTED
from cchc.reform.models import Submission
from cchc.reports.assembly import build_report
from cchc.reports.checks import expand, identities
from cchc.reports.figures import all_figures
from cchc.submissions.models import UnitReporting
from cchc.units.models import Unit
from cchc.units.scope import subtree_condition, valid_during
from cchc.vn import fmt_int


def source_paths() -> list[str]:
    """Every dotted figure path a Biểu mẫu row reads, in form order, without repeats."""
    seen: dict[str, None] = {}
    for form in formdefs.load_forms():
        for row in form.rows:
            for path in row.source or ():
                seen.setdefault(path, None)
    return list(seen)


def _set(tree: dict, path: str, value) -> None:
    keys = path.split(".")
    node = tree
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value


def to_json(value):
    """Decimal → int when whole, else str; dict/list recursively (JSON columns keep exact numbers)."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def dossier_count_paths(figures: dict) -> list[str]:
    """The additive dossier counts of an all_figures dict: dossiers.<count> and dossiers.by_level.<level>.<count>."""
    d = figures.get("dossiers") or {}
    paths = [f"dossiers.{k}" for k, v in d.items() if not isinstance(v, (dict, list)) and not k.endswith("_rate")]
    for level, counts in (d.get("by_level") or {}).items():
        if isinstance(counts, dict):
            paths += [f"dossiers.by_level.{level}.{k}" for k, v in counts.items()
                      if not isinstance(v, (dict, list)) and not k.endswith("_rate")]
    return paths


def project(figures: dict, *, with_dossiers: bool = False) -> dict:
    """Only the Biểu mẫu source keys of an all_figures dict (as Decimal), nested like all_figures.

    `with_dossiers`: also every dossier count (received, new, resolved, in progress …, in total and by
    level), used when every unit that counts is on cchc — a Biểu mẫu carries only resolved counts, so a
    mix with XLSX units keeps to the Biểu mẫu keys (otherwise totals and parts would not add up)."""
    out: dict = {}
    paths = source_paths() + (dossier_count_paths(figures) if with_dossiers else [])
    for path in paths:
        value = formdefs.to_decimal(formdefs.lookup(figures, path))
        if value is not None:
            _set(out, path, value)
    return out


def figures_from_forms(values: dict[int, dict[str, Decimal | None]]) -> dict:
    """Figures (source keys only) read back from filled Biểu mẫu values {form number: {stt: value}}."""
    out: dict = {}
    for form in formdefs.load_forms():
        vals = values.get(form.number, {})
        for row in form.rows:
            if not row.source or row.rate_of:
                continue
            value = vals.get(row.stt)
            if value is None:
                continue
            _set(out, row.source[0], Decimal(value))
            for extra in row.source[1:]:
                if formdefs.lookup(out, extra) is None:
                    _set(out, extra, Decimal(0))
    return out


def _flatten(tree: dict, prefix: str = "") -> dict[str, Decimal]:
    flat: dict[str, Decimal] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        else:
            number = formdefs.to_decimal(value)
            if number is not None:
                flat[path] = number
    return flat


def add_up(parts: list[dict]) -> dict:
    """Key-by-key sum of projected figure dicts (a key missing from a unit counts as absent, not 0)."""
    totals: dict[str, Decimal] = {}
    for part in parts:
        for path, value in _flatten(part).items():
            totals[path] = totals.get(path, Decimal(0)) + value
    out: dict = {}
    for path in source_paths() + sorted(set(totals) - set(source_paths())):
        if path in totals:
            _set(out, path, totals[path])
    return out


def _finish(figures: dict) -> dict:
    """Derived keys after summing: dossier totals over levels and the rates of checks.yaml."""
    d = figures.get("dossiers")
    if isinstance(d, dict) and isinstance(d.get("by_level"), dict):
        for key in ("resolved_total", "resolved_in_time"):
            found = [lv.get(key) for lv in d["by_level"].values() if isinstance(lv, dict) and lv.get(key) is not None]
            if found:
                d[key] = sum(found, Decimal(0))
    for base in identities().get("rates", []):
        for rule in expand(figures, base, "rate"):
            num = formdefs.to_decimal(formdefs.lookup(figures, rule["numerator"]))
            den = formdefs.to_decimal(formdefs.lookup(figures, rule["denominator"]))
            if num is not None and den is not None:
                _set(figures, rule["rate"], formdefs.rate(num, den))
    return figures


def on_cchc_map(session: Session, unit_ids: list[int]) -> dict[int, bool]:
    """{unit id: runs on cchc}; a unit without a UnitReporting row runs on cchc."""
    rows = dict(session.execute(select(UnitReporting.unit_id, UnitReporting.on_cchc).where(UnitReporting.unit_id.in_(unit_ids))).all())
    return {uid: bool(rows.get(uid, True)) for uid in unit_ids}


def reporting_units(session: Session, province: Unit, level: str | None = None, *, start: date | None = None,
                    end: date | None = None) -> list[Unit]:
    """The units that report to `province`: its direct children, or every unit of `level` under it;
    with a window [start, end], only the units that existed during it (valid_from/valid_to)."""
    query = select(Unit).order_by(Unit.code)
    if start is not None and end is not None:
        query = query.where(valid_during(start, end))
    if level:
        query = query.where(Unit.level == level, subtree_condition(province), Unit.id != province.id)
    else:
        query = query.where(Unit.parent_id == province.id)
    return list(session.scalars(query))


def unit_parts(session: Session, province: Unit, start: date, end: date, *, level: str | None = None) -> list[tuple[Unit, str, dict | None]]:
    """(unit, source, projected figures) per reporting unit; source 'cchc', 'xlsx', or 'missing'
    (a unit not on cchc without an accepted submission: its figures are None)."""
    units = reporting_units(session, province, level, start=start, end=end)
    flags = on_cchc_map(session, [u.id for u in units])
    accepted = {
        s.unit_id: s
        for s in session.scalars(
            select(Submission).where(
                Submission.unit_id.in_([u.id for u in units]), Submission.period_start == start,
                Submission.period_end == end, Submission.state == ACCEPTED, Submission.source == "xlsx",
            )
        )
    }
    full = not any(unit.id in accepted for unit in units if not flags.get(unit.id, True))
    out = []
    for unit in units:
        if flags.get(unit.id, True):
            figures = all_figures(session, unit, start, end)
            out.append((unit, "cchc", project(figures, with_dossiers=full)))
        elif unit.id in accepted:
            out.append((unit, "xlsx", decimal_tree(accepted[unit.id].figures.get("figures", {}))))
        else:
            out.append((unit, "missing", None))
    return out


def decimal_tree(tree: dict) -> dict:
    out: dict = {}
    for path, value in _flatten(tree).items():
        _set(out, path, value)
    return out


def consolidated_figures(session: Session, province: Unit, start: date, end: date, *, level: str | None = None) -> dict:
    """The province's figures as the sum of its reporting units' (see the module doc); shaped like all_figures
    for the keys the Biểu mẫu read, plus "period", "unit" and "consolidation" (which unit came from where)."""
    parts = unit_parts(session, province, start, end, level=level)
    figures = _finish(add_up([f for _, _, f in parts if f is not None]))
    figures["period"] = period_for(start, end).as_dict()
    figures["unit"] = {"code": province.code, "name": province.name, "level": province.level, "kind": province.kind}
    figures["consolidation"] = [{"unit_code": u.code, "unit_name": u.name, "source": src} for u, src, _ in parts]
    return figures


def consolidated_report(session: Session, province: Unit, period, *, level: str | None = None, report_date: date | None = None):
    """build_report of the province with the consolidated figures (checked by the report's own self-check)."""
    parts = consolidated_figures(session, province, period.start, period.end, level=level)

    def provider(s, unit, start, end):
        return parts

    return build_report(session, province, period, figures_provider=provider, trend_periods=0, report_date=report_date,
                        narrative=_sources_note(parts["consolidation"], reform.get_narratives(session, province.id, period.start, period.end)))


def _sources_note(consolidation: list[dict], texts: dict[str, str]) -> str:
    """Section II.2 opens with where the figures come from (then the province's own text, if any)."""
    groups = {"cchc": [], "xlsx": [], "missing": []}
    for c in consolidation:
        groups[c["source"]].append(c["unit_name"])
    lines = [f"Số liệu tổng hợp từ {fmt_int(len(consolidation) - len(groups['missing']))}/{fmt_int(len(consolidation))} đơn vị."]
    if groups["cchc"]:
        lines.append(f"- Tính từ Hệ thống thông tin giải quyết TTHC: {', '.join(groups['cchc'])}.")
    if groups["xlsx"]:
        lines.append(f"- Theo Biểu mẫu đơn vị gửi, đã được duyệt: {', '.join(groups['xlsx'])}.")
    if groups["missing"]:
        lines.append(f"- Chưa có báo cáo được duyệt, chưa tổng hợp: {', '.join(groups['missing'])}.")
    own = texts.get("II.2", "").strip()
    return "## II.2\n" + "\n".join(lines) + (f"\n\n{own}" if own else "") + "\n"
