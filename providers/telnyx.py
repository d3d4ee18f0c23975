"""Telnyx, through its official library (`telnyx`, a Stainless client over httpx).

What each Provider method calls (API v2, https://api.telnyx.com/v2):
- search       GET  /available_phone_numbers            (available_phone_numbers.list)
- check        GET  /available_phone_numbers, the number's digits as filter[phone_number][contains]
- order        POST /number_orders                      (number_orders.create); our reference
                is the order's customer_reference; the account's messaging profile and
                connection (settings) are set on the order when configured
- order_status GET  /number_orders/{id}                 (number_orders.retrieve), then for
                each number bought GET /phone_numbers?filter[phone_number]=… for its id
- release      DELETE /phone_numbers/{id}               (phone_numbers.delete); 404 = gone
- owned        GET  /phone_numbers?page[number]=&page[size]=  (phone_numbers.list)
- configure    PATCH /phone_numbers/{id}/messaging      (messaging profile),
               PATCH /phone_numbers/{id}                (connection),
               POST  /10dlc/phone_number_campaigns      (10DLC campaign, by E.164 number)

A number order's `phone_numbers[].id` is the id of the number *within the order*, not of
the phone number resource that release/configure need; that one exists once the number
is bought, so order_status looks it up by number for the numbers that succeeded.

The library's own retries are off (max_retries=0): a retried POST /number_orders after a
timeout could buy twice, and our Celery jobs retry with their own backoff. Errors become
ProviderError, retryable for timeouts, connection errors, 429 and 5xx.

The API key lives only in the client object; this class's repr does not show it, and no
message we raise or log contains request headers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import httpx
import phonenumbers
import telnyx
from django.conf import settings

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
    ReleaseState,
    SearchQuery,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The largest page GET /phone_numbers serves.
OWNED_PAGE_SIZE = 250
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
# Telnyx writes this where a messaging detail could not be loaded (see NumbersPhoneNumberDetailed).
UNAVAILABLE = "UNAVAILABLE"

_ORDER_STATES = {
    "pending": OrderState.PENDING,
    "success": OrderState.SUCCESS,
    "failure": OrderState.FAILED,
}


class TelnyxProvider:
    """One Telnyx account."""

    name = "telnyx"

    def __init__(
        self,
        *,
        api_key: str,
        messaging_profile_id: str | None = None,
        connection_id: str | None = None,
        base_url: str | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("A Telnyx API key is required.")
        self.messaging_profile_id = messaging_profile_id or None
        self.connection_id = connection_id or None
        self._client = telnyx.Telnyx(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            timeout=TIMEOUT,
        )

    @classmethod
    def from_settings(cls) -> TelnyxProvider:
        return cls(
            api_key=settings.TELNYX_API_KEY,
            messaging_profile_id=settings.TELNYX_MESSAGING_PROFILE_ID,
            connection_id=settings.TELNYX_CONNECTION_ID,
        )

    def __repr__(self) -> str:
        # Never the API key.
        return (
            f"<TelnyxProvider messaging_profile_id={self.messaging_profile_id!r} "
            f"connection_id={self.connection_id!r}>"
        )

    __str__ = __repr__

    # --- search and availability -------------------------------------------------------

    def search(self, query: SearchQuery) -> list[AvailableNumber]:
        features = []
        if query.sms:
            features.append("sms")
        if query.voice:
            features.append("voice")
        flt: dict[str, Any] = {
            "country_code": query.country_code,
            "limit": query.quantity,
            # Exact matches only: "best effort" answers are numbers near the area code.
            "best_effort": False,
        }
        if features:
            flt["features"] = features
        if query.area_code:
            flt["national_destination_code"] = query.area_code
        if query.locality:
            flt["locality"] = query.locality
        if query.region:
            flt["administrative_area"] = query.region
        if query.pattern:
            flt["phone_number"] = {"contains": query.pattern}
        response = _call(lambda: self._client.available_phone_numbers.list(filter=flt))
        found = [_available(item) for item in response.data or [] if item.phone_number]
        return found[: query.quantity]

    def check(self, number: str) -> Availability:
        country, national = _split(number)
        flt = {
            "country_code": country,
            "phone_number": {"contains": national},
            "best_effort": False,
            "limit": 5,
        }
        response = _call(lambda: self._client.available_phone_numbers.list(filter=flt))
        for item in response.data or []:
            if item.phone_number == number:
                offer = _available(item)
                return Availability(
                    number=number,
                    available=True,
                    monthly_price=offer.monthly_price,
                    currency=offer.currency,
                    location=offer.location,
                )
        return Availability(
            number=number, available=False, reason="Telnyx does not offer this number for sale."
        )

    # --- orders --------------------------------------------------------------------------

    def order(self, numbers: Sequence[str], *, reference: str) -> Order:
        if not numbers:
            raise ProviderError("An order needs at least one number.")
        kwargs: dict[str, Any] = {
            "phone_numbers": [{"phone_number": number} for number in numbers],
            "customer_reference": reference,
        }
        if self.messaging_profile_id:
            kwargs["messaging_profile_id"] = self.messaging_profile_id
        if self.connection_id:
            kwargs["connection_id"] = self.connection_id
        response = _call(lambda: self._client.number_orders.create(**kwargs))
        return self._order(response.data)

    def order_status(self, provider_order_id: str) -> Order:
        if not provider_order_id:
            raise ProviderError("A Telnyx number order id is required.")
        response = _call(lambda: self._client.number_orders.retrieve(provider_order_id))
        return self._order(response.data)

    def _order(self, data: Any) -> Order:
        if data is None or not data.id:
            raise ProviderError("Telnyx answered without a number order.", retryable=True)
        numbers = []
        for item in data.phone_numbers or []:
            if not item.phone_number:
                continue
            state = _ORDER_STATES.get(item.status or "pending", OrderState.PENDING)
            error = None
            if state == OrderState.FAILED:
                error = "Telnyx could not complete the purchase of this number"
                if item.requirements_status:
                    error += f" (requirements: {item.requirements_status})"
                error += "."
            phone_number_id = (
                self.phone_number_id(item.phone_number) if state == OrderState.SUCCESS else None
            )
            numbers.append(
                OrderedNumber(
                    number=item.phone_number,
                    state=state,
                    provider_phone_number_id=phone_number_id,
                    error=error,
                )
            )
        return Order(
            provider_order_id=data.id,
            state=_ORDER_STATES.get(data.status or "pending", OrderState.PENDING),
            numbers=tuple(numbers),
        )

    def phone_number_id(self, number: str) -> str | None:
        """The id of the account's phone number resource for `number` (None: not held)."""
        digits = number.lstrip("+")
        page = _call(
            lambda: self._client.phone_numbers.list(
                filter={"phone_number": digits}, page_number=1, page_size=20
            )
        )
        for item in page.data or []:
            if item.phone_number == number:
                return str(item.id)
        return None

    # --- release and what the account holds ----------------------------------------------

    def release(self, provider_phone_number_id: str) -> str:
        if not provider_phone_number_id:
            raise ProviderError("A Telnyx phone number id is required.")
        try:
            _call(lambda: self._client.phone_numbers.delete(provider_phone_number_id))
        except ProviderError as error:
            if getattr(error, "status", None) == 404:
                # Not in the account (any more): what a release wants.
                return ReleaseState.RELEASED
            raise
        return ReleaseState.RELEASED

    def owned(self, cursor: str | None = None) -> OwnedPage:
        try:
            page_number = int(cursor) if cursor else 1
        except ValueError:
            raise ProviderError(f"Not a Telnyx page cursor: {cursor!r}.") from None
        if page_number < 1:
            raise ProviderError(f"Not a Telnyx page cursor: {cursor!r}.")
        page = _call(
            lambda: self._client.phone_numbers.list(
                page_number=page_number, page_size=OWNED_PAGE_SIZE
            )
        )
        data = page.data or []
        numbers = tuple(_owned(item) for item in data)
        if page.meta is not None:
            more = page.meta.page_number < page.meta.total_pages
        else:
            more = len(data) >= OWNED_PAGE_SIZE
        return OwnedPage(numbers=numbers, next_cursor=str(page_number + 1) if more else None)

    # --- configuration -------------------------------------------------------------------

    def configure(
        self,
        provider_phone_number_id: str,
        *,
        messaging_profile_id: str | None = None,
        connection_id: str | None = None,
        campaign_id: str | None = None,
    ) -> None:
        if not provider_phone_number_id:
            raise ProviderError("A Telnyx phone number id is required.")
        number = None
        if messaging_profile_id is not None:
            response = _call(
                lambda: self._client.phone_numbers.messaging.update(
                    provider_phone_number_id, messaging_profile_id=messaging_profile_id
                )
            )
            number = response.data.phone_number if response.data else None
        if connection_id is not None:
            response = _call(
                lambda: self._client.phone_numbers.update(
                    provider_phone_number_id, connection_id=connection_id
                )
            )
            number = response.data.phone_number if response.data else number
        if campaign_id is not None:
            if number is None:
                # 10DLC assignments are made by E.164 number, not by the number's id.
                response = _call(
                    lambda: self._client.phone_numbers.retrieve(provider_phone_number_id)
                )
                number = response.data.phone_number if response.data else None
            if not number:
                raise ProviderError("Telnyx did not say which number this id is.")
            _call(
                lambda: self._client.messaging_10dlc.phone_number_campaigns.create(
                    campaign_id=campaign_id, phone_number=number
                )
            )


# --- mapping Telnyx's answers ------------------------------------------------------------


def _available(item: Any) -> AvailableNumber:
    regions = {region.region_type: region.region_name for region in item.region_information or []}
    features = {feature.name for feature in item.features or []}
    cost = item.cost_information
    return AvailableNumber(
        number=item.phone_number,
        location=NumberLocation(
            locality=regions.get("rate_center") or regions.get("location"),
            region=regions.get("state"),
            country_code=regions.get("country_code"),
        ),
        sms="sms" in features,
        voice="voice" in features,
        monthly_price=_money(cost.monthly_cost) if cost else None,
        upfront_price=_money(cost.upfront_cost) if cost else None,
        currency=cost.currency if cost else None,
    )


def _owned(item: Any) -> OwnedNumber:
    return OwnedNumber(
        number=item.phone_number,
        provider_phone_number_id=str(item.id),
        status=item.status,
        messaging_profile_id=_known(item.messaging_profile_id),
        connection_id=item.connection_id or None,
        campaign_id=_known(item.messaging_campaign_id),
    )


def _known(value: str | None) -> str | None:
    return None if not value or value == UNAVAILABLE else value


def _money(value: str | None) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _split(number: str) -> tuple[str, str]:
    """ISO country and national digits of an E.164 number."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        raise ProviderError(f"Not an E.164 number: {number!r}.") from None
    country = phonenumbers.region_code_for_number(parsed)
    if not country or not phonenumbers.is_possible_number(parsed):
        raise ProviderError(f"Not an E.164 number: {number!r}.")
    return country, str(parsed.national_number)


# --- errors ------------------------------------------------------------------------------


class TelnyxProviderError(ProviderError):
    """A ProviderError that also remembers the HTTP status (None: no answer at all)."""

    def __init__(self, message: str, *, retryable: bool, code: str | None, status: int | None):
        super().__init__(message, retryable=retryable, code=code)
        self.status = status


def _call(request: Callable[[], T]) -> T:
    """Run one library call; its failures become ProviderError (never with a header)."""
    try:
        return request()
    except telnyx.APITimeoutError:
        error = TelnyxProviderError(
            "Telnyx did not answer in time.", retryable=True, code=None, status=None
        )
    except telnyx.APIConnectionError:
        error = TelnyxProviderError(
            "Could not reach Telnyx.", retryable=True, code=None, status=None
        )
    except telnyx.APIStatusError as exc:
        error = _status_error(exc.status_code, exc.body)
    except telnyx.APIResponseValidationError:
        error = TelnyxProviderError(
            "Telnyx answered with something unexpected.", retryable=True, code=None, status=None
        )
    logger.warning(
        "telnyx request failed: status=%s code=%s retryable=%s",
        error.status,
        error.code,
        error.retryable,
    )
    # `from None`: the library's exception holds the request, and its headers the key.
    raise error from None


def _status_error(status: int, body: object) -> TelnyxProviderError:
    code, detail = None, None
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        code = str(first["code"]) if first.get("code") is not None else None
        detail = first.get("detail") or first.get("title")
    retryable = status == 429 or status >= 500
    message = f"Telnyx answered {status}"
    if code:
        message += f" (error {code})"
    if detail:
        message += f": {detail}"
    return TelnyxProviderError(message, retryable=retryable, code=code, status=status)
