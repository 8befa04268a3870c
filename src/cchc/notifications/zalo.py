"""Zalo ZNS through the province's HTTP provider (CCHC_ZALO_URL, CCHC_ZALO_TOKEN): the template's key and its
values (ZNS fills its own approved template with them), and the short text beside them."""

from __future__ import annotations

from cchc import config
from cchc.notifications import http_provider
from cchc.notifications.channels import Outgoing


def send(message: Outgoing, settings: config.Settings | None = None) -> str:
    s = settings or config.settings
    return http_provider.post(s.zalo_url, s.zalo_token, http_provider.payload(message), what="Zalo")
