"""A state as a badge, the same on the operator pages and in the admin."""

from __future__ import annotations

from django.utils.html import format_html


def badge(value: str | None, kind: str | None = None, text: str | None = None) -> str:
    """`value` in a coloured badge (static/css/badges.css styles it by the
    value's slug, e.g. "Internal/test-only" → badge-internal-test-only), or a dash for
    none. `kind` adds a class naming the column (badge-inventory, badge-health...);
    `text`, if given, is what the badge says instead of the value."""
    if not value:
        return "—"
    slug = value.lower().replace(" ", "-").replace("/", "-")
    classes = f"badge badge-{kind} badge-{slug}" if kind else f"badge badge-{slug}"
    return format_html('<span class="{}">{}</span>', classes, text or value)
