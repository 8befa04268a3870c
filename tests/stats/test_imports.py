"""Statistics import the domains they count (feedback, ratings) plainly: no module of cchc.stats finds
another module by name at run time, so a missing model or column fails at import, not as a quiet «no data»."""

from __future__ import annotations

from pathlib import Path

import cchc.stats


def test_no_stats_module_imports_by_name():
    root = Path(cchc.stats.__file__).parent
    found = sorted(
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "importlib" in line or "__import__" in line
    )
    assert found == []
