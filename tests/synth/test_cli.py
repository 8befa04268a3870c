"""`cchc demo`: --if-empty leaves a database with dossiers alone; bad options are refused in Vietnamese."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cchc.cli import app
from cchc.dossiers.models import Dossier
from cchc.errors import ValidationError

runner = CliRunner()


def test_if_empty_does_nothing_when_there_are_dossiers(demo):
    _, session = demo
    before = session.scalar(select(func.count()).select_from(Dossier))
    result = runner.invoke(app, ["demo", "--if-empty", "--dossiers", "50", "--today", "20/11/2026"])
    assert result.exit_code == 0, result.output
    assert "đã có 300 hồ sơ" in result.output
    assert session.scalar(select(func.count()).select_from(Dossier)) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--today", "31/02/2026"], "--today"),
        (["--dossiers", "-5"], "không được âm"),
        (["--batch", "0"], "--batch"),
        (["--today", "1/1/2999"], "ở tương lai"),
    ],
)
def test_bad_options_are_refused(args, message):
    result = runner.invoke(app, ["demo", *args])
    assert isinstance(result.exception, ValidationError)
    assert message in result.exception.message
