"""Definition files a province may change without changing code (the reporting periods, the 766 index).

Each comes with the package's default; a province overrides it by putting a file of the same name in
`<var>/stats/` (CCHC_VAR_DIR), or in the directory CCHC_STATS_DIR names. Read once per change of the file.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml

from cchc import config
from cchc.errors import ValidationError


def definition_path(name: str, defaults: Path) -> Path:
    """The file in force for definition `name` (e.g. "periods.yaml"); `defaults` holds the package's own."""
    candidates = []
    if os.environ.get("CCHC_STATS_DIR"):
        candidates.append(Path(os.environ["CCHC_STATS_DIR"]) / name)
    candidates.append(config.settings.var_dir / "stats" / name)
    for path in candidates:
        if path.is_file():
            return path
    return defaults / name


def load_definition(name: str, defaults: Path) -> dict:
    path = definition_path(name, defaults)
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
