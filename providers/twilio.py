"""Twilio, through its official library (`twilio`, over requests).

What each Provider method calls:
- search       GET  /2010-04-01/Accounts/{AC}/AvailablePhoneNumbers/{country}/Local.json
- check        the same search, the number's national digits as Contains; its price from
               the Pricing API (GET pricing.twilio.com/v1/PhoneNumbers/Countries/{country}),
               fetched once an hour per country: AvailablePhoneNumbers carry no price, and
               Twilio prices numbers per country and type, not per number
- order        POST IncomingPhoneNumbers.json, once per number. Twilio sells synchronously:
               each number is SUCCESS (with its PN sid) or FAILED (with Twilio's message) at
               once, and the order has no id at Twilio (provider_order_id None). A number
               bought is added to TWILIO_MESSAGING_SERVICE_SID when that is set, as Telnyx's
               orders carry the messaging profile. A create without an answer (timeout,
               5xx) is settled by asking whether the account now holds the number; when
               Twilio cannot be reached at all, the call raises a retryable ProviderError if
               nothing was bought yet, else the rest are FAILED "not attempted" (a number
               whose fate stayed unknown is adopted by reconciliation if it was bought).
- order_status Twilio has no orders, so there is nothing to ask: ProviderError (code
               "no_orders", not retryable). order() already answered for every number.
- release      DELETE IncomingPhoneNumbers/{PN}.json; 404 = already gone = released
- owned        GET IncomingPhoneNumbers.json?PageSize=…; the cursor is the PageToken and Page
               of Twilio's next page (never a URL: a tampered cursor cannot send our
               credentials to another host)
- configure    messaging profile = Messaging Service: POST
               messaging.twilio.com/v1/Services/{MG}/PhoneNumbers (PhoneNumberSid);
               connection = the number's voice routing: a TwiML app (AP…) as
               VoiceApplicationSid, or an Elastic SIP trunk (TK…) as TrunkSid;
               10DLC campaign: Twilio registers US A2P campaigns on a Messaging Service, not
               per number (a number is on a campaign by being in that service). configure
               checks that the campaign (its QE sid or TCR id) is registered on the service
               the number is put in (or TWILIO_MESSAGING_SERVICE_SID), and refuses with
               ProviderError code "campaign_not_per_number" otherwise.

The library's HTTP retries are off (max_retries=0) and its timeout is 20 s; our jobs retry.
Errors become ProviderError, retryable for timeouts, connection errors, 429 and 5xx, with
Twilio's error code. The auth token is only in the client object: not in this class's
repr, not in any message we raise or log.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

import phonenumbers
import requests
from django.conf import settings
from twilio.base import values
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

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

TIMEOUT_SECONDS = 20.0
OWNED_PAGE_SIZE = 500
PRICE_CACHE_SECONDS = 60 * 60
# Twilio error 21710: the number is already in this Messaging Service (what we wanted).
ALREADY_IN_SERVICE = 21710
TOLL_FREE_NPAS = {"800", "833", "844", "855", "866", "877", "888"}


class TwilioProvider:
    """One Twilio account."""

    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        messaging_service_sid: str | None = None,
        http_client: TwilioHttpClient | None = None,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("A Twilio account SID and auth token are required.")
        self.account_sid = account_sid
        self.messaging_service_sid = messaging_service_sid or None
        self._client = Client(
            username=account_sid,
            password=auth_token,
            account_sid=account_sid,
            http_client=http_client or TwilioHttpClient(timeout=TIMEOUT_SECONDS, max_retries=0),
        )
        self._prices: dict[str, tuple[float, dict[str, Decimal], str | None]] = {}

    @classmethod
    def from_settings(cls) -> TwilioProvider:
        return cls(
            account_sid=settings.TWILIO_ACCOUNT_SID,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            messaging_service_sid=settings.TWILIO_MESSAGING_SERVICE_SID,
        )

    def __repr__(self) -> str:
        # The account SID names the account; the auth token never shows.
        return (
            f"<TwilioProvider account_sid={self.account_sid!r} "
            f"messaging_service_sid={self.messaging_service_sid!r}>"
        )

    __str__ = __repr__

    @property
    def _account(self):
        return self._client.api.v2010.accounts(self.account_sid)

    # --- search and availability -------------------------------------------------------

    def search(self, query: SearchQuery) -> list[AvailableNumber]:
        params: dict[str, Any] = {"limit": query.quantity}
        if query.area_code:
            params["area_code"] = query.area_code
        if query.pattern:
            params["contains"] = query.pattern
        if query.locality:
            params["in_locality"] = query.locality
        if query.region:
            params["in_region"] = query.region
        # Only ask for a capability that is required; False means "don't care" here.
        if query.sms:
            params["sms_enabled"] = True
        if query.voice:
            params["voice_enabled"] = True
        local = self._account.available_phone_numbers(query.country_code).local
        found = _call(lambda: local.list(**params))
        return [_available(item) for item in found][: query.quantity]

    def check(self, number: str) -> Availability:
        country, national = _split(number)
        local = self._account.available_phone_numbers(country).local
        found = _call(lambda: local.list(contains=national, limit=5))
        for item in found:
            if item.phone_number == number:
                offer = _available(item)
                price, currency = self._price(country, _number_type(country, national))
                return Availability(
                    number=number,
                    available=True,
                    monthly_price=price,
                    currency=currency,
                    location=offer.location,
                )
        return Availability(
            number=number, available=False, reason="Twilio does not offer this number for sale."
        )

    def _price(self, country: str, number_type: str) -> tuple[Decimal | None, str | None]:
        """The monthly price of a number of this type in this country (None: unknown)."""
        cached = self._prices.get(country)
        if cached is None or time.monotonic() - cached[0] > PRICE_CACHE_SECONDS:
            try:
                prices = _call(
                    lambda: self._client.pricing.v1.phone_numbers.countries(country).fetch()
                )
            except ProviderError:
                # The number is still for sale; only its price is unknown for now.
                return None, None
            table = {}
            for row in prices.phone_number_prices or []:
                value = _money(row.get("current_price") or row.get("base_price"))
                if row.get("number_type") and value is not None:
                    table[row["number_type"]] = value
            cached = (time.monotonic(), table, prices.price_unit)
            self._prices[country] = cached
        _, table, currency = cached
        price = table.get(number_type)
        return price, currency if price is not None else None

    # --- orders --------------------------------------------------------------------------

    def order(self, numbers: Sequence[str], *, reference: str) -> Order:
        if not numbers:
            raise ProviderError("An order needs at least one number.")
        results: list[OrderedNumber] = []
        for position, number in enumerate(numbers):
            try:
                bought = _call(
                    lambda n=number: self._account.incoming_phone_numbers.create(phone_number=n)
                )
            except ProviderError as error:
                if not error.retryable:
                    results.append(_failed(number, error.message))
                    continue
                # No answer: Twilio may or may not have sold it. Ask before deciding.
                try:
                    sid = self._held(number)
                except ProviderError:
                    if not any(r.state == OrderState.SUCCESS for r in results):
                        # Nothing bought yet: the whole call can simply be retried.
                        raise error from None
                    results.append(
                        _failed(
                            number,
                            "Twilio did not answer; whether it was bought is unknown "
                            "(reconciliation adopts it if it was).",
                        )
                    )
                    results.extend(
                        _failed(rest, "Not attempted: Twilio did not answer.")
                        for rest in numbers[position + 1 :]
                    )
                    break
                if sid is None:
                    results.append(_failed(number, error.message))
                else:
                    results.append(_bought(number, sid))
                    self._join_messaging_service(sid)
                continue
            results.append(_bought(number, bought.sid))
            self._join_messaging_service(bought.sid)
        if any(result.state == OrderState.SUCCESS for result in results):
            state = OrderState.SUCCESS
        else:
            state = OrderState.FAILED
        logger.info(
            "twilio order %s: %d of %d numbers bought",
            reference,
            sum(result.state == OrderState.SUCCESS for result in results),
            len(results),
        )
        return Order(provider_order_id=None, state=state, numbers=tuple(results))

    def order_status(self, provider_order_id: str) -> Order:
        raise ProviderError(
            "Twilio has no number orders: purchases are synchronous, and order() already "
            "answered for every number.",
            code="no_orders",
        )

    def _held(self, number: str) -> str | None:
        """The PN sid of `number` if the account holds it."""
        found = _call(
            lambda: self._account.incoming_phone_numbers.list(phone_number=number, limit=5)
        )
        for item in found:
            if item.phone_number == number:
                return item.sid
        return None

    def _join_messaging_service(self, sid: str) -> None:
        if not self.messaging_service_sid:
            return
        try:
            self._add_to_service(self.messaging_service_sid, sid)
        except ProviderError as error:
            # The number is bought either way; reconciliation reports the missing service.
            logger.warning(
                "twilio number %s not added to messaging service %s: code=%s",
                sid,
                self.messaging_service_sid,
                error.code,
            )

    # --- release and what the account holds ----------------------------------------------

    def release(self, provider_phone_number_id: str) -> str:
        if not provider_phone_number_id:
            raise ProviderError("A Twilio phone number sid is required.")
        try:
            _call(lambda: self._account.incoming_phone_numbers(provider_phone_number_id).delete())
        except TwilioProviderError as error:
            if error.status == 404:
                return ReleaseState.RELEASED
            raise
        return ReleaseState.RELEASED

    def owned(self, cursor: str | None = None) -> OwnedPage:
        page_token, page_number = _parse_cursor(cursor)
        numbers = self._account.incoming_phone_numbers
        page = _call(
            lambda: numbers.page(
                page_token=page_token, page_number=page_number, page_size=OWNED_PAGE_SIZE
            )
        )
        owned = tuple(_owned(item) for item in page)
        return OwnedPage(numbers=owned, next_cursor=_next_cursor(page.next_page_url))

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
            raise ProviderError("A Twilio phone number sid is required.")
        if campaign_id is not None:
            # Checked first: a refusal then changes nothing at Twilio.
            self._check_campaign(campaign_id, messaging_profile_id or self.messaging_service_sid)
        if messaging_profile_id is not None:
            self._add_to_service(messaging_profile_id, provider_phone_number_id)
        if connection_id is not None:
            if connection_id.startswith("TK"):
                update = {"trunk_sid": connection_id}
            else:
                update = {"voice_application_sid": connection_id}
            _call(
                lambda: self._account.incoming_phone_numbers(provider_phone_number_id).update(
                    **update
                )
            )

    def _add_to_service(self, service_sid: str, phone_number_sid: str) -> None:
        service = self._client.messaging.v1.services(service_sid)
        try:
            _call(lambda: service.phone_numbers.create(phone_number_sid=phone_number_sid))
        except ProviderError as error:
            if error.code != str(ALREADY_IN_SERVICE):
                raise

    def _check_campaign(self, campaign_id: str, service_sid: str | None) -> None:
        if not service_sid:
            raise ProviderError(
                "Twilio assigns 10DLC campaigns per Messaging Service, not per number: "
                "give the number a messaging service (or set TWILIO_MESSAGING_SERVICE_SID).",
                code="campaign_not_per_number",
            )
        service = self._client.messaging.v1.services(service_sid)
        campaigns = _call(lambda: service.us_app_to_person.list(limit=50))
        if not any(campaign_id in (c.sid, c.campaign_id) for c in campaigns):
            raise ProviderError(
                f"Campaign {campaign_id} is not registered on messaging service "
                f"{service_sid}; Twilio assigns 10DLC campaigns per Messaging Service, "
                "not per number.",
                code="campaign_not_per_number",
            )


# --- mapping Twilio's answers ------------------------------------------------------------


def _capabilities(item: Any) -> dict[str, bool]:
    # AvailablePhoneNumbers say "SMS"/"MMS"/"voice" or lower case; IncomingPhoneNumbers lower.
    return {str(key).lower(): bool(value) for key, value in (item.capabilities or {}).items()}


def _available(item: Any) -> AvailableNumber:
    capabilities = _capabilities(item)
    return AvailableNumber(
        number=item.phone_number,
        location=NumberLocation(
            locality=item.locality or None,
            region=item.region or None,
            country_code=item.iso_country or None,
        ),
        sms=capabilities.get("sms", False),
        voice=capabilities.get("voice", False),
    )


def _owned(item: Any) -> OwnedNumber:
    sms_application = item.sms_application_sid or ""
    return OwnedNumber(
        number=item.phone_number,
        provider_phone_number_id=item.sid,
        status=item.status,
        # A number in a Messaging Service has the service's MG sid as its SMS application.
        messaging_profile_id=sms_application if sms_application.startswith("MG") else None,
        connection_id=item.voice_application_sid or item.trunk_sid or None,
        campaign_id=None,  # per Messaging Service at Twilio, not on the number
    )


def _bought(number: str, sid: str) -> OrderedNumber:
    return OrderedNumber(number=number, state=OrderState.SUCCESS, provider_phone_number_id=sid)


def _failed(number: str, error: str) -> OrderedNumber:
    return OrderedNumber(number=number, state=OrderState.FAILED, error=error)


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
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


def _number_type(country: str, national: str) -> str:
    # Pricing API types: "local", "toll free", "mobile", … ; NANP toll-free by area code.
    if country in ("US", "CA") and national[:3] in TOLL_FREE_NPAS:
        return "toll free"
    return "local"


def _parse_cursor(cursor: str | None) -> tuple[Any, Any]:
    if not cursor:
        return values.unset, values.unset
    fields = parse_qs(cursor, strict_parsing=True) if "=" in cursor else {}
    token, page = fields.get("PageToken", [None])[0], fields.get("Page", [None])[0]
    if not token or not page or not page.isdigit() or set(fields) - {"PageToken", "Page"}:
        raise ProviderError(f"Not a Twilio page cursor: {cursor!r}.")
    return token, int(page)


def _next_cursor(next_page_url: str | None) -> str | None:
    if not next_page_url:
        return None
    query = parse_qs(urlsplit(next_page_url).query)
    token, page = query.get("PageToken", [None])[0], query.get("Page", [None])[0]
    if not token or not page:
        return None
    return urlencode({"PageToken": token, "Page": page})


# --- errors ------------------------------------------------------------------------------


class TwilioProviderError(ProviderError):
    """A ProviderError that also remembers the HTTP status (None: no answer at all)."""

    def __init__(self, message: str, *, retryable: bool, code: str | None, status: int | None):
        super().__init__(message, retryable=retryable, code=code)
        self.status = status


def _json(text: str) -> dict:
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _status_error(status: int, code: Any, detail: Any) -> TwilioProviderError:
    code = str(code) if code is not None else None
    message = f"Twilio answered {status}"
    if code:
        message += f" (error {code})"
    if detail:
        message += f": {detail}"
    return TwilioProviderError(
        message, retryable=status == 429 or status >= 500, code=code, status=status
    )


def _call(request: Callable[[], T]) -> T:
    """Run one library call; its failures become ProviderError (never with credentials)."""
    try:
        return request()
    except TwilioRestException as exc:
        error = _status_error(int(exc.status), exc.code, exc.msg)
    except TwilioException as exc:
        # A list or page call that is refused raises TwilioException("Unable to fetch
        # page", response) instead: read Twilio's error body from that response.
        response = exc.args[1] if len(exc.args) > 1 else None
        status = getattr(response, "status_code", None)
        if status is None:
            raise
        body = _json(getattr(response, "text", ""))
        error = _status_error(int(status), body.get("code"), body.get("message"))
    except requests.Timeout:
        error = TwilioProviderError(
            "Twilio did not answer in time.", retryable=True, code=None, status=None
        )
    except requests.ConnectionError:
        error = TwilioProviderError(
            "Could not reach Twilio.", retryable=True, code=None, status=None
        )
    logger.warning(
        "twilio request failed: status=%s code=%s retryable=%s",
        error.status,
        error.code,
        error.retryable,
    )
    # `from None`: the library's exception may hold the prepared request (its auth header).
    raise error from None
