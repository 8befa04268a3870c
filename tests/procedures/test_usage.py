"""Dossiers keep the procedure components they were received with, and the catalogue — below dossiers — asks
them through the counters its domains register (cchc.procedures.usage): registered whenever the application or
the command line that may drop a component is loaded, and no component dropped before."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from cchc.procedures import service, usage
from tests.procedures.factories import procedure_data


def _fresh(code: str, tmp_path) -> str:
    """What a new interpreter prints after `code`: nothing of cchc is imported but what `code` imports."""
    env = {**os.environ, "CCHC_SECRET_KEY": "k" * 40, "CCHC_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_application_registers_the_dossiers_counter(tmp_path):
    printed = _fresh("""
        from cchc.procedures import usage
        before = usage.component_counters()
        from cchc.app.main import create_app
        create_app()
        print(before, usage.component_counters())
    """, tmp_path)
    assert printed == "[] ['dossiers']"


def test_the_command_that_imports_procedures_registers_it(tmp_path):
    printed = _fresh("""
        import contextlib, io, sys
        from cchc import cli
        from cchc.procedures import usage
        before = usage.component_counters()
        sys.argv = ["cchc", "import", "procedures", "--help"]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            cli.main()
        print(before, usage.component_counters())
    """, tmp_path)
    assert printed == "[] ['dossiers']"


def test_the_test_suite_has_it_too():
    assert usage.component_counters() == ["dossiers"]


def test_without_a_counter_no_component_is_dropped(db, monkeypatch):
    procedure = service.create_procedure(db, None, procedure_data(components=[{"name": "Tờ khai"}, {"name": "Giấy chứng sinh"}]))
    monkeypatch.setattr(usage, "_counters", {})
    with pytest.raises(RuntimeError, match="Chưa nạp miền hồ sơ"):
        service.update_procedure(db, None, procedure.code, {"components": [{"name": "Tờ khai"}]})
    # adding or renaming drops nothing: nobody needs to be asked
    service.update_procedure(db, None, procedure.code, {"components": [{"name": "Tờ khai (mẫu mới)"}, {"name": "Giấy chứng sinh"}]})
