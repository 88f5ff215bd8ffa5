"""A proportion with its 95 % confidence interval (pure).

The Wilson score interval: it stays inside 0-100 % and keeps a sensible width for the small
denominators a single clinic has in a month (5 of 5 responders is not "100 % to 100 %"), where
the normal approximation does not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Proportion:
    """``part`` of ``whole`` as a share (0-1) with its 95 % Wilson interval."""

    part: int
    whole: int
    share: float
    low: float
    high: float


def wilson(part: int, whole: int) -> Proportion | None:
    """The 95 % Wilson score interval of ``part``/``whole`` (None: no denominator)."""
    if whole <= 0 or not 0 <= part <= whole:
        return None
    share = part / whole
    z2 = Z_95 * Z_95
    centre = (share + z2 / (2 * whole)) / (1 + z2 / whole)
    half = (Z_95 / (1 + z2 / whole)) * math.sqrt(
        share * (1 - share) / whole + z2 / (4 * whole * whole)
    )
    return Proportion(part, whole, share, max(0.0, centre - half), min(1.0, centre + half))


__all__ = ["Proportion", "wilson"]
