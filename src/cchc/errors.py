"""Errors a person reads: every message is Vietnamese and names what is wrong."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager


class CchcError(Exception):
    """Base of every error that is shown to a user (CLI, API, page)."""

    http_status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(CchcError):
    http_status = 422


class FieldErrors(ValidationError):
    """Several fields of one form wrong at once: `errors` is {field: message}, each shown next to its field
    (the pages) or listed under "fields" (the API's 422). `message` joins them for the command line."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()), field=next(iter(self.errors), None))


class FieldChecks:
    """Collects the refusals of a form's fields so that all of them are reported together.

        checks = FieldChecks()
        with checks.on("id_number"):
            parse_id_number(text)        # a ValidationError is kept under its own field, else "id_number"
        checks.add("phone", "Số điện thoại …")
        checks.raise_if_any()            # FieldErrors with every field in error, in the order found
    """

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def has(self, field: str) -> bool:
        return field in self.errors

    @contextmanager
    def on(self, field: str) -> Iterator[None]:
        try:
            yield
        except FieldErrors as exc:
            for name, message in exc.errors.items():
                self.add(name, message)
        except ValidationError as exc:
            self.add(exc.field or field, exc.message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)


class NotFound(CchcError):
    http_status = 404


class PermissionDenied(CchcError):
    http_status = 403


class InvalidTransition(CchcError):
    """The action is not allowed in the dossier's (task's, …) current state."""

    http_status = 409


class ImportRejected(CchcError):
    """A whole import file refused: `row` is the row number as in the file (header = 1)."""

    http_status = 422

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        if row is not None:
            where = f"Dòng {row}" + (f", cột {column}" if column else "")
            message = f"{where}: {message}"
        super().__init__(message, field=column)
        self.row = row
        self.column = column
