"""Vocabulary values as the operator pages say them: "FailedProvisioning" → "Failed
provisioning", "Needs Attention" → "Needs attention", "Ready for SMS" unchanged.

The API keeps the seed's spellings; only what a person reads is reworded.
"""

from __future__ import annotations

import re

_CAMEL_HUMP = re.compile(r"(?<=[a-z])(?=[A-Z])")


def human_label(value: str | None) -> str:
    """`value` in sentence case with its camelCase humps split; acronyms (SMS, 10DLC) kept."""
    if not value:
        return "—"
    words = _CAMEL_HUMP.sub(" ", value).split(" ")
    rest = [word if word.isupper() and len(word) > 1 else word.lower() for word in words[1:]]
    return " ".join([words[0][:1].upper() + words[0][1:], *rest])
