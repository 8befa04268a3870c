"""A rate as every figure of cchc gives it (statistics, the 766 index, the registers): a percentage with two
decimals, rounded half up, and no rate at all when nothing was counted."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """numerator / denominator × 100 with two decimals; None when the denominator is 0."""
    if not denominator:
        return None
    value = Decimal(100 * (numerator or 0)) / Decimal(denominator)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
