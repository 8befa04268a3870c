"""Running `cchc …` inside the test process, as the console script does."""

from __future__ import annotations

import sys

from cchc.cli import main


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `cchc args…` — errors come back as status 2 with the Vietnamese message."""
    monkeypatch.setattr(sys, "argv", ["cchc", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err
