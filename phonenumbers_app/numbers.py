"""Parsing numbers to E.164 and describing where they are, with the `phonenumbers` library.

(This module is not called `phonenumbers.py`: that would shadow the library.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from django.conf import settings

NUMBER_UNREADABLE = "Not a phone number: {reason}. Use E.164, e.g. +14155552671."
NUMBER_INVALID = "{number} is not a valid phone number in any numbering plan."
NUMBER_HAS_EXTENSION = "Extensions cannot be texted or called directly; send the number alone."
NUMBER_NOT_TEXT = 'Must be a string, e.g. "+14155552671".'

# "San Francisco, CA" -> "CA": NANP descriptions end with a two-letter state or province.
_TRAILING_STATE = re.compile(r",\s*([A-Z]{2})$")


# Descriptions without a city name the whole state or province: "New Jersey".
_REGION_CODES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC",
    "Washington D.C.": "DC", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID",
    "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY",
    "Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA",
    "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO",
    "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH",
    "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC",
    "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington": "WA", "Washington State": "WA", "West Virginia": "WV", "Wisconsin": "WI",
    "Wyoming": "WY",
    "Puerto Rico": "PR", "Alberta": "AB", "British Columbia": "BC", "Manitoba": "MB",
    "New Brunswick": "NB", "Newfoundland and Labrador": "NL", "Nova Scotia": "NS",
    "Ontario": "ON", "Prince Edward Island": "PE", "Quebec": "QC", "Saskatchewan": "SK",
    "Northwest Territories": "NT", "Nunavut": "NU", "Yukon": "YT",
}  # fmt: skip


# "+1" and ten ASCII digits, the area code not starting with 0 or 1: how provider exports
# write North American numbers. For these, phonenumbers.parse returns exactly
# PhoneNumber(country_code=1, national_number=<the ten digits>) (a test checks it), and
# building that directly skips half of the cost of normalising, which bulk imports feel.
_CANONICAL_NANP = re.compile(r"\+1[2-9][0-9]{9}")


class InvalidNumber(ValueError):
    pass


@dataclass(frozen=True)
class Location:
    description: str | None
    state: str | None
    country_code: str | None


def normalize_number(raw: str, *, region: str | None = None) -> str:
    """`raw` in any common format → E.164, e.g. "(415) 555-2671" → "+14155552671".

    Numbers without a country code are read in `region` (the
    PHONE_NUMBER_DEFAULT_REGION setting by default). Raises InvalidNumber.
    """
    if not isinstance(raw, str):
        raise InvalidNumber(NUMBER_NOT_TEXT)
    if _CANONICAL_NANP.fullmatch(raw):
        parsed = phonenumbers.PhoneNumber(country_code=1, national_number=int(raw[2:]))
        if not phonenumbers.is_valid_number(parsed):
            raise InvalidNumber(NUMBER_INVALID.format(number=raw))
        return raw
    try:
        parsed = phonenumbers.parse(raw, region or settings.PHONE_NUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(NUMBER_UNREADABLE.format(reason=_reason(exc))) from None
    if parsed.extension:
        raise InvalidNumber(NUMBER_HAS_EXTENSION)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber(NUMBER_INVALID.format(number=e164))
    return e164


def _reason(exc: phonenumbers.NumberParseException) -> str:
    return {
        phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
        phonenumbers.NumberParseException.NOT_A_NUMBER: "it does not look like a number",
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
        phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
        phonenumbers.NumberParseException.TOO_LONG: "too long",
    }.get(exc.error_type, str(exc))


@lru_cache(maxsize=65_536)
def describe_location(e164: str) -> Location:
    """Country, state and place of an E.164 number, from the library's offline data.

    The geocoder's data costs about 100 MB per process, so it is imported on first
    use rather than at start-up; results are cached per number.
    """
    from phonenumbers import geocoder  # lazy: see docstring

    parsed = phonenumbers.parse(e164, None)
    country = phonenumbers.region_code_for_number(parsed)
    description = geocoder.description_for_number(parsed, "en") or None
    state = None
    if description and country in {"US", "CA"}:
        match = _TRAILING_STATE.search(description)
        state = match.group(1) if match else _REGION_CODES.get(description)
    return Location(description=description, state=state, country_code=country)


@lru_cache(maxsize=65_536)
def display_number(e164: str) -> str:
    """How a person writes the number at home: "+14155552671" -> "(415) 555-2671"; other
    countries in their national format, with the library's rules."""
    if _CANONICAL_NANP.fullmatch(e164):
        return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"  # the NANP national format
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
