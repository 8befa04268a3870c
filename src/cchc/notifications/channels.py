"""What every channel answers: the provider's reference when the message is accepted, or a failure that is worth
retrying (the provider or the network is down) or not (the provider refused the message: wrong number, bad
address)."""

from __future__ import annotations

from dataclasses import dataclass


class DeliveryFailed(Exception):
    """The message was not accepted. `permanent`: sending it again would fail the same way."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class NotConfigured(Exception):
    """The channel has no settings: its messages wait until it has."""


@dataclass(frozen=True)
class Outgoing:
    id: int
    address: str
    subject: str
    body: str
    template: str
    data: dict
