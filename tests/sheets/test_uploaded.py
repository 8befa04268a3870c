"""An uploaded file is saved under its own last name part, never a path the browser chose."""

from __future__ import annotations

import pytest

from cchc.sheets.uploaded import safe_name, saved


@pytest.mark.parametrize(("sent", "kept"), [
    ("bieu-mau.xlsx", "bieu-mau.xlsx"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\An\\Báo cáo quý 3.xlsx", "Báo cáo quý 3.xlsx"),
    ("..", "mac-dinh.xlsx"),
    (".", "mac-dinh.xlsx"),
    ("", "mac-dinh.xlsx"),
    (None, "mac-dinh.xlsx"),
    ("thu-muc/", "thu-muc"),
])
def test_safe_name(sent, kept):
    assert safe_name(sent, "mac-dinh.xlsx") == kept


def test_saved_writes_inside_its_own_folder_and_removes_it():
    with saved("../../x.xlsx", b"PK", "mac-dinh.xlsx") as path:
        assert path.name == "x.xlsx" and path.read_bytes() == b"PK" and path.parent.name.startswith("cchc-upload-")
        folder = path.parent
    assert not folder.exists()
