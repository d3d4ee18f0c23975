"""A provider account for these tests: a small in-memory fake of the one interface
(providers/base.py's Provider), put behind providers.accounts as the "simulated" account
(the test settings configure it).

A provider is outside the system, so the developers' guide allows a fake for it, behind
the one interface; everything on our side (accounts, the release job, the comparison,
the services, the database) is the real thing. The adapters' own tests check what the
real providers' HTTP looks like (tests/providers/adapters/).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pytest

from providers import accounts
from providers.base import (
    Availability,
    AvailableNumber,
    Order,
    OwnedNumber,
    OwnedPage,
    ProviderError,
    ReleaseState,
    SearchQuery,
)

NAME = accounts.SIMULATED


@dataclass
class FakeProvider:
    """Holds `numbers` (provider id → OwnedNumber); pages of `page_size`.

    `release_answers`: what release() does next, one per call (a ReleaseState, or a
    ProviderError to raise); RELEASED once they run out. `calls` records every call.
    """

    name: str = NAME
    numbers: dict[str, OwnedNumber] = field(default_factory=dict)
    page_size: int = 50
    release_answers: list = field(default_factory=list)
    owned_error: ProviderError | None = None
    configure_error: ProviderError | None = None
    calls: list[tuple] = field(default_factory=list)

    def hold(self, number: str, provider_id: str, **setup) -> OwnedNumber:
        owned = OwnedNumber(number=number, provider_phone_number_id=provider_id, **setup)
        self.numbers[provider_id] = owned
        return owned

    def search(self, query: SearchQuery) -> list[AvailableNumber]:
        raise NotImplementedError

    def check(self, number: str) -> Availability:
        raise NotImplementedError

    def order(self, numbers: Sequence[str], *, reference: str) -> Order:
        raise NotImplementedError

    def order_status(self, provider_order_id: str) -> Order:
        raise NotImplementedError

    def release(self, provider_phone_number_id: str) -> str:
        self.calls.append(("release", provider_phone_number_id))
        answer = self.release_answers.pop(0) if self.release_answers else ReleaseState.RELEASED
        if isinstance(answer, ProviderError):
            raise answer
        if answer == ReleaseState.RELEASED:
            self.numbers.pop(provider_phone_number_id, None)
        return answer

    def owned(self, cursor: str | None = None) -> OwnedPage:
        self.calls.append(("owned", cursor))
        if self.owned_error:
            raise self.owned_error
        ids = sorted(self.numbers)
        start = int(cursor or 0)
        page = ids[start : start + self.page_size]
        following = start + self.page_size
        return OwnedPage(
            numbers=tuple(self.numbers[i] for i in page),
            next_cursor=str(following) if following < len(ids) else None,
        )

    def configure(
        self,
        provider_phone_number_id: str,
        *,
        messaging_profile_id: str | None = None,
        connection_id: str | None = None,
        campaign_id: str | None = None,
    ) -> None:
        self.calls.append(
            ("configure", provider_phone_number_id, messaging_profile_id, campaign_id)
        )
        if self.configure_error:
            raise self.configure_error
        owned = self.numbers[provider_phone_number_id]
        changes = {
            name: value
            for name, value in (
                ("messaging_profile_id", messaging_profile_id),
                ("connection_id", connection_id),
                ("campaign_id", campaign_id),
            )
            if value is not None
        }
        self.numbers[provider_phone_number_id] = replace(owned, **changes)


@pytest.fixture
def provider(monkeypatch) -> FakeProvider:
    """The "simulated" account, answered by a FakeProvider."""
    fake = FakeProvider()
    monkeypatch.setattr(accounts, "_build", lambda name, key: fake)
    return fake
