"""A file a person uploaded: read within a size limit, saved under a name that is safe to use as a path, and
handed to an importer — the one way every page and API that imports an uploaded file does it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TypeVar

from cchc import vn
from cchc.errors import ValidationError

T = TypeVar("T")


def safe_name(filename: str | None, default: str) -> str:
    """The last part of the name the browser sent (a Windows path too), never '', '.' or '..'."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    return default if name in ("", ".", "..") else name


@contextmanager
def saved(filename: str | None, data: bytes, default: str) -> Iterator[Path]:
    """The upload written to a temporary folder of its own (removed afterwards), for readers that want a path."""
    with tempfile.TemporaryDirectory(prefix="cchc-upload-") as folder:
        path = Path(folder) / safe_name(filename, default)
        path.write_bytes(data)
        yield path


def imported(filename: str | None, data: bytes, default: str, importer: Callable[[Path], T]) -> T:
    """Save an upload, then import it: `importer` reads the saved file's path; the file is gone afterwards."""
    with saved(filename, data, default) as path:
        return importer(path)


async def read(upload, *, max_bytes: int | None = None, too_big: str = "", empty: str = "") -> bytes:
    """The bytes of an upload (a Starlette UploadFile); with `max_bytes`, no more is read than one byte past it.

    ValidationError (field "file") when the file is larger (`too_big`, or the limit in bytes), and with `empty`
    when it has no byte and `empty` is given."""
    data = await upload.read() if max_bytes is None else await upload.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        raise ValidationError(too_big or f"Tệp lớn hơn {vn.fmt_int(max_bytes)} byte.", field="file")
    if not data and empty:
        raise ValidationError(empty, field="file")
    return data
