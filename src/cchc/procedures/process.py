"""Time limits in working hours and the default internal process (data/default_process.yaml).

A working day is 8 working hours (the data says so); the default process (Một cửa tiếp nhận → Chuyên viên
thẩm định → Lãnh đạo phê duyệt → Một cửa trả kết quả) is split over a procedure's time limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from cchc import vn
from cchc.errors import ValidationError
from cchc.procedures.enums import StepRole, TimeUnit
from cchc.procedures.models import Procedure, ProcessStep

DATA_DIR = Path(__file__).parent / "data"

@dataclass(frozen=True)
class ProcessTemplate:
    hours_per_working_day: Decimal
    rounding: tuple[tuple[Decimal, Decimal], ...]  # (from total hours, quantum), largest first
    steps: tuple[dict, ...]

    def quantum(self, total_hours: Decimal) -> Decimal:
        return next((q for start, q in self.rounding if total_hours >= start), self.rounding[-1][1])


@lru_cache(maxsize=1)
def process_template() -> ProcessTemplate:
    """The default internal process and the hours of a working day, from data/default_process.yaml."""
    raw = yaml.safe_load((DATA_DIR / "default_process.yaml").read_text(encoding="utf-8"))
    return ProcessTemplate(
        hours_per_working_day=Decimal(str(raw["hours_per_working_day"])),
        rounding=tuple(sorted(
            ((Decimal(str(r["from_hours"])), Decimal(str(r["hours"]))) for r in raw["rounding"]), reverse=True
        )),
        steps=tuple(raw["steps"]),
    )


def hours_of(amount: Decimal | int | float, unit: str) -> Decimal:
    """A duration in working hours (1 working day = 8 working hours; a calendar day counts as at most one
    working day; 0 working days, "trong ngày", is one working day)."""
    amount = Decimal(str(amount))
    per_day = process_template().hours_per_working_day
    if unit == TimeUnit.WORKING_HOURS:
        return amount
    if amount == 0 and unit == TimeUnit.WORKING_DAYS:
        return per_day
    return amount * per_day


def fmt_amount(amount: Decimal | int | float) -> str:
    d = Decimal(str(amount))
    if d == d.to_integral_value():
        return f"{int(d):02d}"
    return vn.fmt_decimal(d, 2).rstrip("0").rstrip(",")


def time_limit_label(amount: Decimal | int | float, unit: str) -> str:
    """'05 ngày làm việc', '04 giờ làm việc', '0,5 ngày làm việc', 'Trong ngày'."""
    if Decimal(str(amount)) == 0 and unit == TimeUnit.WORKING_DAYS:
        return "Trong ngày"
    return f"{fmt_amount(amount)} {TimeUnit(unit).label}"


def duration_label(amount: Decimal | int | float, unit: str) -> str:
    return f"{fmt_amount(amount)} {TimeUnit(unit).label}"


def total_step_hours(steps: Sequence[Mapping[str, Any]]) -> Decimal:
    return sum((hours_of(s["duration_amount"], s["duration_unit"]) for s in steps), Decimal(0))


def default_step_name(role: str, position: int, count: int) -> str:
    if role == StepRole.RECEIVING:
        if position == 1:
            return "Bộ phận Một cửa tiếp nhận hồ sơ"
        if position == count:
            return "Bộ phận Một cửa trả kết quả"
        return "Bộ phận Một cửa chuyển hồ sơ"
    return {
        StepRole.SPECIALIST: "Chuyên viên thẩm định hồ sơ",
        StepRole.LEADER: "Lãnh đạo phê duyệt",
        StepRole.CLERK: "Văn thư phát hành văn bản",
    }[StepRole(role)]


def _round(x: Decimal, quantum: Decimal) -> Decimal:
    return (x / quantum).to_integral_value(rounding=ROUND_HALF_UP) * quantum


def default_step_specs(time_amount: Decimal | int | float, time_unit: str) -> list[dict]:
    """The standard process split over the time limit (data/default_process.yaml): receiving 4 h (at most 1/8
    of it), 70% and 20% of the rest to the specialist and the leader, rounded to whole hours (quarter hours for
    short limits), the remainder to returning the result. Durations in working hours, summing exactly to the
    time limit."""
    tpl = process_template()
    total = hours_of(time_amount, time_unit)
    if total <= 0:
        raise ValidationError("Thời hạn giải quyết phải lớn hơn 0 để lập quy trình nội bộ.", field="time_amount")
    quantum = tpl.quantum(total)
    if total < quantum * len(tpl.steps):
        raise ValidationError(
            f"Thời hạn giải quyết {time_limit_label(time_amount, time_unit)} quá ngắn để chia cho "
            f"{len(tpl.steps)} bước của quy trình nội bộ mặc định.",
            field="time_amount",
        )
    hours: list[Decimal | None] = [None] * len(tpl.steps)
    for i, spec in enumerate(tpl.steps):
        if "hours" in spec:
            cap = total * Decimal(str(spec.get("max_share", 1)))
            hours[i] = max(quantum, _round(min(Decimal(str(spec["hours"])), cap), quantum))
    rest = total - sum(h for h in hours if h is not None)
    for i, spec in enumerate(tpl.steps):
        if "share" in spec:
            hours[i] = max(quantum, _round(rest * Decimal(str(spec["share"])), quantum))
    remainder = total - sum(h for h in hours if h is not None)
    last = next(i for i, spec in enumerate(tpl.steps) if spec.get("rest"))
    hours[last] = remainder
    while hours[last] <= 0:  # a very short limit: take back from the longest step
        longest = max((i for i in range(len(hours)) if i != last), key=lambda i: hours[i])
        hours[longest] -= quantum
        hours[last] += quantum
    count = len(tpl.steps)
    return [
        {"seq": i + 1, "role": spec["role"], "name": spec.get("name") or default_step_name(spec["role"], i + 1, count),
         "duration_amount": hours[i], "duration_unit": TimeUnit.WORKING_HOURS.value, "can_return": bool(spec.get("can_return")),
         "unit": None}
        for i, spec in enumerate(tpl.steps)
    ]


def make_step(spec: Mapping[str, Any]) -> ProcessStep:
    unit = spec.get("unit")
    step = ProcessStep(
        seq=spec["seq"], role=spec["role"], name=spec["name"], duration_amount=spec["duration_amount"],
        duration_unit=spec["duration_unit"], can_return=spec["can_return"],
    )
    if unit is not None:
        if isinstance(unit, int):
            step.unit_id = unit
        else:
            step.unit_id = unit.id
    return step


def default_process(procedure: Procedure) -> list[ProcessStep]:
    """The standard internal process (Một cửa tiếp nhận → Chuyên viên thẩm định → Lãnh đạo phê duyệt → Một cửa
    trả kết quả) for the procedure's time limit: new, unattached ProcessStep objects."""
    return [make_step(s) for s in default_step_specs(procedure.time_amount, procedure.time_unit)]
