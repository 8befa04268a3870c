"""Command-line usage errors in Vietnamese (click writes them in English).

Typer ≥ 0.2x carries its own copy of click (typer._click), older versions use click itself: the
errors are recognised by their class names and attributes, which both share.
"""

from __future__ import annotations


def _kinds(exc: BaseException) -> set[str]:
    return {k.__name__ for k in type(exc).__mro__}


def is_usage_error(exc: BaseException) -> bool:
    return "ClickException" in _kinds(exc)


def _is_argument(param) -> bool:
    return param is not None and any("Argument" in k.__name__ for k in type(param).__mro__)


def _hint(exc) -> str:
    """'--from' for an option, 'FILE' for an argument, as the user typed or should type it."""
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None)
    if hint:
        return " / ".join(hint) if isinstance(hint, (list, tuple)) else str(hint)
    if param is None:
        return ""
    if _is_argument(param):
        return (getattr(param, "human_readable_name", None) or param.name or "").upper()
    opts = list(getattr(param, "opts", []))
    return " / ".join([o for o in opts if o.startswith("--")] or opts) or (param.name or "")


def _type_rule(param) -> str:
    """What a value of this parameter must look like, in Vietnamese (click's param.type, or newer
    Typer's type_descriptor.annotation)."""
    import enum
    from datetime import date, datetime
    from pathlib import Path

    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    kind = getattr(param, "type", None)
    choices = getattr(kind, "choices", None)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        choices = [m.value for m in annotation]
    if choices:
        return "phải là một trong: " + ", ".join(str(getattr(c, "value", c)) for c in choices)
    name = getattr(kind, "name", "")
    if annotation is bool or name == "boolean":
        return "phải là có/không (true/false)"
    if annotation is int or name == "integer":
        return "phải là số nguyên"
    if annotation is float or name == "float":
        return "phải là số"
    if annotation in (date, datetime) or name == "datetime":
        return "phải là ngày dạng YYYY-MM-DD"
    if annotation is Path or name in ("path", "file"):
        return "phải là đường dẫn tệp hợp lệ"
    return "không hợp lệ"


def vietnamese_usage_message(exc) -> str:
    """The Vietnamese sentence for a usage error of `cchc`, naming the option, argument or command."""
    kinds = _kinds(exc)
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "cchc"
    message = getattr(exc, "message", "") or ""
    if "NoSuchCommand" in kinds or message.startswith("No such command"):
        name = getattr(exc, "command_name", None) or (message.split("'")[1] if "'" in message else "")
        text = f"Không có lệnh «{name}» trong «{command}»."
        if "Did you mean" in message:
            guess = message.split("Did you mean", 1)[1].strip(" ?").strip("'\"")
            text += f" Có phải bạn muốn «{guess}»?"
        return text
    if "MissingParameter" in kinds:
        param = getattr(exc, "param", None)
        what = "đối số" if _is_argument(param) or getattr(exc, "param_type", None) == "argument" else "tùy chọn"
        return f"Thiếu {what} {_hint(exc)} của lệnh «{command}»."
    if "NoSuchOption" in kinds:
        text = f"Lệnh «{command}» không có tùy chọn {exc.option_name}."
        if getattr(exc, "possibilities", None):
            text += " Có phải bạn muốn: " + ", ".join(sorted(exc.possibilities)) + "?"
        return text
    if "BadOptionUsage" in kinds:
        if "requires an argument" in message:
            return f"Tùy chọn {exc.option_name} cần một giá trị."
        return f"Tùy chọn {exc.option_name} của lệnh «{command}» dùng sai (thiếu giá trị hoặc thừa giá trị)."
    if "BadParameter" in kinds:
        return f"Giá trị của {_hint(exc)} {_type_rule(getattr(exc, 'param', None))}."
    if "UsageError" in kinds:
        if "unexpected extra argument" in message:
            extra = message.rsplit("(", 1)[-1].rstrip(")")
            return f"Lệnh «{command}» nhận thừa đối số: {extra}."
        return f"Lệnh «{command}» dùng sai cú pháp."
    return exc.format_message()


def show_usage_error(exc, console) -> None:
    console.print(f"[bold red]Lỗi:[/] {vietnamese_usage_message(exc)}", highlight=False)
    if "UsageError" in _kinds(exc):
        ctx = getattr(exc, "ctx", None)
        console.print(f"Xem hướng dẫn: {ctx.command_path if ctx is not None else 'cchc'} --help", highlight=False)
