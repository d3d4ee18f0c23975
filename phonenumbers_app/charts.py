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
    value: str  # what the bar's link filters on
    label: str  # what it says
    count: int
    width: int  # pixels
    y: int
    url: str


@dataclass(frozen=True)
class Chart:
    title: str
    population: str  # what it counts, e.g. "Unreleased numbers"
    bars: list[Bar]
    total: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_area: int = BAR_AREA

    @property
    def width(self) -> int:
        return self.label_width + self.bar_area + 70


def bar_chart(
    *,
    title: str,
    population: str,
    counts: dict[str, int],
    link: Callable[[str], str],
    label: Callable[[str], str] = str,
) -> Chart:
    """One bar per value, in the order of `counts`, each linking to the filtered list
    (`link(value)`) and saying `label(value)`."""
    largest = max(counts.values(), default=0) or 1
    bars = [
        Bar(
            value=value,
            label=label(value),
            count=count,
            width=max(round(BAR_AREA * count / largest), 1 if count else 0),
            y=index * (BAR_HEIGHT + BAR_GAP),
            url=link(value),
        )
        for index, (value, count) in enumerate(counts.items())
    ]
    return Chart(
        title=title,
        population=population,
        bars=bars,
        total=sum(counts.values()),
        height=max(len(bars) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT),
    )


# --- Daily column charts (a number's last 30 days) ---------------------------------------

AXIS_WIDTH = 46  # room for the scale's labels left of the plot
COLUMN_WIDTH = 16
COLUMN_GAP = 4
PLOT_TOP = 10
PLOT_HEIGHT = 100
DAY_LABELS = 18  # room under the plot for the day labels


@dataclass(frozen=True)
class Column:
    label: str  # the day, ISO
    text: str  # what the column says, for its <title> and the screen reader
    x: int
    y: int
    height: int
    marker_y: int | None  # the day's limit, a line across the column
    tone: str  # "" or "warn" / "low": drawn in a warning colour (a class col-<tone>)
    axis_label: str | None  # the day under the column, on some columns only


@dataclass(frozen=True)
class Guide:
    """A horizontal reference line across the plot (a target, a threshold)."""

    label: str
    y: int
    kind: str


@dataclass(frozen=True)
class ColumnChart:
    title: str
    summary: str  # the chart in one sentence, its accessible name
    legend: str  # what the colours and lines mean, under the title
    columns: list[Column]
    guides: list[Guide]
    top_label: str  # the scale's maximum
    width: int
    height: int
    plot_left: int = AXIS_WIDTH
    plot_top: int = PLOT_TOP
    plot_bottom: int = PLOT_TOP + PLOT_HEIGHT


@dataclass(frozen=True)
class DayValue:
    day: str  # ISO date
    value: float | None  # None: nothing to draw that day
    text: str
    marker: float | None = None
    tone: str = ""


def column_chart(
    *,
    title: str,
    summary: str,
    legend: str,
    values: list[DayValue],
    maximum: float | None = None,
    unit: str = "",
    guides: tuple[tuple[str, float, str], ...] = (),
) -> ColumnChart:
    """One column per day, oldest on the left, on a scale from 0 to `maximum` (default:
    the largest value or marker); `guides`: (label, value, kind) lines across."""
    top = maximum
    if top is None:
        top = max(
            [v.value for v in values if v.value is not None]
            + [v.marker for v in values if v.marker is not None],
            default=0,
        )
    top = top or 1

    def y_of(value: float) -> int:
        return PLOT_TOP + PLOT_HEIGHT - round(PLOT_HEIGHT * min(value, top) / top)

    columns = []
    for index, day in enumerate(values):
        x = AXIS_WIDTH + COLUMN_GAP + index * (COLUMN_WIDTH + COLUMN_GAP)
        value = day.value or 0
        # A day with something, however little, shows at least a sliver.
        height = max(PLOT_TOP + PLOT_HEIGHT - y_of(value), 1 if value else 0)
        columns.append(
            Column(
                label=day.day,
                text=day.text,
                x=x,
                y=PLOT_TOP + PLOT_HEIGHT - height,
                height=height,
                marker_y=y_of(day.marker) if day.marker is not None else None,
                tone=day.tone,
                # The first day of each week from the newest back, month-day.
                axis_label=day.day[5:] if (len(values) - 1 - index) % 7 == 0 else None,
            )
        )
    width = AXIS_WIDTH + COLUMN_GAP + len(values) * (COLUMN_WIDTH + COLUMN_GAP) + 8
    return ColumnChart(
        title=title,
        summary=summary,
        legend=legend,
        columns=columns,
        guides=[Guide(label, y_of(value), kind) for label, value, kind in guides],
        top_label=f"{top:,g}{unit}",
        width=width,
        height=PLOT_TOP + PLOT_HEIGHT + DAY_LABELS,
    )
