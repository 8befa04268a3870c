"""The HTTP provider interface SMS and Zalo (ZNS) go through: POST JSON with a bearer token; a 2xx answer is
accepted (its `id` or `message_id` is the provider's reference), a 5xx, 429 or a network failure is retried by the
queue, any other 4xx is a permanent failure recorded with the provider's reason."""

from __future__ import annotations

import httpx

from cchc.notifications.channels import DeliveryFailed, NotConfigured, Outgoing

TIMEOUT = 20


def post(url: str, token: str, payload: dict, *, what: str) -> str:
    if not (url and token):
        raise NotConfigured(f"Chưa cấu hình nhà cung cấp {what}.")
    try:
        response = httpx.post(url, json=payload, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"Không kết nối được nhà cung cấp {what}: {exc}", permanent=False) from exc
    text = response.text[:500]
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryFailed(f"Nhà cung cấp {what} trả lời {response.status_code}: {text}", permanent=False)
    if response.status_code >= 300:
        raise DeliveryFailed(f"Nhà cung cấp {what} từ chối tin nhắn ({response.status_code}): {text}", permanent=True)
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    reference = answer.get("id") or answer.get("message_id") if isinstance(answer, dict) else None
    return str(reference) if reference else text


def payload(message: Outgoing) -> dict:
    return {"phone": message.address, "template": message.template, "text": message.body, "data": message.data,
            "tracking_id": str(message.id)}
