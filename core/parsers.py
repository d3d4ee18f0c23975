"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest.

Python's JSON decoder recurses once per level and raises RecursionError (not the
ValueError DRF turns into a 400) about 1,000 levels down; anything that walks a body
just under that limit (repr in an error message, a deep copy) can hit it later. No body
of this API nests more than a few levels, so deeper ones are refused as malformed
before any view sees them.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32
TOO_DEEP = f"JSON parse error - the body nests deeper than {MAX_DEPTH} levels."


def json_depth(value: Any) -> int:
    """How many arrays/objects deep `value` nests (0 for a scalar); no recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break  # enough to refuse it; do not walk the rest
        stack.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if json_depth(data) > MAX_DEPTH:
            raise ParseError(TOO_DEEP)
        return data
