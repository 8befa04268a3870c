"""`cchc --help` in Vietnamese: the words Typer writes around our own help texts.

Typer (≥ 0.29, which carries its own copy of click) prints "Usage:", "Options", "Show this message and
exit." and the value types in English, with no catalogue to translate them. `install()` replaces those
words once, before any help is drawn; tests/test_cli_usage.py reads every command's help so a Typer
release that moves them is noticed at once.
"""

from __future__ import annotations

HELP_OPTION = "Hiện trợ giúp này rồi thoát."
USAGE_PREFIX = "Cách dùng: "
USAGE_WORDS = {"[OPTIONS]": "[TÙY CHỌN]", "COMMAND [ARGS]...": "LỆNH [ĐỐI SỐ]..."}
PANEL_WORDS = {
    "ARGUMENTS_PANEL_TITLE": "Đối số",
    "OPTIONS_PANEL_TITLE": "Tùy chọn",
    "COMMANDS_PANEL_TITLE": "Lệnh",
    "ERRORS_PANEL_TITLE": "Lỗi",
    "DEFAULT_STRING": "[mặc định: {}]",
    "REQUIRED_LONG_STRING": "[bắt buộc]",
    "ENVVAR_STRING": "[biến môi trường: {}]",
    "DEPRECATED_STRING": "(không còn dùng) ",
    "ABORTED_TEXT": "Đã hủy.",
    "RICH_HELP": "Xem [blue]'{command_path} {help_option}'[/] để được trợ giúp.",
}
TYPE_WORDS = {"str": "chuỗi", "int": "số nguyên", "float": "số", "bool": "có/không", "Path": "đường dẫn",
              "file": "tệp", "directory": "thư mục", "path": "đường dẫn"}

_installed = False


def install() -> None:
    """Put the Vietnamese words in place (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True

    from typer import core
    from typer._click import core as click_core
    from typer._click import formatting

    # Typer's rich help (rich.markdown, rich.traceback …) is imported when a help is drawn, not by every command:
    # its words are put in place then.
    for cls in (core.TyperCommand, core.TyperGroup):
        cls.format_help = _with_panel_words(cls.format_help)

    write_usage = formatting.HelpFormatter.write_usage

    def vietnamese_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, vietnamese in USAGE_WORDS.items():
            args = args.replace(english, vietnamese)
        write_usage(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = vietnamese_usage

    get_help_option = click_core.Command.get_help_option

    def vietnamese_help_option(self, ctx):
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    click_core.Command.get_help_option = vietnamese_help_option

    bare_type = core._TyperParameter._bare_type

    def vietnamese_type(self, annotation) -> str:
        label = bare_type(self, annotation)
        return TYPE_WORDS.get(label, label)

    core._TyperParameter._bare_type = vietnamese_type


def _with_panel_words(format_help):
    def vietnamese_help(self, ctx, formatter):
        _panel_words()
        return format_help(self, ctx, formatter)

    return vietnamese_help


_panels_translated = False


def _panel_words() -> None:
    global _panels_translated
    if _panels_translated:
        return
    _panels_translated = True
    from typer import rich_utils

    for name, words in PANEL_WORDS.items():
        setattr(rich_utils, name, words)
    rich_utils.OptionHighlighter.highlights = [
        pattern.replace("Usage: ", USAGE_PREFIX) for pattern in rich_utils.OptionHighlighter.highlights
    ]
