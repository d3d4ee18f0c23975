"""Finding numbers to buy: what the default provider account offers, and whether one
number can be bought, by the inventory's rule as well as the provider's (a number this
inventory holds is not for sale to it). The API's search and availability call these.
"""

from __future__ import annotations

import dataclasses

from phonenumbers_app.selectors import numbers_held
from providers import accounts
from providers.base import Availability, AvailableNumber, SearchQuery

IN_INVENTORY = "The number is in this inventory already."


def offers_search(query: SearchQuery) -> tuple[list[AvailableNumber], str]:
    """The default account's numbers for sale matching `query`, and its name.
    Raises ProviderError, ProviderNotConfigured."""
    provider = accounts.default()
    return provider.search(query), provider.name


def availability_check(number: str) -> tuple[Availability, str]:
    """Whether `number` (E.164) can be bought now, at what price, and the account's name.
    Raises ProviderError, ProviderNotConfigured."""
    provider = accounts.default()
    availability = provider.check(number)
    if availability.available and numbers_held([number]):
        availability = dataclasses.replace(availability, available=False, reason=IN_INVENTORY)
    return availability, provider.name
