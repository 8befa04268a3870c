"""Biểu mẫu 1–7 of the CCHC report and the report's layout, read from the YAML files in cchc/data/forms.

They are the definitions of what a unit reports, so they sit in reform, below the figures and narratives
entered against them (cchc.reform.service) and below the report that assembles them (cchc.reports).

A form is a list of rows (chỉ tiêu). A row is either a heading, a figure the system computes
(`source`: a dotted path into `cchc.reports.figures.all_figures`), a figure an officer enters
(`manual: true`) or a rate (`rate_of: [numerator, denominator]`) derived from two other rows.
`parts` ties a total to its parts (each part ≤ the total; with `sum: true` the parts add up
to it; `also_sum_of` names a second group that must add up to it as well).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import yaml

from cchc import config, vn
from cchc.errors import CchcError

FORMS_DIR = config.DATA_DIR / "forms"
KINDS = ("heading", "count", "percent", "flag", "choice", "money")
FLAG_CHOICES = {0: "Không", 1: "Có"}


@dataclass(frozen=True)
class RowDef:
    stt: str
    label: str
    kind: str
    unit: str = ""
    source: tuple[str, ...] | None = None  # dotted paths into all_figures; several are added up
    manual: bool = False
    parts: tuple[str, ...] = ()
    sum: bool = False
    also_sum_of: tuple[str, ...] = ()
    rate_of: tuple[str, str] | None = None
    choices: dict[int, str] = field(default_factory=dict)
    note: str = ""
    sentence: str = ""
    zero: str = ""
    max: Decimal | None = Decimal(100)

    @property
    def is_heading(self) -> bool:
        return self.kind == "heading"

    @property
    def computed(self) -> bool:
        """Filled by the system (never typed): a `source` row."""
        return self.source is not None


@dataclass(frozen=True)
class FormDef:
    number: int
    title: str
    section: str
    rows: tuple[RowDef, ...]

    @property
    def name(self) -> str:
        return f"Biểu mẫu {self.number}"

    def row(self, stt: str) -> RowDef:
        for r in self.rows:
            if r.stt == stt:
                return r
        raise KeyError(stt)

    def has(self, stt: str) -> bool:
        return any(r.stt == stt for r in self.rows)


class FormDefinitionError(CchcError):
    """A form file is wrong: a bug in the data shipped or edited by an administrator."""


def _row(number: int, raw: dict) -> RowDef:
    where = f"Biểu mẫu {number}, STT {raw.get('stt')}"
    kind = raw.get("kind") or ("heading" if not (raw.get("source") or raw.get("manual") or raw.get("rate_of")) else "count")
    if kind not in KINDS:
        raise FormDefinitionError(f"{where}: loại «{kind}» không hợp lệ (dùng {', '.join(KINDS)}).")
    source, manual, rate_of = raw.get("source"), bool(raw.get("manual")), raw.get("rate_of")
    if kind != "heading" and not (source or manual or rate_of):
        raise FormDefinitionError(f"{where}: cần `source`, `manual: true` hoặc `rate_of`.")
    if source and manual:
        raise FormDefinitionError(f"{where}: không thể vừa `source` vừa `manual`.")
    if rate_of is not None and kind != "percent":
        raise FormDefinitionError(f"{where}: dòng có `rate_of` phải có `kind: percent`.")
    if rate_of is not None and len(rate_of) != 2:
        raise FormDefinitionError(f"{where}: `rate_of` cần đúng hai STT [tử số, mẫu số].")
    choices = {int(k): str(v) for k, v in (raw.get("choices") or {}).items()}
    if kind == "flag" and not choices:
        choices = dict(FLAG_CHOICES)
    if kind == "choice" and not choices:
        raise FormDefinitionError(f"{where}: loại `choice` cần danh sách `choices`.")
    mx = raw.get("max", 100)
    return RowDef(
        stt=str(raw["stt"]),
        label=str(raw["label"]).strip(),
        kind=kind,
        unit=str(raw.get("unit") or ""),
        source=(tuple(source) if isinstance(source, list) else (str(source),)) if source else None,
        manual=manual,
        parts=tuple(str(p) for p in raw.get("parts") or ()),
        sum=bool(raw.get("sum")),
        also_sum_of=tuple(str(p) for p in raw.get("also_sum_of") or ()),
        rate_of=(str(rate_of[0]), str(rate_of[1])) if rate_of else None,
        choices=choices,
        note=str(raw.get("note") or ""),
        sentence=str(raw.get("sentence") or ""),
        zero=str(raw.get("zero") or ""),
        max=None if mx is None else Decimal(str(mx)),
    )


def load_form(path: Path) -> FormDef:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    number = int(data["number"])
    rows = tuple(_row(number, r) for r in data["rows"])
    form = FormDef(number=number, title=str(data["title"]), section=str(data.get("section", "")), rows=rows)
    stts = [r.stt for r in rows]
    if len(set(stts)) != len(stts):
        raise FormDefinitionError(f"Biểu mẫu {number}: STT bị trùng.")
    for r in rows:
        for ref in (*r.parts, *r.also_sum_of, *(r.rate_of or ())):
            if ref not in stts:
                raise FormDefinitionError(f"Biểu mẫu {number}, STT {r.stt}: tham chiếu STT «{ref}» không có trong biểu.")
    return form


@lru_cache(maxsize=4)
def _load_all(directory: str) -> tuple[FormDef, ...]:
    files = sorted(Path(directory).glob("bieu_mau_*.yaml"), key=lambda p: int(re.sub(r"\D", "", p.stem) or 0))
    return tuple(load_form(p) for p in files)


def load_forms(directory: Path | None = None) -> tuple[FormDef, ...]:
    """Biểu mẫu 1–7 in order."""
    return _load_all(str(directory or FORMS_DIR))


def get_form(number: int) -> FormDef:
    for f in load_forms():
        if f.number == number:
            return f
    raise KeyError(number)


@lru_cache(maxsize=1)
def report_layout() -> dict:
    """Sections, titles and default texts of the report (cchc/data/forms/report.yaml)."""
    return yaml.safe_load((FORMS_DIR / "report.yaml").read_text(encoding="utf-8"))


# --- values -------------------------------------------------------------------------------

def lookup(figures: dict, path: str):
    """'dossiers.by_level.tinh.resolved_total' → the number, or None when any key is missing."""
    node = figures
    for key in path.split("."):
        if isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return None
    return node


def to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def rate(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator / denominator × 100, rounded to 2 places; None when the denominator is 0 or missing."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return (numerator * 100 / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def compute_values(form: FormDef, figures: dict, manual: dict[str, Decimal | None]) -> dict[str, Decimal | None]:
    """Every row's value: computed rows from `figures`, manual rows from `manual`, rates derived.

    A rate whose two rows are both known is always derived from them; a rate whose rows are
    unknown keeps a value entered by hand (an officer may know only the rate).
    """
    values: dict[str, Decimal | None] = {}
    for r in form.rows:
        if r.is_heading:
            values[r.stt] = None
        elif r.source:
            found = [to_decimal(lookup(figures, path)) for path in r.source]
            values[r.stt] = None if any(v is None for v in found) else sum(found, Decimal(0))
        else:
            values[r.stt] = to_decimal(manual.get(r.stt))
    for r in form.rows:
        if r.rate_of:
            num, den = values.get(r.rate_of[0]), values.get(r.rate_of[1])
            if num is not None and den is not None:
                values[r.stt] = rate(num, den)
    return values


def problems(form: FormDef, values: dict[str, Decimal | None]) -> list[tuple[str, str]]:
    """(stt, Vietnamese message) for every total that its parts break and every wrong rate."""
    found: list[tuple[str, str]] = []
    for r in form.rows:
        whole = values.get(r.stt)
        if r.parts and whole is not None:
            known = [(p, values.get(p)) for p in r.parts]
            for p, v in known:
                if v is not None and v > whole:
                    found.append((p, f"STT {p} ({fmt(form.row(p), v)}) lớn hơn tổng của nó ở STT {r.stt} ({fmt(r, whole)})."))
            if r.sum and all(v is not None for _, v in known):
                total = sum(v for _, v in known)
                if total != whole:
                    found.append((r.stt, f"STT {r.stt} ({fmt(r, whole)}) khác tổng các STT {', '.join(r.parts)} ({fmt(r, total)})."))
        if r.also_sum_of and whole is not None:
            group = [values.get(p) for p in r.also_sum_of]
            if all(v is not None for v in group) and sum(group) != whole:
                found.append((r.stt, f"STT {r.stt} ({fmt(r, whole)}) khác tổng các STT {', '.join(r.also_sum_of)} ({fmt(r, sum(group))})."))
        if r.rate_of:
            num, den = values.get(r.rate_of[0]), values.get(r.rate_of[1])
            if num is not None and den is not None and whole is not None:
                expected = rate(num, den)
                if expected is None or abs(expected - whole) > Decimal("0.01"):
                    found.append((r.stt, f"Tỷ lệ ở STT {r.stt} ({fmt(r, whole)}) phải bằng STT {r.rate_of[0]} / STT {r.rate_of[1]} × 100 ({fmt(r, expected)})."))
    return found


def fmt(row: RowDef, value: Decimal | None) -> str:
    """A value as a person reads it: 184.027 · 99,76% · 21.985.346.717 · 'Có'."""
    if value is None:
        return ""
    if row.kind == "percent":
        return vn.fmt_percent(value)
    if row.kind == "money":
        return vn.fmt_decimal(value, 0) if value == value.to_integral_value() else vn.fmt_decimal(value, 2)
    if row.kind in ("flag", "choice"):
        return str(int(value))
    return vn.fmt_int(int(value))


def choice_label(row: RowDef, value: Decimal | None) -> str:
    if value is None:
        return ""
    return row.choices.get(int(value), str(int(value)))


_NUMBER = re.compile(r"^-?[\d.,\s]+$")


def parse_number(raw) -> Decimal:
    """A number as officers type it: 17 · 1.081 · 21.985.346.717 · 99,76 · 99.76 · '99,76%'.

    Raises ValueError with a Vietnamese reason.
    """
    if isinstance(raw, bool):
        raise ValueError(f"«{raw}» không phải là số")
    if isinstance(raw, (int, float, Decimal)):
        return Decimal(str(raw))
    text = str(raw).strip().replace("\u00a0", " ").rstrip("%").strip()
    if not text or not _NUMBER.match(text):
        raise ValueError(f"«{raw}» không phải là số")
    text = text.replace(" ", "")
    if "," in text:  # Vietnamese: '.' thousands, ',' decimals
        text = text.replace(".", "").replace(",", ".")
    elif text.count(".") > 1 or re.match(r"^-?\d{1,3}(\.\d{3})+$", text):
        text = text.replace(".", "")  # 1.081 / 21.985.346.717: thousands separators
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"«{raw}» không phải là số") from None


def parse_entry(row: RowDef, raw) -> Decimal | None:
    """Validate what an officer typed for `row`: None when blank; ValueError (Vietnamese) when wrong."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if row.is_heading:
        raise ValueError("dòng tiêu đề nhóm, không nhập số liệu")
    value = parse_number(raw)
    if row.kind == "percent":
        if value < 0 or (row.max is not None and value > row.max):
            limit = f"0 đến {fmt_plain(row.max)}" if row.max is not None else "không âm"
            raise ValueError(f"tỷ lệ phải từ {limit} (nhập {fmt_plain(value)})" if row.max is not None else f"tỷ lệ phải không âm (nhập {fmt_plain(value)})")
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if row.kind == "count":
        if value < 0 or value != value.to_integral_value():
            raise ValueError(f"phải là số nguyên không âm (nhập {fmt_plain(value)})")
        return value.quantize(Decimal(1))
    if row.kind == "money":
        if value < 0:
            raise ValueError(f"số tiền không được âm (nhập {fmt_plain(value)})")
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))
    # flag / choice
    if value != value.to_integral_value() or int(value) not in row.choices:
        allowed = "; ".join(f"{k} = {v}" for k, v in sorted(row.choices.items()))
        raise ValueError(f"chỉ nhận {allowed} (nhập {fmt_plain(value)})")
    return Decimal(int(value))


def fmt_plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value == value.to_integral_value():
        return vn.fmt_int(int(value))
    return vn.fmt_decimal(value, 2)


# --- the satisfaction Biểu mẫu, built from the figures ------------------------------------------

SATISFACTION_TITLE = "Kết quả đánh giá mức độ hài lòng của người dân, tổ chức trong giải quyết TTHC"
_SAT = "satisfaction"


def satisfaction_form(figures: dict, number: int, section: str = "") -> FormDef | None:
    """The Biểu mẫu of the citizens' ratings (TT 01/2018/TT-VPCP Điều 13) for `figures["satisfaction"]`
    (cchc.stats.satisfaction): the sample and its levels, the satisfied rate, the points, then each
    criterion, level, channel, way of rating and receiving unit with ratings. Every row is a `source`
    path into the figures, so compute_values fills it and problems() checks the sample against its
    levels and the rates against their rows. None when there are no ratings (nothing to tabulate)."""
    sat = figures.get(_SAT) if isinstance(figures, dict) else None
    if not isinstance(sat, dict) or not sat.get("ratings"):
        return None
    p = f"{_SAT}."

    def row(stt, label, kind, unit="", source=None, **kw) -> RowDef:
        src = None if source is None else (tuple(p + s for s in source) if isinstance(source, tuple) else (p + source,))
        return RowDef(stt=stt, label=label, kind=kind, unit=unit, source=src, **kw)

    def sample_note(group: dict) -> str:
        return f"{vn.fmt_int(group.get('satisfied_total'))}/{vn.fmt_int(group.get('ratings'))} phiếu hài lòng"

    rows = [
        row("1", "Số phiếu đánh giá việc giải quyết TTHC trong kỳ", "count", "Phiếu", "ratings",
            parts=("1.1", "1.2", "1.3"), sum=True),
        row("1.1", "Rất hài lòng", "count", "Phiếu", "very_satisfied"),
        row("1.2", "Hài lòng", "count", "Phiếu", "satisfied"),
        row("1.3", "Không hài lòng", "count", "Phiếu", "not_satisfied"),
        # a rate, then its denominator, then its numerator, as Biểu mẫu 3 lays out 3.1, 3.1.1, 3.1.2
        RowDef(stt="2", label="Tỷ lệ hài lòng (hài lòng và rất hài lòng)", kind="percent", unit="%", rate_of=("2.2", "2.1")),
        row("2.1", "Tổng số phiếu đánh giá", "count", "Phiếu", "ratings", parts=("2.2",)),
        row("2.2", "Số phiếu hài lòng và rất hài lòng", "count", "Phiếu", ("very_satisfied", "satisfied")),
        RowDef(stt="3", label="Tỷ lệ điểm đạt được trên điểm tối đa của các tiêu chí được chấm", kind="percent", unit="%",
               rate_of=("3.2", "3.1")),
        row("3.1", "Tổng điểm tối đa của các tiêu chí được chấm", "count", "Điểm", "max_points", parts=("3.2",)),
        row("3.2", "Tổng điểm đạt được", "count", "Điểm", "points"),
        RowDef(stt="4", label="Theo tiêu chí (tỷ lệ điểm đạt được trên điểm tối đa)", kind="heading"),
    ]
    k = 0
    for key, c in (sat.get("criteria") or {}).items():
        if c.get("rated"):
            k += 1
            rows.append(row(f"4.{k}", f"Tiêu chí {c['number']}: {c['name']}", "percent", "%", f"criteria.{key}.rate",
                            note=f"{vn.fmt_int(c['rated'])} phiếu; bình quân {vn.fmt_decimal(c['average'], 2)}/2"))
    groups = (
        ("Theo cấp tiếp nhận hồ sơ", "by_level", {"tinh": "Cấp tỉnh", "huyen": "Cấp huyện", "xa": "Cấp xã"}),
        ("Theo kênh nộp hồ sơ", "by_channel", {"truc_tiep": "Trực tiếp", "truc_tuyen": "Trực tuyến",
                                               "buu_chinh": "Bưu chính công ích"}),
        ("Theo hình thức đánh giá", "by_via", {"chu_ho_so": "Chủ hồ sơ đánh giá trực tuyến",
                                               "tai_quay": "Đánh giá tại Bộ phận Một cửa"}),
        ("Theo đơn vị tiếp nhận hồ sơ", "by_unit", {}),
    )
    heading = 4
    for title, key, labels in groups:
        items = [(k_, g) for k_, g in (sat.get(key) or {}).items() if isinstance(g, dict) and g.get("ratings")]
        if not items:
            continue
        heading += 1  # numbered in turn: no gap when a breakdown is empty
        stt = str(heading)
        rows.append(RowDef(stt=stt, label=f"{title} (tỷ lệ hài lòng)", kind="heading"))
        for j, (k_, g) in enumerate(items, start=1):
            rows.append(row(f"{stt}.{j}", labels.get(k_) or g.get("unit_name") or k_, "percent", "%", f"{key}.{k_}.rate",
                            note=sample_note(g)))
    return FormDef(number=number, title=SATISFACTION_TITLE, section=section, rows=tuple(rows))
