"""SMS through the province's HTTP provider (CCHC_SMS_URL, CCHC_SMS_TOKEN): the short text of the template."""

from __future__ import annotations

from cchc import config
from cchc.notifications import http_provider
from cchc.notifications.channels import Outgoing


def send(message: Outgoing, settings: config.Settings | None = None) -> str:
    s = settings or config.settings
    return http_provider.post(s.sms_url, s.sms_token, http_provider.payload(message), what="SMS")
