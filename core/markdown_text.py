"""Our own Markdown (the problem types' descriptions) as HTML for the pages.

CommonMark through markdown-it-py with raw HTML off: a `<tag>` in the text is shown, not
obeyed, and links with unsafe schemes (javascript:) are not made, so even a slip in our
text cannot inject markup into a page.
"""

from __future__ import annotations

from functools import cache

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt


@cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False})


def markdown_html(text: str) -> SafeString:
    return mark_safe(_renderer().render(text))  # safe: raw HTML is off (above)
