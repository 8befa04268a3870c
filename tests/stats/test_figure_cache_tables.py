"""Every table of the schema is classified for the figure cache: versioned (a figure reads it, a write moves the
version) or not (bookkeeping no figure reads). A new table fails here until its author decides."""

from __future__ import annotations

from cchc.db import Base
from cchc.models import import_all_models
from cchc.stats import figure_cache


def test_every_table_is_versioned_or_not_and_never_both():
    import_all_models()
    tables = {t.name for t in Base.metadata.sorted_tables}
    versioned, unversioned = set(figure_cache.VERSIONED), set(figure_cache.UNVERSIONED)
    assert not versioned & unversioned
    unclassified = tables - versioned - unversioned
    assert not unclassified, (
        f"Tables neither in figure_cache.VERSIONED nor in UNVERSIONED: {sorted(unclassified)}. If a figure reads it, "
        "add it to VERSIONED and install its triggers in its migration (table_version_ddl); otherwise to UNVERSIONED.")
    assert versioned <= tables  # no stale name
