"""The statistics' definition files (the 766 index): the package's defaults in `stats/definitions/`, which a
province overrides like every definition file (cchc.definitions)."""

from __future__ import annotations

from pathlib import Path

from cchc import definitions

DEFAULT_DIR = Path(__file__).resolve().parent / "definitions"


def load_definition(name: str) -> dict:
    return definitions.load_definition(name, DEFAULT_DIR)
