"""Definition files of the statistics (periods, 766 index): package defaults, overridable per province.

A province changes a definition by putting a file of the same name in `<var>/stats/` (CCHC_VAR_DIR),
or by pointing CCHC_STATS_DIR at a directory; otherwise the defaults in `stats/definitions/` apply.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml

from cchc import config
from cchc.errors import ValidationError

DEFAULT_DIR = Path(__file__).resolve().parent / "definitions"


def definition_path(name: str) -> Path:
    """The file in force for definition `name` (e.g. "periods.yaml")."""
    candidates = []
    if os.environ.get("CCHC_STATS_DIR"):
        candidates.append(Path(os.environ["CCHC_STATS_DIR"]) / name)
    candidates.append(config.settings.var_dir / "stats" / name)
    for path in candidates:
        if path.is_file():
            return path
    return DEFAULT_DIR / name


def load_definition(name: str) -> dict:
    path = definition_path(name)
    return _load(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _load(path: str, _mtime: int) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise ValidationError(f"Tệp định nghĩa {path} không đúng cú pháp YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValidationError(f"Tệp định nghĩa {path} phải là một bảng (mapping) YAML.")
    return data
