"""The provincial report consolidated from its units' figures.

Each unit directly under the province (or of a chosen level) is one line:
- a unit on cchc: its figures computed from the database (its own subtree), with the dossiers and PAKN of the
  units dissolved on 30/6/2025 that it took over (their successor records, units.UnitSuccession);
- a unit not on cchc: the Biểu mẫu values of its accepted XLSX submission;
- a unit not on cchc without an accepted submission: nothing (listed as not reported).
A unit dissolved on 30/6/2025 whose data no reporting unit took over (a district and its agencies: the two-tier
reform left them no successor but the province) is a line of its own, counted from cchc.

What counts things is added up line by line, key by key (RowDef.source paths and every dossier count), so every
total of the consolidated report is exactly the sum of its lines'. Rates are recomputed from the summed numerators
and denominators (checks.yaml), never added. What counts *distinct* procedures and services is not added up: a
procedure in the competence of 99 communes is one procedure of the province. The catalogue figures (procedures in
competence, publications, interconnection, online services, procedures with fees) are the province's own, from the
catalogue; services with dossiers are counted once over the dossiers of every line on cchc (an XLSX line's services
are added, being impossible to tell apart). Rows entered by hand (Biểu mẫu 1, 2, 4–6 …) of a count or an amount are
the province's own entry when it made one, else the sum of what its units entered or sent.

A row whose source adds several keys (e.g. "bãi bỏ, thay thế") is read back from an XLSX into its first key, the
others 0: the row's value — what the report shows — stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from cchc import vn
from cchc.dossiers.models import Dossier
from cchc.feedback.models import Feedback
from cchc.periods import Window, period_for, window
from cchc.reform import forms as formdefs
from cchc.reform import service as reform
from cchc.reform.figures import reform_figures
from cchc.reform.lock import ACCEPTED
from cchc.reform.models import Submission
from cchc.reports.assembly import Block, FormTable, build_report
from cchc.reports.checks import check_report, expand, identities
from cchc.stats.catalogue import catalogue_figures
from cchc.stats.dossiers import dossier_figures, received_condition, relevance_condition
from cchc.stats.online import DossierPasses, ask_online, digitisation_figures, feedback_figures, services_and_dossiers
from cchc.submissions.models import UnitReporting
from cchc.tasks.stats import task_figures
from cchc.units.models import Unit, UnitSuccession
from cchc.units.scope import subtree_condition, valid_during
from cchc.vn import fmt_int

# Figures that count distinct procedures or services: the province's own, never a sum of its units'.
DISTINCT = ("catalogue.", "online.full_online.", "online.fee_procedures.", "online.services_with_dossiers.")
# What a dissolved unit's dossiers and PAKN count, carried over to its successor's line.
RECEIVED = ("dossiers.", "online.", "digitisation.", "feedback.")
# Kinds of a row entered by hand that add up over units (a flag, a choice or a rate does not).
ADDITIVE_KINDS = ("count", "money")
NAMED_AT_MOST = 5  # units named in the sentence; more are left to the appendix table
SOURCE_LABELS = {
    "cchc": "Tính từ Hệ thống thông tin giải quyết TTHC",
    "xlsx": "Biểu mẫu đơn vị gửi, đã được duyệt",
    "missing": "Chưa có báo cáo được duyệt, chưa tổng hợp",
}


def source_paths() -> list[str]:
    """Every dotted figure path a Biểu mẫu row reads, in form order, without repeats."""
    seen: dict[str, None] = {}
    for form in formdefs.load_forms():
        for row in form.rows:
            for path in row.source or ():
                seen.setdefault(path, None)
    return list(seen)


def additive(path: str) -> bool:
    return not path.startswith(DISTINCT)


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


def _subtract(whole: dict, parts: list[dict]) -> dict:
    """Key-by-key difference: what `whole` counts beyond the parts it contains."""
    flat = _flatten(whole)
    for part in parts:
        for path, value in _flatten(part).items():
            flat[path] = flat.get(path, Decimal(0)) - value
    out: dict = {}
    for path, value in flat.items():
        _set(out, path, value)
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


# --- the figures of one line ---------------------------------------------------------------------

def unit_figures(session: Session, unit: Unit, w: Window) -> tuple[dict, list]:
    """What a line adds up, for `unit` and everything under it — the keys of all_figures the consolidation reads
    (dossiers, the online and digitisation counts, PAKN, the registers and tasks; not the catalogue, the 766 index
    or the ratings) — and its new dossiers grouped by procedure, for the services counted once over all lines."""
    passes = DossierPasses(session, unit, w)
    ask_online(passes)
    groups = passes.rows("new")
    figures = {
        "dossiers": dossier_figures(session, unit, w.start, w.end),
        "online": services_and_dossiers(session, unit, w, groups),
        "digitisation": digitisation_figures(session, unit, w.start, w.end, groups=groups, passes=passes),
        "feedback": feedback_figures(session, unit, w.start, w.end),
        **reform_figures(session, unit, w.start, w.end),
        "tasks": task_figures(session, unit, w.start, w.end),
    }
    return figures, groups


@dataclass
class Line:
    """One line of the consolidation (see the module doc). `source`: cchc, xlsx or missing; `dissolved`: a unit
    dissolved on 30/6/2025 with no successor among the reporting units; `merged`: the dissolved units whose
    dossiers and PAKN count in this line."""

    unit: Unit
    source: str
    figures: dict | None
    submission: Submission | None = None
    dissolved: bool = False
    merged: list[Unit] = field(default_factory=list)

    @property
    def name(self) -> str:
        if self.dissolved:
            return f"{self.unit.name} (kết thúc hoạt động từ {vn.fmt_date(self.unit.valid_to + timedelta(days=1))})"
        return self.unit.name


def _taken_over(session: Session, province: Unit) -> list[Unit]:
    """The units `province` took over (the provinces merged into it on 1/7/2025)."""
    return list(session.scalars(select(Unit).join(UnitSuccession, UnitSuccession.old_unit_id == Unit.id)
                                .where(UnitSuccession.new_unit_id == province.id).order_by(Unit.code)))


def _owners(session: Session, roots: list[Unit], w: Window) -> list[Unit]:
    """The units under `roots` that received dossiers counted in the window or PAKN received or answered in it."""
    if not roots:
        return []
    inside = select(Unit.id).where(or_(*[subtree_condition(r) for r in roots]))
    by_dossiers = select(Dossier.unit_id).where(Dossier.unit_id.in_(inside), received_condition(),
                                                relevance_condition(w)).distinct()
    by_feedback = select(Feedback.unit_id).where(Feedback.unit_id.in_(inside), or_(
        and_(Feedback.received_at >= w.begin, Feedback.received_at < w.stop),
        and_(Feedback.answered_at >= w.begin, Feedback.answered_at < w.stop))).distinct()
    ids = set(session.scalars(by_dossiers)) | set(session.scalars(by_feedback))
    return list(session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.path))) if ids else []


def _path_ids(unit: Unit) -> list[int]:
    return [int(x) for x in (unit.path or "").strip("/").split("/") if x]


def _successor_of(session: Session, owners: list[Unit], roots: list[Unit]) -> dict[int, tuple[Unit, Unit] | None]:
    """{owner id: (the dissolved unit at or above it that has a successor, that successor)} — the nearest such unit,
    its whole successor before a partial one, then by code; None when only the province took it over."""
    root_ids = {r.id for r in roots}
    chains = {o.id: [i for i in reversed(_path_ids(o)) if i not in root_ids] for o in owners}
    ids = {i for chain in chains.values() for i in chain}
    links: dict[int, list[tuple[bool, str, Unit]]] = {}
    if ids:
        rows = session.execute(select(UnitSuccession.old_unit_id, UnitSuccession.partial, Unit)
                               .join(Unit, Unit.id == UnitSuccession.new_unit_id)
                               .where(UnitSuccession.old_unit_id.in_(ids)))
        for old_id, partial, new in rows:
            links.setdefault(old_id, []).append((bool(partial), new.code, new))
    out: dict[int, tuple[Unit, Unit] | None] = {}
    for owner_id, chain in chains.items():
        old_id = next((i for i in chain if i in links), None)
        out[owner_id] = None if old_id is None else (session.get(Unit, old_id), min(links[old_id], key=lambda link: link[:2])[2])
    return out


def _dissolved_parts(session: Session, province: Unit, lines: list[Line], w: Window, level: str | None,
                     with_dossiers: bool) -> tuple[list[Line], list]:
    """Add the dossiers and PAKN of the units dissolved on 30/6/2025 to the lines of their successors; the lines of
    those whose successor is the province alone (a district and its agencies); the new dossiers' groups of both."""
    roots = _taken_over(session, province)
    owners = _owners(session, roots, w)
    if not owners:
        return [], []
    successor = _successor_of(session, owners, roots)
    whole: dict[int, dict] = {}
    groups: list = []
    for owner in owners:
        figures, owner_groups = unit_figures(session, owner, w)
        # what their dossiers and PAKN count (over the subtree, so nested owners subtract); not their registers
        whole[owner.id] = decimal_tree({p: v for p, v in _flatten(project(figures, with_dossiers=with_dossiers)).items()
                                        if p.startswith(RECEIVED)})
        groups += owner_groups
    own: dict[int, dict] = {}
    for owner in owners:  # what the owner received itself: its subtree less the owners nearest under it
        under = [o for o in owners if o.id != owner.id and o.path.startswith(owner.path)]
        nearest = [o for o in under if not any(p.id != o.id and o.path.startswith(p.path) for p in under)]
        own[owner.id] = _subtract(whole[owner.id], [whole[o.id] for o in nearest]) if nearest else whole[owner.id]
    by_unit = {line.unit.id: line for line in lines}
    extra: dict[int, Line] = {}
    for owner in owners:
        taken = successor[owner.id]
        if taken is not None:
            old, new = taken
            line = next((ln for ln in lines if new.path.startswith(ln.unit.path)), None)
            if line is None or line.source != "cchc":
                continue  # outside the units consolidated, or the successor reports its territory itself
            if old not in line.merged:
                line.merged.append(old)
        else:
            top_id = next(i for i in _path_ids(owner) if i not in {r.id for r in roots})
            if level and session.get(Unit, top_id).level != level:
                continue
            line = extra.get(top_id) or by_unit.get(top_id)
            if line is None:
                line = extra[top_id] = Line(session.get(Unit, top_id), "cchc", {}, dissolved=True)
        line.figures = add_up([line.figures or {}, own[owner.id]])
    return sorted(extra.values(), key=lambda ln: ln.unit.code), groups


def unit_lines(session: Session, province: Unit, start: date, end: date, *, level: str | None = None) -> tuple[list[Line], list]:
    """The lines of the consolidation (see the module doc) and the new dossiers of the lines on cchc grouped by
    procedure (to count the services with dossiers once)."""
    w = window(start, end)
    units = reporting_units(session, province, level, start=start, end=end)
    ids = [u.id for u in units]
    flags = on_cchc_map(session, ids)
    submissions = {s.unit_id: s for s in session.scalars(select(Submission).where(
        Submission.unit_id.in_(ids), Submission.period_start == start, Submission.period_end == end))}
    accepted = {uid: s for uid, s in submissions.items() if s.state == ACCEPTED and s.source == "xlsx"}
    full = not any(u.id in accepted for u in units if not flags.get(u.id, True))
    lines: list[Line] = []
    groups: list = []
    for unit in units:
        sub = submissions.get(unit.id)
        if flags.get(unit.id, True):
            figures, unit_groups = unit_figures(session, unit, w)
            groups += unit_groups
            lines.append(Line(unit, "cchc", project(figures, with_dossiers=full), sub))
        elif unit.id in accepted:
            lines.append(Line(unit, "xlsx", decimal_tree(accepted[unit.id].figures.get("figures", {})), sub))
        else:
            lines.append(Line(unit, "missing", None, sub))
    extra, old_groups = _dissolved_parts(session, province, lines, w, level, full)
    return lines + extra, groups + old_groups


def unit_parts(session: Session, province: Unit, start: date, end: date, *, level: str | None = None) -> list[tuple[Unit, str, dict | None]]:
    """(unit, source, projected figures) per line; source 'cchc', 'xlsx', or 'missing' (a unit not on cchc
    without an accepted submission: its figures are None)."""
    return [(line.unit, line.source, line.figures) for line in unit_lines(session, province, start, end, level=level)[0]]


def decimal_tree(tree: dict) -> dict:
    out: dict = {}
    for path, value in _flatten(tree).items():
        _set(out, path, value)
    return out


# --- the province's figures ----------------------------------------------------------------------

def _pair(total, part, total_key: str, part_key: str) -> dict:
    return {total_key: Decimal(int(total or 0)), part_key: Decimal(int(part or 0))}


def distinct_figures(session: Session, province: Unit, start: date, end: date, lines: list[Line], groups: list,
                     level: str | None = None) -> dict:
    """The figures that count distinct procedures and services (see the module doc), shaped like all_figures."""
    catalogue = catalogue_figures(session, province, start, end)
    if level:  # the procedures of that level only
        catalogue["procedures_total"] = catalogue["by_level"].get(level, 0)
        catalogue["by_level"] = {lv: (n if lv == level else 0) for lv, n in catalogue["by_level"].items()}
    services = services_and_dossiers(session, province, window(start, end), groups)["services_with_dossiers"]
    sent = [line.figures for line in lines if line.source == "xlsx" and line.figures]
    with_any = services["with_any"] + sum(int(formdefs.lookup(f, "online.services_with_dossiers.with_any") or 0) for f in sent)
    with_online = services["with_online"] + sum(
        int(formdefs.lookup(f, "online.services_with_dossiers.with_online") or 0) for f in sent)
    return {
        "catalogue": catalogue,
        "online": {
            "full_online": _pair(catalogue["online"]["eligible_full_online"],
                                 catalogue["online"]["eligible_full_online_provided"], "eligible", "provided"),
            "fee_procedures": _pair(catalogue["fees"]["with_fee"], catalogue["fees"]["online_integrated"],
                                    "with_fee", "integrated"),
            "services_with_dossiers": _pair(with_any, with_online, "with_any", "with_online"),
        },
    }


def _status(line: Line) -> str:
    """What the appendix table says of a line beside its figures: its report's state, whom it took over."""
    sub = line.submission
    state = sub.state if sub is not None else ""
    if line.source == "xlsx":
        said = f"Duyệt ngày {vn.fmt_date(sub.decided_at.date())}" if sub is not None and sub.decided_at else ""
    elif line.source == "missing":
        said = {"submitted": "Đã gửi, chưa duyệt", "returned": "Bị trả lại"}.get(state, "Chưa gửi")
    else:
        said = {"submitted": "Đã gửi báo cáo", "accepted": "Báo cáo đã được duyệt", "returned": "Báo cáo bị trả lại"}.get(state, "")
    if line.merged:  # the units dissolved on 30/6/2025 it took over (the section's sentence says so)
        taken = "gồm số liệu của " + ", ".join(u.name for u in line.merged)
        said = f"{said}; {taken}" if said else taken[:1].upper() + taken[1:]
    return said


def consolidated_figures(session: Session, province: Unit, start: date, end: date, *, level: str | None = None) -> dict:
    """The province's figures as the sum of its lines' (see the module doc); shaped like all_figures for the keys
    the Biểu mẫu read, plus "period", "unit" and "consolidation" (each line: where its figures came from)."""
    lines, groups = unit_lines(session, province, start, end, level=level)
    parts = [{p: v for p, v in _flatten(line.figures).items() if additive(p)} for line in lines if line.figures]
    figures = add_up([decimal_tree(p) for p in parts])
    for key, value in distinct_figures(session, province, start, end, lines, groups, level).items():
        figures.setdefault(key, {}).update(value)
    figures = _finish(figures)
    figures["period"] = period_for(start, end).as_dict()
    figures["unit"] = {"code": province.code, "name": province.name, "level": province.level, "kind": province.kind}
    figures["consolidation"] = [
        {"unit_id": line.unit.id, "unit_code": line.unit.code, "unit_name": line.name, "source": line.source,
         "status": _status(line),
         "dissolved": line.dissolved, "merged": [{"unit_code": u.code, "unit_name": u.name, "valid_to": to_json(u.valid_to)} for u in line.merged],
         "resolved_total": to_json(formdefs.lookup(line.figures or {}, "dossiers.resolved_total")
                                   if formdefs.lookup(line.figures or {}, "dossiers.resolved_total") is not None
                                   else _resolved_by_level(line.figures)) if line.figures else None}
        for line in lines
    ]
    return figures


def _resolved_by_level(figures: dict | None) -> Decimal | None:
    found = [formdefs.to_decimal(formdefs.lookup(figures or {}, f"dossiers.by_level.{lv}.resolved_total"))
             for lv in ("tinh", "huyen", "xa")]
    found = [v for v in found if v is not None]
    return sum(found, Decimal(0)) if found else None


# --- rows entered by hand ---------------------------------------------------------------------------

def entered_values(session: Session, province: Unit, start: date, end: date, lines: list[dict]) -> tuple[dict, dict]:
    """({form: {stt: value}}, {form: {stt: note}}) of the rows entered by hand: the province's own entry where it
    made one, else — for a count or an amount — the sum of what its lines entered (on cchc) or sent (XLSX)."""
    own = reform.manual_values(session, province.id, start, end)
    sums: dict[int, dict[str, Decimal]] = {}
    counted: dict[int, dict[str, int]] = {}
    subs = {s.unit_id: s for s in session.scalars(select(Submission).where(
        Submission.unit_id.in_([c["unit_id"] for c in lines]), Submission.period_start == start,
        Submission.period_end == end, Submission.state == ACCEPTED, Submission.source == "xlsx"))}
    for c in lines:
        if c["source"] == "missing" or c["dissolved"]:
            continue
        if c["source"] == "xlsx":
            sent = (subs[c["unit_id"]].figures or {}).get("forms", {}) if c["unit_id"] in subs else {}
            values = {int(k): {stt: formdefs.to_decimal(v) for stt, v in rows.items()} for k, rows in sent.items()}
        else:
            values = reform.manual_values(session, c["unit_id"], start, end)
        for form in formdefs.load_forms():
            for row in form.rows:
                if not row.manual or row.kind not in ADDITIVE_KINDS:
                    continue
                value = (values.get(form.number) or {}).get(row.stt)
                if value is not None:
                    sums.setdefault(form.number, {})[row.stt] = sums.get(form.number, {}).get(row.stt, Decimal(0)) + value
                    counted.setdefault(form.number, {})[row.stt] = counted.get(form.number, {}).get(row.stt, 0) + 1
    values = {n: dict(rows) for n, rows in sums.items()}
    notes: dict[int, dict[str, str]] = {}
    for number, rows in sums.items():
        for stt in rows:
            if (own.get(number) or {}).get(stt) is None:
                notes.setdefault(number, {})[stt] = f"Cộng số liệu của {fmt_int(counted[number][stt])} đơn vị"
    for number, rows in own.items():
        values.setdefault(number, {}).update({stt: v for stt, v in rows.items() if v is not None})
        for stt in rows:
            (notes.get(number) or {}).pop(stt, None)
    return values, notes


# --- the report ---------------------------------------------------------------------------------

def consolidated_report(session: Session, province: Unit, period, *, level: str | None = None, report_date: date | None = None):
    """build_report of the province with the consolidated figures, the rows entered by hand added up, the
    sentence on where the figures come from and the table of the lines (checked by the report's own self-check)."""
    figures = consolidated_figures(session, province, period.start, period.end, level=level)
    manual, notes = entered_values(session, province, period.start, period.end, figures["consolidation"])

    def provider(s, unit, start, end):
        return figures

    report = build_report(session, province, period, figures_provider=provider, trend_periods=0,
                          report_date=report_date, manual=manual, manual_notes=notes)
    number = max((t.form.number for t in report.tables), default=0) + 1
    table = lines_table(figures, number)
    report.tables.append(table)
    _sources_blocks(report, figures["consolidation"], table.form.name)
    check_report(report)
    return report


GROUPS = (  # the lines of the appendix table, by where their figures come from
    ("cchc", "Đơn vị có số liệu tính từ Hệ thống thông tin giải quyết TTHC"),
    ("xlsx", "Đơn vị gửi Biểu mẫu, đã được duyệt"),
    ("missing", "Đơn vị chưa có báo cáo được duyệt, chưa tổng hợp"),
    ("dissolved", "Đơn vị kết thúc hoạt động, không có đơn vị kế thừa báo cáo (tính riêng)"),
)


def _group(c: dict) -> str:
    return "dissolved" if c["dissolved"] else c["source"]


def lines_table(figures: dict, number: int) -> FormTable:
    """The appendix table of the lines: how many units, by where their figures come from, then each unit with the
    dossiers it resolved in the period, its report's state and the dissolved units it took over (the names a
    sentence could not hold)."""
    lines = figures["consolidation"]
    groups = [(key, title, [c for c in lines if _group(c) == key]) for key, title in GROUPS]
    groups = [g for g in groups if g[2]]
    counts = [(f"1.{i}", title, len(members)) for i, (_, title, members) in enumerate(groups, start=1)]
    rows = [formdefs.RowDef("1", "Số đơn vị báo cáo", "count", "Đơn vị", source=("_lines.total",),
                            parts=tuple(stt for stt, _, _ in counts), sum=True)]
    values: dict = {"_lines": {"total": Decimal(len(lines))}}
    notes: dict[str, str] = {}
    for stt, title, n in counts:
        key = "n" + stt.replace(".", "_")  # a dotted path reads one key per dot
        rows.append(formdefs.RowDef(stt, title, "count", "Đơn vị", source=(f"_lines.{key}",)))
        values["_lines"][key] = Decimal(n)
    for g, (key, title, members) in enumerate(groups, start=2):
        rows.append(formdefs.RowDef(str(g), f"{title}: số hồ sơ TTHC đã giải quyết trong kỳ", "heading"))
        for i, c in enumerate(members, start=1):
            stt = f"{g}.{i}"
            key = "u" + stt.replace(".", "_")
            rows.append(formdefs.RowDef(stt, c["unit_name"], "count", "Hồ sơ", source=(f"_lines.{key}",)))
            resolved = formdefs.to_decimal(c.get("resolved_total"))
            if resolved is not None:
                values["_lines"][key] = resolved
            if c["status"]:
                notes[stt] = c["status"]
    form = formdefs.FormDef(number=number, title="Các đơn vị báo cáo và số liệu được tổng hợp", section="II.2", rows=tuple(rows))
    return FormTable(form=form, values=formdefs.compute_values(form, values, {}), notes=notes)


def _sources_blocks(report, lines: list[dict], table_name: str) -> None:
    """Where the figures come from, first in the section of the dossier figures: how many units, by source; the
    units not reported named when they are few (the appendix table lists them all)."""
    key = next((s["key"] for s in formdefs.report_layout()["sections"] if s.get("figures") == "dossiers"), None)
    section = next((s for s in report.sections if s.key == key), None)
    if section is None:
        return
    reporting = [c for c in lines if not c["dissolved"]]
    groups = {k: [c for c in reporting if c["source"] == k] for k in SOURCE_LABELS}
    counted = len(reporting) - len(groups["missing"])
    parts = [f"tính từ Hệ thống thông tin giải quyết TTHC: {fmt_int(len(groups['cchc']))} đơn vị"]
    if groups["xlsx"]:
        parts.append(f"theo Biểu mẫu đơn vị gửi, đã được duyệt: {fmt_int(len(groups['xlsx']))} đơn vị")
    blocks = [Block("para", f"Số liệu tổng hợp từ {fmt_int(counted)}/{fmt_int(len(reporting))} đơn vị ({'; '.join(parts)}); "
                            f"danh sách các đơn vị tại {table_name} kèm theo.")]
    ends = {date.fromisoformat(m["valid_to"]) + timedelta(days=1) for c in lines for m in c["merged"] if m["valid_to"]}
    alone = [c for c in lines if c["dissolved"]]
    if ends:
        since = f" từ ngày {vn.fmt_date(ends.pop())}" if len(ends) == 1 else ""
        blocks.append(Block("bullet", (
            f"Hồ sơ và phản ánh, kiến nghị của các đơn vị kết thúc hoạt động{since} được tính vào đơn vị kế thừa "
            f"({table_name}, cột Ghi chú).")))
    if alone:
        names = ", ".join(c["unit_name"] for c in alone) if len(alone) <= NAMED_AT_MOST else f"{fmt_int(len(alone))} đơn vị"
        blocks.append(Block("bullet", (
            f"Hồ sơ, phản ánh, kiến nghị của đơn vị kết thúc hoạt động mà không đơn vị báo cáo nào kế thừa được tính riêng "
            f"từng đơn vị: {names} ({table_name}).")))
    missing = groups["missing"]
    if missing:
        named = ", ".join(c["unit_name"] for c in missing) if len(missing) <= NAMED_AT_MOST else \
            f"{fmt_int(len(missing))} đơn vị ({table_name})"
        blocks.append(Block("bullet", f"{SOURCE_LABELS['missing']}: {named}."))
    section.blocks[0:0] = blocks
