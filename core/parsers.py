"""The API's JSON parsers: DRF's, with a limit on how deeply a body may nest, and the
same for JSON sent under a structured-syntax media type (`application/*+json`, which
clients generated from the seed product's document send, or `application/<x>+json`).

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


_CONTAINERS = (dict, list)  # what json.loads makes; exact types, so `type() in` is enough


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
        # Only containers go on the stack: a 1,000-item batch has ten scalars per item.
        stack.extend((child, depth + 1) for child in children if type(child) in _CONTAINERS)
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


class StructuredJSONParser(JSONParser):
    """JSON under `application/*+json` or any `application/<x>+json` (RFC 6839): the
    content negotiation (core.negotiation) hands it those bodies."""

    media_type = "application/*+json"


def is_structured_json(media_type: str) -> bool:
    """`application/<anything>+json`, parameters ignored."""
    main, _, sub = media_type.partition(";")[0].strip().lower().partition("/")
    return main == "application" and sub.endswith("+json")
