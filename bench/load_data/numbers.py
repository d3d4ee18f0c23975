"""Numbers: area codes, exchanges and locations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from phonenumbers_app.numbers import describe_location, normalize_number

FICTIONAL_LINES = 100  # 555-0100 .. 555-0199
LINES_PER_EXCHANGE = 10_000
_EXCLUDED_EXCHANGES = {555, 950, 958, 959, 976} | {n * 100 + 11 for n in range(2, 10)}


@dataclass(frozen=True)
class Block:
    """The numbers of one area code and exchange."""

    block: int
    area: str
    exchange: str
    location_description: str | None
    location_state: str | None


@lru_cache(maxsize=1)
def area_codes() -> tuple[str, ...]:
    """Every US geographic area code `phonenumbers` accepts and places in a state."""
    result = []
    for npa in range(200, 1000):
        parsed = phonenumbers.parse(f"+1{npa}5550100", None)
        if (
            phonenumbers.is_valid_number(parsed)
            and phonenumbers.region_code_for_number(parsed) == "US"
            and phonenumbers.number_type(parsed)
            == phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
            and describe_location(f"+1{npa}5550100").state
        ):
            result.append(str(npa))
    return tuple(result)


@lru_cache(maxsize=4096)
def _exchanges(area: str, count: int) -> tuple[str, ...]:
    """The first `count` exchanges of `area` from 400 up: those the geocoder places in a
    city first (real, assigned exchanges), then the rest."""
    candidates = [x for x in range(400, 1000) if x not in _EXCLUDED_EXCHANGES]
    cities: list[int] = []
    for x in candidates:
        if ", " in (describe_location(f"+1{area}{x}0000").description or ""):
            cities.append(x)
            if len(cities) == count:
                break
    ordered = (cities + [x for x in candidates if x not in cities])[:count]
    if len(ordered) < count:
        raise ValueError(f"area code {area} has only {len(ordered)} usable exchanges")
    return tuple(str(x) for x in ordered)


def blocks_for(count: int) -> list[Block]:
    """The blocks the first `count` numbers use, indexed by block number."""
    areas = area_codes()
    a = len(areas)
    beyond = max(0, count - a * FICTIONAL_LINES)
    tiers = 1 + -(-beyond // (a * LINES_PER_EXCHANGE))
    result = []
    for tier in range(tiers):
        for index, area in enumerate(areas):
            exchange = "555" if tier == 0 else _exchanges(area, tiers - 1)[tier - 1]
            first, last = ("0100", "0199") if tier == 0 else ("0000", "9999")
            for line in (first, last):
                e164 = f"+1{area}{exchange}{line}"
                if normalize_number(e164) != e164:
                    raise ValueError(f"{e164} is not a valid E.164 number")
            location = describe_location(f"+1{area}{exchange}{first}")
            result.append(
                Block(tier * a + index, area, exchange, location.description, location.state)
            )
    return result
