"""The simulated provider: a provider account that needs no network, for development,
the demo and tests. It behaves like a real one, Telnyx in particular:

- It sells made-up numbers: for an area code, the same numbers every time (derived from
  a hash of the area code), each valid and of the right region by the `phonenumbers`
  library, never in a 555 exchange nor an N11 one, and never one it has sold already
  (its own stock, SimulatedNumber). About one number in ten "belongs to another
  customer" and is not for sale, so a check of a random number can say no.
- An order is accepted at once (the numbers are "purchase-pending") and completes
  SIMULATED_PROVIDER_DELAY_SECONDS later: a Celery task decides each number's fate and
  sends a `number_order.complete` webhook shaped like Telnyx's, signed like Telnyx's
  (providers/signing.py, SIMULATED_PROVIDER_SIGNING_KEY), to SIMULATED_PROVIDER_WEBHOOK_URL
  (this app's /webhooks/simulated), retrying until the app answers 2xx.
- A share of numbers fails (SIMULATED_PROVIDER_FAILURE_RATE): the numbers whose
  `failure_score` is below the rate, so a test picks which ones fail by choosing numbers
  and the rate.
- Asking for an order's status after its delay settles it the same way, so polling
  works without a worker (as a fallback to webhooks should).

It buys nothing and knows nothing of the inventory: only what it has sold.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache

import httpx
import phonenumbers
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from phonenumbers_app.numbers import describe_location
from providers import accounts
from providers.base import (
    Availability,
    AvailableNumber,
    NumberLocation,
    Order,
    OrderedNumber,
    OrderState,
    OwnedNumber,
    OwnedPage,
    ProviderError,
    ProviderNotConfigured,
    ReleaseState,
    SearchQuery,
)
from providers.models import SimulatedNumber
from providers.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

logger = logging.getLogger(__name__)

__all__ = ["SimulatedProvider", "failure_score", "simulated_complete_order"]

MONTHLY_PRICE = Decimal("1.00")
UPFRONT_PRICE = Decimal("1.00")
CURRENCY = "USD"
PAGE_SIZE = 100
# The stock's statuses, as Telnyx names a number's.
PENDING, ACTIVE, FAILED = "purchase-pending", "active", "purchase-failed"
FAILURE_REASON = "The carrier rejected the number during activation (simulated)."
# Order ids derive from our reference and the numbers: a retried order is the same order.
_ORDER_NAMESPACE = uuid.UUID("4f1c7a52-6d2e-4d35-9a53-6f0b7c0e1d21")
# How many made-up candidates a search looks at per number asked for, at most.
_CANDIDATES_PER_NUMBER = 30
# North American area codes the generator knows (those `phonenumbers` finds valid).
_NANP_AREA_CODES = range(201, 990)
WEBHOOK_RETRIES = 8


def _hash(*parts: object) -> int:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def failure_score(number: str) -> float:
    """In [0, 1): an order of `number` fails when this is below the failure rate."""
    return _hash("fail", number) / 2**64


def _taken_elsewhere(number: str) -> bool:
    # One number in ten is another customer's: not for sale.
    return _hash("taken", number) % 10 == 0


def _parse_nanp(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 1 or not phonenumbers.is_valid_number(parsed):
        return None
    return parsed


def _exchange_ok(local: str) -> bool:
    exchange = local[:3]
    return exchange[0] not in "01" and exchange != "555" and exchange[1:] != "11"


def for_sale(number: str) -> bool:
    """Whether the simulated provider would sell `number` to anyone (sold or not)."""
    parsed = _parse_nanp(number)
    if parsed is None:
        return False
    national = str(parsed.national_number)
    return (
        phonenumbers.region_code_for_number(parsed) in {"US", "CA"}
        and _exchange_ok(national[3:])
        and not _taken_elsewhere(number)
    )


def _candidates(area_code: str, pattern: str | None) -> Iterable[str]:
    """The made-up numbers of `area_code`, always in the same order; with `pattern`,
    each has it in its last seven digits."""
    for index in range(10_000_000):
        seed = _hash(area_code, pattern or "", index)
        digits = f"{seed % 10**7:07d}"
        if pattern:
            room = 7 - len(pattern)
            offset = (seed >> 32) % (room + 1)
            digits = digits[:offset] + pattern + digits[offset + len(pattern) :]
        yield f"+1{area_code}{digits}"


@lru_cache(maxsize=1)
def _area_code_places() -> dict[str, tuple[str | None, str | None]]:
    """Area code -> (description, state) of a probe number in it, for searches by
    locality or region without an area code (~800 look-ups, once per process)."""
    places = {}
    for code in _NANP_AREA_CODES:
        probe = f"+1{code}2345678"
        if _parse_nanp(probe) is None:
            continue
        location = describe_location(probe)
        places[str(code)] = (location.description, location.state)
    return places


def _location(number: str) -> NumberLocation:
    described = describe_location(number)
    locality = described.description
    if locality and described.state and locality.endswith(f", {described.state}"):
        locality = locality[: -len(described.state) - 2]
    elif locality and described.state and locality.lower() != described.state.lower():
        locality = None  # "Illinois": a state, not a place
    return NumberLocation(
        locality=locality, region=described.state, country_code=described.country_code
    )


def _matches(location: NumberLocation, query: SearchQuery) -> bool:
    if query.locality and (location.locality or "").lower() != query.locality.strip().lower():
        return False
    if query.region and (location.region or "").lower() != query.region.strip().lower():
        return False
    return not query.country_code or location.country_code == query.country_code.upper()


class SimulatedProvider:
    """The simulated provider account (see the module's docstring)."""

    name = accounts.SIMULATED

    def __init__(
        self,
        *,
        signing_key: str,
        webhook_url: str | None = None,
        delay_seconds: float | None = None,
        failure_rate: float | None = None,
    ) -> None:
        # None: the setting, read when used (a test's changed setting applies at once).
        self._signing_key = signing_key
        self._webhook_url = webhook_url
        self._delay_seconds = delay_seconds
        self._failure_rate = failure_rate

    @classmethod
    def from_settings(cls) -> SimulatedProvider:
        if not settings.SIMULATED_PROVIDER_SIGNING_KEY:
            raise ProviderNotConfigured(
                "The simulated provider needs SIMULATED_PROVIDER_SIGNING_KEY to sign its webhooks."
            )
        return cls(signing_key=settings.SIMULATED_PROVIDER_SIGNING_KEY)

    @property
    def webhook_url(self) -> str:
        return self._webhook_url or settings.SIMULATED_PROVIDER_WEBHOOK_URL

    @property
    def delay_seconds(self) -> float:
        value = self._delay_seconds
        return max(0.0, settings.SIMULATED_PROVIDER_DELAY_SECONDS if value is None else value)

    @property
    def failure_rate(self) -> float:
        value = self._failure_rate
        return min(
            1.0, max(0.0, settings.SIMULATED_PROVIDER_FAILURE_RATE if value is None else value)
        )

    def __repr__(self) -> str:  # never the signing key
        return (
            f"SimulatedProvider(webhook_url={self.webhook_url!r}, "
            f"delay_seconds={self.delay_seconds}, failure_rate={self.failure_rate})"
        )

    # --- Finding numbers -----------------------------------------------------------

    def search(self, query: SearchQuery) -> list[AvailableNumber]:
        if query.country_code.upper() not in {"US", "CA"}:
            return []
        if query.pattern and not (query.pattern.isdigit() and len(query.pattern) <= 7):
            raise ProviderError("The pattern must be 1 to 7 digits.", code="10015")
        if query.area_code:
            area_codes = [query.area_code]
        else:
            area_codes = [
                code
                for code, (description, state) in _area_code_places().items()
                if (not query.region or (state or "").lower() == query.region.strip().lower())
                and (
                    not query.locality
                    or query.locality.strip().lower() in (description or "").lower()
                )
            ]
        found: list[AvailableNumber] = []
        for area_code in area_codes:
            if _parse_nanp(f"+1{area_code}2345678") is None:
                continue
            found += self._search_area(area_code, query, query.quantity - len(found))
            if len(found) >= query.quantity:
                break
        return found[: query.quantity]

    def _search_area(self, area_code: str, query: SearchQuery, wanted: int) -> list:
        budget = max(wanted, 1) * _CANDIDATES_PER_NUMBER
        offered: list[AvailableNumber] = []
        batch: list[str] = []
        for looked, number in enumerate(_candidates(area_code, query.pattern), start=1):
            if for_sale(number):
                batch.append(number)
            if len(batch) >= 2 * wanted or looked >= budget:
                offered += self._offers(batch, query)
                batch = []
                if len(offered) >= wanted or looked >= budget:
                    break
        return offered[:wanted]

    def _offers(self, numbers: list[str], query: SearchQuery) -> list[AvailableNumber]:
        sold = set(
            SimulatedNumber.objects.filter(number__in=numbers).values_list("number", flat=True)
        )
        offers = []
        for number in dict.fromkeys(numbers):
            if number in sold:
                continue
            location = _location(number)
            if _matches(location, query):
                offers.append(self._offer(number, location))
        return offers

    def _offer(self, number: str, location: NumberLocation) -> AvailableNumber:
        return AvailableNumber(
            number=number,
            location=location,
            sms=True,
            voice=True,
            monthly_price=MONTHLY_PRICE,
            upfront_price=UPFRONT_PRICE,
            currency=CURRENCY,
        )

    def check(self, number: str) -> Availability:
        if not for_sale(number):
            return Availability(
                number=number, available=False, reason="The number is not for sale."
            )
        location = _location(number)
        if SimulatedNumber.objects.filter(number=number).exclude(status=FAILED).exists():
            return Availability(
                number=number, available=False, location=location, reason="Already sold."
            )
        return Availability(
            number=number,
            available=True,
            monthly_price=MONTHLY_PRICE,
            currency=CURRENCY,
            location=location,
        )

    # --- Buying --------------------------------------------------------------------

    def order(self, numbers: Sequence[str], *, reference: str) -> Order:
        if not numbers:
            raise ProviderError("An order needs at least one number.", code="10015")
        order_id = str(uuid.uuid5(_ORDER_NAMESPACE, f"{reference}|{','.join(sorted(numbers))}"))
        results = []
        with transaction.atomic():
            held = {
                row.number: row
                for row in SimulatedNumber.objects.select_for_update().filter(number__in=numbers)
            }
            for number in dict.fromkeys(numbers):
                row = held.get(number)
                if row is not None and row.order_id == order_id:  # this order, asked again
                    results.append(_ordered(row))
                    continue
                if not for_sale(number) or (row is not None and row.status != FAILED):
                    results.append(
                        OrderedNumber(
                            number, OrderState.FAILED, error="The number is not for sale."
                        )
                    )
                    continue
                if row is not None:
                    row.delete()  # a failed purchase of another order: for sale again
                row = SimulatedNumber.objects.create(
                    number=number,
                    provider_phone_number_id=str(uuid.uuid4()),
                    order_id=order_id,
                    status=PENDING,
                )
                results.append(_ordered(row))
            if any(result.state == OrderState.PENDING for result in results):
                transaction.on_commit(
                    lambda: simulated_complete_order.apply_async(
                        (order_id,), countdown=self.delay_seconds
                    )
                )
        return Order(
            provider_order_id=order_id, state=_order_state(results), numbers=tuple(results)
        )

    def order_status(self, provider_order_id: str) -> Order:
        rows = list(SimulatedNumber.objects.filter(order_id=provider_order_id))
        if not rows:
            raise ProviderError(f"No order {provider_order_id}.", code="10005")
        if any(row.status == PENDING for row in rows):
            created = min(row.created_at for row in rows)
            if timezone.now() >= created + datetime.timedelta(seconds=self.delay_seconds):
                rows = self.settle(provider_order_id)
        results = tuple(_ordered(row) for row in rows)
        return Order(
            provider_order_id=provider_order_id, state=_order_state(results), numbers=results
        )

    def settle(self, provider_order_id: str) -> list[SimulatedNumber]:
        """Decide the fate of the order's pending numbers (once: a number settled stays)."""
        with transaction.atomic():
            rows = list(
                SimulatedNumber.objects.select_for_update().filter(order_id=provider_order_id)
            )
            for row in rows:
                if row.status == PENDING:
                    row.status = FAILED if failure_score(row.number) < self.failure_rate else ACTIVE
                    row.save(update_fields=["status"])
        return rows

    def release(self, provider_phone_number_id: str) -> str:
        SimulatedNumber.objects.filter(provider_phone_number_id=provider_phone_number_id).delete()
        return ReleaseState.RELEASED

    def owned(self, cursor: str | None = None) -> OwnedPage:
        rows = SimulatedNumber.objects.exclude(status=FAILED).order_by("number")
        if cursor:
            rows = rows.filter(number__gt=cursor)
        page = list(rows[: PAGE_SIZE + 1])
        more = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        return OwnedPage(
            numbers=tuple(
                OwnedNumber(
                    number=row.number,
                    provider_phone_number_id=row.provider_phone_number_id,
                    status=row.status,
                    messaging_profile_id=row.messaging_profile_id or None,
                    connection_id=row.connection_id or None,
                    campaign_id=row.campaign_id or None,
                )
                for row in page
            ),
            next_cursor=page[-1].number if more else None,
        )

    def configure(
        self,
        provider_phone_number_id: str,
        *,
        messaging_profile_id: str | None = None,
        connection_id: str | None = None,
        campaign_id: str | None = None,
    ) -> None:
        changes = {
            name: value
            for name, value in (
                ("messaging_profile_id", messaging_profile_id),
                ("connection_id", connection_id),
                ("campaign_id", campaign_id),
            )
            if value is not None
        }
        rows = SimulatedNumber.objects.filter(provider_phone_number_id=provider_phone_number_id)
        if not rows.exists():
            raise ProviderError("The account holds no such number.", code="10005")
        if changes:
            rows.update(**changes)

    # --- Webhooks ------------------------------------------------------------------

    def completion_event(self, provider_order_id: str, *, attempt: int = 1) -> dict:
        """The `number_order.complete` event of an order, shaped as Telnyx's
        (https://developers.telnyx.com/api-reference/callbacks/number-order-status-update).
        Its id is the order's: a redelivery is the same event."""
        rows = list(SimulatedNumber.objects.filter(order_id=provider_order_id))
        numbers = []
        for row in rows:
            entry = {
                "id": row.provider_phone_number_id,
                "record_type": "number_order_phone_number",
                "phone_number": row.number,
                "country_code": "US",
                "phone_number_type": "local",
                "regulatory_requirements": [],
                "requirements_met": True,
                "requirements_status": "approved",
                "status": _TELNYX_STATUS[row.status],
            }
            if row.status == FAILED:
                # Telnyx's word for numbers whose activation was refused; its event names
                # no reason, ours adds one beside its fields.
                entry["requirements_met"] = False
                entry["requirements_status"] = "requirement-info-exception"
                entry["errors"] = [
                    {"code": "10015", "title": "Activation failed", "detail": FAILURE_REASON}
                ]
            numbers.append(entry)
        states = {row.status for row in rows}
        created = min((row.created_at for row in rows), default=timezone.now())
        return {
            "data": {
                "event_type": "number_order.complete",
                "id": str(uuid.uuid5(_ORDER_NAMESPACE, f"complete|{provider_order_id}")),
                "occurred_at": _iso(timezone.now()),
                "payload": {
                    "id": provider_order_id,
                    "record_type": "number_order",
                    "phone_numbers": numbers,
                    "phone_numbers_count": len(numbers),
                    "connection_id": None,
                    "messaging_profile_id": None,
                    "billing_group_id": None,
                    "customer_reference": None,
                    "requirements_met": True,
                    "status": "failure" if states == {FAILED} else "success",
                    "sub_number_orders_ids": [],
                    "created_at": _iso(created),
                    "updated_at": _iso(timezone.now()),
                },
                "record_type": "event",
            },
            "meta": {"attempt": attempt, "delivered_to": self.webhook_url},
        }

    def signed_delivery(self, event: dict) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a webhook delivery, signed as Telnyx signs."""
        body = json.dumps(event, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        return body, {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._signing_key, timestamp, body),
            "User-Agent": "simulated-provider",
        }

    def deliver_completion(self, provider_order_id: str, *, attempt: int = 1) -> int:
        """Settle the order and POST its completion event; returns the HTTP status.
        Raises httpx.HTTPError when the app cannot be reached."""
        self.settle(provider_order_id)
        body, headers = self.signed_delivery(
            self.completion_event(provider_order_id, attempt=attempt)
        )
        response = httpx.post(self.webhook_url, content=body, headers=headers, timeout=10.0)
        return response.status_code


_TELNYX_STATUS = {PENDING: "pending", ACTIVE: "success", FAILED: "failure"}


def _iso(moment) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ordered(row: SimulatedNumber) -> OrderedNumber:
    state = {PENDING: OrderState.PENDING, ACTIVE: OrderState.SUCCESS, FAILED: OrderState.FAILED}
    return OrderedNumber(
        number=row.number,
        state=state.get(row.status, OrderState.SUCCESS),
        provider_phone_number_id=row.provider_phone_number_id,
        error=FAILURE_REASON if row.status == FAILED else None,
    )


def _order_state(results: Sequence[OrderedNumber]) -> str:
    states = {result.state for result in results}
    if OrderState.PENDING in states:
        return OrderState.PENDING
    if states == {OrderState.FAILED}:
        return OrderState.FAILED
    return OrderState.SUCCESS


@shared_task(
    name="providers.simulated_complete_order",
    bind=True,
    ignore_result=True,
    max_retries=WEBHOOK_RETRIES,
)
def simulated_complete_order(self, provider_order_id: str) -> None:
    """The simulated provider completes an order: its numbers' fates decided, the
    signed webhook sent; retried with backoff while the app does not answer 2xx."""
    try:
        provider = accounts.get(accounts.SIMULATED)
    except ProviderNotConfigured:
        logger.warning("Simulated order %s: the simulated provider is off", provider_order_id)
        return
    attempt = self.request.retries + 1
    try:
        status = provider.deliver_completion(provider_order_id, attempt=attempt)
    except httpx.HTTPError as exc:
        logger.info("Simulated order %s: webhook not delivered (%s)", provider_order_id, exc)
        raise self.retry(countdown=min(60, 2**attempt)) from None
    if not 200 <= status < 300:
        logger.info("Simulated order %s: webhook answered %s", provider_order_id, status)
        raise self.retry(countdown=min(60, 2**attempt))
