"""The providers API's answers, as plain dicts (documented by providers/api/serializers.py)."""

from __future__ import annotations

import datetime
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import timezone as number_timezones

from phonenumbers_app.numbers import describe_location
from providers.base import Availability, AvailableNumber, NumberLocation
from providers.models import NumberOrder, NumberOrderItem


@lru_cache(maxsize=4096)
def _time_zone(number: str) -> str | None:
    zones = number_timezones.time_zones_for_number(phonenumbers.parse(number, None))
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else None


def location(number: str, where: NumberLocation | None) -> dict[str, Any]:
    """PhoneNumberLocation: the library's description of the number, with the
    provider's locality and region as the canonical city and state."""
    described = describe_location(number)
    zone = _time_zone(number)
    where = where or NumberLocation()
    return {
        "location": described.description,
        "state": described.state or where.region,
        "canonicalCity": where.locality,
        "canonicalState": where.region,
        "countryCode": where.country_code or described.country_code,
        "coordinate": None,
        "coordinateSource": None,
        "timeZoneId": zone,
        "timeZoneSource": {"method": "phone-number", "query": number} if zone else None,
    }


def _price(value) -> float | None:
    return None if value is None else float(value)


def search_answer(offers: list[AvailableNumber], provider: str) -> dict[str, Any]:
    return {
        "numbers": [
            {
                "number": offer.number,
                "location": location(offer.number, offer.location),
                "price": _price(offer.monthly_price),
                "upfrontPrice": _price(offer.upfront_price),
                "currency": offer.currency,
                "capabilities": {"sms": offer.sms, "voice": offer.voice},
            }
            for offer in offers
        ],
        "provider": provider,
    }


def availability_answer(availability: Availability, provider: str) -> dict[str, Any]:
    return {
        "phoneNumber": availability.number,
        "isAvailable": availability.available,
        "price": _price(availability.monthly_price),
        "currency": availability.currency,
        "location": location(availability.number, availability.location),
        "reason": availability.reason,
        "provider": provider,
    }


def order_answer(order: NumberOrder, items: list[NumberOrderItem]) -> dict[str, Any]:
    counts = dict.fromkeys(NumberOrderItem.Status.values, 0)
    for item in items:
        counts[item.status] += 1
    return {
        "id": str(order.pk),
        "provider": order.provider,
        "status": order.status,
        "areaCode": order.area_code or None,
        "numbers": list(order.numbers),
        "quantity": order.quantity,
        "businessId": str(order.business_id) if order.business_id else None,
        "requested": order.quantity,
        "bought": counts["ordered"] + counts["active"],
        "active": counts["active"],
        "failed": counts["failed"],
        "pending": counts["ordered"],
        "message": order.error or None,
        "items": [
            {
                "number": item.number,
                "status": item.status,
                "phoneNumberId": str(item.phone_number_id) if item.phone_number_id else None,
                "error": item.error or None,
            }
            for item in items
        ],
        "createdAt": _time(order.created_at),
        "finishedAt": _time(order.finished_at),
    }


def _time(value) -> str | None:
    if value is None:
        return None
    text = value.astimezone(datetime.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
