"""Horizontal bar charts as data for a server-rendered SVG (no chart library, no CDN)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

BAR_HEIGHT = 22
BAR_GAP = 6
LABEL_WIDTH = 150
BAR_AREA = 260


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: int  # pixels
    y: int
    url: str


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    total: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_area: int = BAR_AREA

    @property
    def width(self) -> int:
        return self.label_width + self.bar_area + 70


def bar_chart(*, title: str, counts: dict[str, int], link: Callable[[str], str]) -> Chart:
    """One bar per value, in the vocabulary's order, each linking to the filtered list."""
    largest = max(counts.values(), default=0) or 1
    bars = [
        Bar(
            label=label,
            count=count,
            width=max(round(BAR_AREA * count / largest), 1 if count else 0),
            y=index * (BAR_HEIGHT + BAR_GAP),
            url=link(label),
        )
        for index, (label, count) in enumerate(counts.items())
    ]
    return Chart(
        title=title,
        bars=bars,
        total=sum(counts.values()),
        height=max(len(bars) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT),
    )
