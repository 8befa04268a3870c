"""Usage errors of the command line (a missing option, an unknown command…) are said in Vietnamese, exit 2."""

from __future__ import annotations

import pytest

from tests.clirunner import run_cli


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["statz"], "Không có lệnh «statz» trong «cchc». Có phải bạn muốn «stats»?"),
        (["stats", "--period", "2023-Q3"], "Thiếu tùy chọn --unit của lệnh «cchc stats»."),
        (["stats", "--unit", "X", "--period", "2023-Q3", "--format", "xml"],
         "Giá trị của --format phải là một trong: json, table."),
        (["stats", "--unit", "X", "--bogus", "1"], "Lệnh «cchc stats» không có tùy chọn --bogus."),
        (["stats", "--unit"], "Tùy chọn --unit cần một giá trị."),
        (["demo", "--dossiers", "nhiều"], "Giá trị của --dossiers phải là số nguyên."),
        (["import", "dossiers"], "Thiếu đối số FILE của lệnh «cchc import dossiers»."),
        (["periods", "thừa"], "Lệnh «cchc periods» nhận thừa đối số: thừa."),
    ],
)
def test_usage_errors_in_vietnamese(monkeypatch, capsys, args, words):
    code, out, err = run_cli(monkeypatch, capsys, *args)
    text = " ".join(err.split())
    assert code == 2
    assert words in text, text
    assert "--help" in text and "Traceback" not in err + out
    for english in ("No such", "Missing", "Invalid value", "Did you mean", "Got unexpected"):
        assert english not in text


def _command_paths() -> list[list[str]]:
    """Every command and sub-command of `cchc`, as the words typed after it."""
    import typer

    from cchc.cli import app

    paths: list[list[str]] = [[]]

    def walk(command, prefix: list[str]) -> None:
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_every_help_page_is_in_vietnamese(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "200")  # one line per option: the words are checked whole, not across a wrap
    paths = _command_paths()
    assert ["db", "upgrade"] in paths and ["serve"] in paths and len(paths) > 40
    for path in paths:
        code, out, err = run_cli(monkeypatch, capsys, *path, "--help")
        text = " ".join(out.split())
        assert code == 0 and not err, (path, err)
        assert "Cách dùng: cchc" in text and "--help" in text and "Hiện trợ giúp này rồi thoát." in text, path
        for english in ("Usage:", "Options", "Commands", "Arguments", "Show this message", "[default:", "[required]",
                        "[OPTIONS]", "COMMAND [ARGS]", "<str>", "<int>", "<bool>"):
            assert english not in text, (path, english)
