"""The sync's job: the outbox sent every 2 minutes (Việt Nam time), its figures on the IT page and in `cchc doctor`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cchc.jobs import periodic, register_figures
from cchc.sync.service import outbox_figures, send_pending


def send_outbox(session: Session) -> None:
    """Send what waits; a deployment without the portal's URL and token has nothing to send to (rows wait)."""
    from cchc.config import load_settings

    settings = load_settings()
    if settings.dvcqg_sync_url and settings.dvcqg_sync_token:
        send_pending(session)


periodic("sync.send_pending", send_outbox, minute="*/2", retries=3, title="Gửi hồ sơ lên Cổng DVCQG")
register_figures("sync", "Đồng bộ Cổng DVCQG", outbox_figures)
