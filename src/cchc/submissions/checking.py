"""What the check of a unit's document may hold up: only what a person typed.

A report of a unit on cchc is built from the unit's data and has passed the report's own self-check, so a finding of
cchc.verify in a sentence the system wrote is a fault of cchc, never the unit's: it is recorded, it never stops the
leader from sending. A finding in what the unit typed (its sections, its legal basis …), or in a table row it entered,
is a warning the leader must look at before sending: a typed sentence that contradicts a figure the system computed
(«03 văn bản» against the 5 of the register) is one of them."""

from __future__ import annotations

import re
from pathlib import Path

from cchc.verify import Problem, check_report_file
from cchc.verify.extract import clean_markup, split_text

TYPED, SYSTEM = "typed", "cchc"
_BULLET = re.compile(r"^\s*(?:[-+•*]\s+|\d+[.)]\s+)")


def _flat(text: str) -> str:
    return " ".join(_BULLET.sub("", clean_markup(text)).split())


def typed_paragraphs(texts: dict[str, str]) -> list[str]:
    """The paragraphs a unit typed (its narrative sections and header lines), as the checker reads them."""
    return [_flat(p) for p in split_text("\n\n".join(texts.values())).paragraphs]


def origin(problem: Problem, typed: list[str], manual_rows: set[str]) -> str:
    """TYPED when the finding is in a sentence the unit typed or a table row it entered, else SYSTEM."""
    if problem.where.startswith("phụ lục, mục "):
        code = problem.where.removeprefix("phụ lục, mục ").strip()
        if problem.sentence.startswith(code + " ") and code in manual_rows:
            return TYPED
    sentence = _flat(problem.sentence.removesuffix("…"))
    return TYPED if sentence and any(sentence in p for p in typed) else SYSTEM


def check_document(path: Path, texts: dict[str, str], manual_rows: set[str]) -> tuple[list[dict], list[dict]]:
    """(findings in what the unit typed, findings in what cchc wrote) of the document at `path`."""
    typed = typed_paragraphs(texts)
    found: dict[str, list[dict]] = {TYPED: [], SYSTEM: []}
    for problem in check_report_file(path):
        kind = origin(problem, typed, manual_rows)
        found[kind].append({**problem.as_dict(), "origin": kind})
    return found[TYPED], found[SYSTEM]
