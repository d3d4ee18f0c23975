"""Template filters of the operator pages."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django import template
from django.utils.html import format_html

from core.staff_time import moment_text, money_text
from phonenumbers_app import badges
from phonenumbers_app.labels import human_label

register = template.Library()


@register.filter
def badge(value: str | None) -> str:
    """{{ number.status|badge }}: phonenumbers_app.badges.badge. A filter rather than an
    included template: the numbers list shows four a row, and 200 includes cost a
    50-row page about 15 ms."""
    return badges.badge(value)


@register.filter
def moment(value: datetime | None, empty: str = "—") -> str:
    """{{ when|moment }}: `<time datetime="ISO 8601">2026-11-27 20:01 EST</time>`, or
    `empty` (a dash unless given, e.g. {{ when|moment:"never" }}) for none (or for ""
    when the template's lookup found nothing, e.g. `warmup.warmup.evaluated_at` without
    a warmup row)."""
    if not isinstance(value, datetime):
        return empty
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), moment_text(value))


@register.filter
def money(value: Decimal | None) -> str:
    """{{ billing.monthly_amount|money }}: "$1.15 USD", or a dash for none."""
    if value is None:
        return "—"
    return money_text(value)


@register.filter
def state_badge(value: str | None) -> str:
    """{{ number.status|state_badge }}: the badge, saying the value in words
    ("Failed provisioning", "Needs attention")."""
    return badges.badge(value, text=human_label(value) if value else None)


@register.filter
def label(value: str | None) -> str:
    """{{ state|label }}: the value in words (phonenumbers_app.labels.human_label)."""
    return human_label(value)


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
