"""Comparison signs as a reader sees them: "≥" and "≤", never the ASCII ">=" and "<=" that
protocol packs and the sources they cite are typed with (``PHQ-9 >= 10``)."""

from __future__ import annotations

AT_LEAST = "\u2265"  # ≥
AT_MOST = "\u2264"  # ≤
_SIGNS = ((">=", AT_LEAST), ("<=", AT_MOST))


def comparison_signs(text: str) -> str:
    """``text`` with every ">=" shown as "≥" and every "<=" as "≤"; nothing else changes."""
    for typed, shown in _SIGNS:
        text = text.replace(typed, shown)
    return text
