"""The one interface every telecom provider is reached through, and what it answers.

Three implementations: Telnyx (providers/telnyx.py) and Twilio (providers/twilio.py)
through their official libraries, and a simulated provider (providers/simulated.py), the
default in development and the demo. Everything above this module (orders, releases,
reconciliation, the search endpoints) speaks only these types; nothing above it imports
a provider's library.

Numbers are E.164 strings throughout. Money is a Decimal with its ISO currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable


class ProviderError(Exception):
    """A provider refused or failed a request.

    `retryable`: worth trying again later (a timeout, a 5xx, a rate limit) rather than a
    refusal that will not change (a 4xx such as "number not found" or "not owned").
    `code`: the provider's own error code, when it gave one.
    """

    def __init__(self, message: str, *, retryable: bool = False, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code


class ProviderNotConfigured(Exception):
    """No account of this provider is configured (its credentials are not in the environment)."""


@dataclass(frozen=True)
class NumberLocation:
    """Where a number is, as the provider describes it. Any part may be unknown."""

    locality: str | None = None  # city / rate center, e.g. "CHICAGO"
    region: str | None = None  # state or province, e.g. "IL"
    country_code: str | None = None  # ISO 3166-1 alpha-2, e.g. "US"


@dataclass(frozen=True)
class SearchQuery:
    """What to look for. At least one of area_code, locality, pattern should be set."""

    area_code: str | None = None  # "312"
    locality: str | None = None  # "Chicago"
    region: str | None = None  # "IL"
    pattern: str | None = None  # digits the number contains, e.g. "555"
    country_code: str = "US"
    sms: bool = True  # must be able to send SMS
    voice: bool = False  # must be able to take calls
    quantity: int = 10


@dataclass(frozen=True)
class AvailableNumber:
    """A number the provider offers for sale."""

    number: str
    location: NumberLocation = field(default_factory=NumberLocation)
    sms: bool = True
    voice: bool = True
    monthly_price: Decimal | None = None
    upfront_price: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Availability:
    """Whether one number can be bought now, and for how much."""

    number: str
    available: bool
    monthly_price: Decimal | None = None
    currency: str | None = None
    location: NumberLocation | None = None
    reason: str | None = None  # why not, in the provider's words


class OrderState:
    """A provider's order, or one number of it, reduced to what the inventory needs."""

    PENDING = "pending"  # asked for; the provider has not finished (Telnyx: webhook later)
    SUCCESS = "success"  # the number is ours at the provider
    FAILED = "failed"  # the provider could not sell it; `error` says why


@dataclass(frozen=True)
class OrderedNumber:
    number: str
    state: str  # OrderState
    provider_phone_number_id: str | None = None  # the provider's id of the number, once known
    error: str | None = None


@dataclass(frozen=True)
class Order:
    """One order at the provider for some numbers."""

    provider_order_id: str | None
    state: str  # OrderState of the whole order
    numbers: tuple[OrderedNumber, ...] = ()


class ReleaseState:
    RELEASED = "released"  # gone from the account (or was already)
    PENDING = "pending"  # accepted; the provider confirms later (ask again)


@dataclass(frozen=True)
class OwnedNumber:
    """A number the provider account holds, with how it is set up there."""

    number: str
    provider_phone_number_id: str
    status: str | None = None  # the provider's own word, e.g. "active", "in-use"
    messaging_profile_id: str | None = None
    connection_id: str | None = None
    campaign_id: str | None = None  # 10DLC campaign the number is assigned to, if known


@dataclass(frozen=True)
class OwnedPage:
    numbers: tuple[OwnedNumber, ...]
    next_cursor: str | None  # None: the last page


@runtime_checkable
class Provider(Protocol):
    """One provider account. Every method may raise ProviderError."""

    name: str  # "telnyx", "twilio", "simulated": the PhoneNumber.provider value

    def search(self, query: SearchQuery) -> list[AvailableNumber]:
        """Numbers for sale matching `query`, at most `query.quantity`."""
        ...

    def check(self, number: str) -> Availability:
        """Whether `number` can be bought now, with its price."""
        ...

    def order(self, numbers: Sequence[str], *, reference: str) -> Order:
        """Buy `numbers` in one order. `reference` is ours (the NumberOrder id), sent where
        the provider keeps one, so a retried call can be recognised."""
        ...

    def order_status(self, provider_order_id: str) -> Order:
        """The order as the provider sees it now."""
        ...

    def release(self, provider_phone_number_id: str) -> str:
        """Give the number back. Returns a ReleaseState; a number the account no longer
        holds counts as released."""
        ...

    def owned(self, cursor: str | None = None) -> OwnedPage:
        """One page of the numbers the account holds."""
        ...

    def configure(
        self,
        provider_phone_number_id: str,
        *,
        messaging_profile_id: str | None = None,
        connection_id: str | None = None,
        campaign_id: str | None = None,
    ) -> None:
        """Set a number's messaging profile (Twilio: messaging service), voice connection
        and 10DLC campaign. None leaves that setting as it is."""
        ...
