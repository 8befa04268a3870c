"""The terminal of the `cchc` commands: standard output and standard error, as Rich consoles.

Below every domain: each domain's cli.py prints through these, and `cchc.cli` (above the domains) assembles
the commands, so no domain imports the command line that imports it.
"""

from __future__ import annotations

from rich.console import Console

console = Console()
err_console = Console(stderr=True)
