"""`cchc secret init`: the key that signs session cookies, generated once into the var folder."""

from __future__ import annotations

import os
import secrets

import typer

from cchc import config

app = typer.Typer(no_args_is_help=True)


def write_secret_file() -> tuple[bool, str]:
    """(created?, path): a new random key in var/secret_key, readable by its owner only, unless one exists."""
    path = config.secret_path(config.settings.var_dir)
    if path.exists():
        return False, str(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two first runs at once never write two keys; 0600 from the start, never world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_urlsafe(48) + "\n")
    return True, str(path)


@app.command("init")
def init() -> None:
    """Tạo khóa bí mật ngẫu nhiên trong thư mục dữ liệu (var/secret_key) nếu chưa có; không bao giờ ghi đè."""
    from cchc.console import console

    if os.environ.get("CCHC_SECRET_KEY"):
        console.print("Đã đặt CCHC_SECRET_KEY trong môi trường: không cần tệp khóa.")
        return
    created, path = write_secret_file()
    console.print(f"Đã tạo khóa bí mật mới tại {path} (chỉ chủ tệp đọc được)." if created else f"Đã có khóa bí mật tại {path}.")
