"""Errors a person reads: every message is Vietnamese and names what is wrong."""

from __future__ import annotations


class CchcError(Exception):
    """Base of every error that is shown to a user (CLI, API, page)."""

    http_status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(CchcError):
    http_status = 422


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
