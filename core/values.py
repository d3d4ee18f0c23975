"""Reading values from text the way the contract writes them, for every door.

- Integer strings are ASCII, as the contract's pattern `^-?(?:0|[1-9]\\d*)$` means in JSON
  Schema (ECMA-262, where `\\d` is [0-9]). Python's `\\d` and `int()` also take other
  scripts' digits (Arabic-Indic, fullwidth) and `int()` raises ValueError past 4,300 digits, so the
  pattern is matched with re.ASCII and the length is bounded before `int()` runs.
- Datetimes may carry a UTC offset only within ±15:59: PostgreSQL refuses a larger one
  ("time zone displacement out of range") when the value reaches a query, which would
  turn a bad filter into a 500 there while SQLite (which converts to UTC first) answers.
"""

from __future__ import annotations

import datetime
import re

INTEGER_STRING_PATTERN = r"^-?(?:0|[1-9]\d*)$"
_INTEGER_STRING = re.compile(INTEGER_STRING_PATTERN, re.ASCII)
# Digits of the widest integer column (bigint: 9,223,372,036,854,775,807 has 19); a longer
# string is out of range of every field, and far below int()'s 4,300-digit limit.
MAX_INTEGER_DIGITS = 19

MAX_UTC_OFFSET = datetime.timedelta(hours=15, minutes=59)
OFFSET_OUT_OF_RANGE = "The UTC offset must be from -15:59 to +15:59."


class TooManyDigits(ValueError):
    """An integer string longer than MAX_INTEGER_DIGITS digits."""


def parse_integer_string(text: str) -> int | None:
    """`text` as an int if it is an ASCII integer string ("42", "-7", "0"), else None.

    Raises TooManyDigits for a well-formed integer longer than any field holds, so that
    callers can say "out of range" rather than "not an integer".
    """
    if not _INTEGER_STRING.fullmatch(text):
        return None
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise TooManyDigits(text)
    return int(text)


def utc_offset_in_range(value: datetime.datetime) -> bool:
    """Whether an aware datetime's offset is one PostgreSQL stores (naive ones are)."""
    offset = value.utcoffset()
    return offset is None or abs(offset) <= MAX_UTC_OFFSET
