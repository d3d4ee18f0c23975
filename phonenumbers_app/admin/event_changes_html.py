"""An event's changes as admin HTML: "Label: before → after", one per line.

The changes come from phonenumbers_app.event_changes (labels and values for people);
this only writes them out, escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from phonenumbers_app.event_changes import Change


def changes_html(changes: Sequence[Change]) -> SafeString | str:
    """A list of `changes`, or "—" when the event recorded no values."""
    if not changes:
        return "—"
    items = format_html_join(
        "",
        '<li data-field="{}">{}: <del>{}</del> → <ins>{}</ins></li>',
        ((c.field, c.label, c.before, c.after) for c in changes),
    )
    return format_html('<ul class="event-changes">{}</ul>', items)
