"""The chart model drawn by ``adapters.charts`` (pure data, frozen).

A :class:`Chart` holds two labelled axes with units, points (optionally with 95 % CI bars and the
series they belong to), shaded bands, horizontal thresholds, vertical marks, a legend with a marker
shape per series, and ``description``: the text alternative of the whole chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: The marker shapes a series may take (``Chart.markers``).
MARKERS = ("circle", "open-circle", "triangle", "square", "diamond")


# -- the model ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Axis:
    """An axis from ``low`` to ``high`` (data units) with its label, unit and tick labels."""

    label: str
    unit: str
    low: float
    high: float
    ticks: tuple[tuple[float, str], ...] = ()
    note: str = ""  # e.g. ", 95 % CI"

    @property
    def title(self) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.label}{unit}{self.note}"


@dataclass(frozen=True, slots=True)
class Point:
    """One value; ``ci_low``/``ci_high`` draw a 95 % confidence-interval bar."""

    x: float
    y: float
    tip: str
    ci_low: float | None = None
    ci_high: float | None = None
    hollow: bool = False  # an open circle (charts without ``Chart.markers``)
    series: int = 0  # which line of a chart with several (``Chart.legend`` in the same order)


@dataclass(frozen=True, slots=True)
class Shade:
    """A shaded horizontal band from ``low`` to ``high`` (e.g. an instrument severity band)."""

    low: float
    high: float
    label: str


@dataclass(frozen=True, slots=True)
class Threshold:
    """A horizontal line at ``score`` (e.g. response at 50 % of baseline, remission cut)."""

    label: str
    score: float


@dataclass(frozen=True, slots=True)
class Mark:
    """A vertical marker at ``at`` (e.g. an infusion)."""

    label: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Rule:
    """A vertical marker at ``x`` in axis units (a :class:`Mark` placed on the axis); its label
    is a hover tip. ``key`` (e.g. "1") draws a numbered badge above the plot for a key listed
    beside the chart (e.g. an alarm), so no text is written over the data."""

    x: float
    label: str
    key: str = ""


@dataclass(frozen=True, slots=True)
class Span:
    """A shaded vertical band from ``low`` to ``high`` on the x axis, labelled (e.g. dosing)."""

    low: float
    high: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything drawn, and ``description``: the text alternative of the whole chart."""

    title: str
    description: str
    x: Axis
    y: Axis
    points: tuple[Point, ...]
    connected: bool = True
    step: bool = False  # connected as a step function (e.g. a Kaplan-Meier curve)
    bars: bool = False  # each point as a bar from the axis (e.g. drop-out by session)
    legend: tuple[tuple[str, bool], ...] = ()  # (label, hollow) for each series
    markers: tuple[str, ...] = ()  # a shape from MARKERS for each series (else circles)
    shades: tuple[Shade, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    rules: tuple[Rule, ...] = ()
    spans: tuple[Span, ...] = ()
