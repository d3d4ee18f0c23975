"""Template filters of the operator pages."""

from __future__ import annotations

from datetime import datetime

from django import template

from phonenumbers_app import badges
from warmup.clock import EASTERN

register = template.Library()


@register.filter
def badge(value: str | None) -> str:
    """{{ number.status|badge }}: phonenumbers_app.badges.badge. A filter rather than an
    included template: the numbers list shows four a row, and 200 includes cost a
    50-row page about 15 ms."""
    return badges.badge(value)


@register.filter
def eastern(value: datetime | None, style: str = "minute") -> str:
    """{{ when|eastern }}: the moment on US Eastern time, the warmup's clock (days and
    hours reset there), labelled EST/EDT. `style` "second" adds the seconds."""
    if value is None:
        return "—"
    fmt = "%Y-%m-%d %H:%M:%S %Z" if style == "second" else "%Y-%m-%d %H:%M %Z"
    return value.astimezone(EASTERN).strftime(fmt)


@register.filter
def seconds(value: float | None) -> str:
    """{{ run.duration_seconds|seconds }}: "0.42 s", "3 min 05 s"."""
    if value is None:
        return "—"
    if value < 60:
        return f"{value:.2f} s" if value < 10 else f"{value:.0f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest:02d} s"


@register.filter
def thousands(value: int | None) -> str:
    """{{ count|thousands }}: 37,412 (the operator pages' counts, whatever the locale)."""
    return "—" if value is None else f"{value:,}"
