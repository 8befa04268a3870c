"""A file a person uploaded, saved under a name that is safe to use as a path."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath


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
