"""Template filters of the operator pages."""

from __future__ import annotations

from django import template

from phonenumbers_app import badges

register = template.Library()


@register.filter
def badge(value: str | None) -> str:
    """{{ number.status|badge }}: phonenumbers_app.badges.badge. A filter rather than an
    included template: the numbers list shows four a row, and 200 includes cost a
    50-row page about 15 ms."""
    return badges.badge(value)
