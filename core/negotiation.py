"""DRF's content negotiation, reading JSON sent under any `application/<x>+json` type.

DRF matches a body's media type to a parser's by type and subtype: `application/*+json`
(the seed product's document declares it, so its generated clients send it) or
`application/merge-patch+json` match no parser and get a 415, though they are JSON.
"""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation

from core.parsers import StructuredJSONParser, is_structured_json


class ContentNegotiation(DefaultContentNegotiation):
    def select_parser(self, request, parsers):
        parser = super().select_parser(request, parsers)
        if parser is None and is_structured_json(request.content_type or ""):
            return next((p for p in parsers if isinstance(p, StructuredJSONParser)), None)
        return parser
