"""Releasing numbers at their provider, after the inventory released them.

`DELETE /phone-numbers/{id}` (and every door that releases: /ops, bulk, admin) releases
the number in the inventory at once (phonenumbers_app/services/release.py). For a
number whose provider has an account here and which carries the provider's id, that
service then asks for `release_at_provider` in a job once its transaction commits
(providers/release_tasks.py), and leaves providerReleasedAt empty until:

- the provider answers RELEASED (or no longer holds the number): the release is
  confirmed (provider_sync.phone_number_provider_release_confirmed);
- it answers PENDING, or fails in a way worth trying again (a timeout, a 5xx, a rate
  limit): the job retries with backoff, and after its retries the periodic task
  `providers.retry_releases` asks again every PROVIDER_RELEASE_RETRY_SECONDS;
- it refuses (a ProviderError that is not retryable): the refusal is recorded as the
  number's provider error (provider_sync.phone_number_provider_release_refused) and
  the number shows in "needs attention" ("Release refused at the provider: ...").
  Refused releases are asked again less often (REFUSED_RETRY_SECONDS), in case the
  cause was fixed at the provider (a port-out lock lifted).

No database lock is held while the provider is asked: the answer is written by the
services, which lock the row and change nothing when there is nothing to change (a
confirmation arriving twice, by this job and a webhook).
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.throttling import CACHE_ERRORS
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services.provider_sync import (
    phone_number_provider_release_confirmed,
    phone_number_provider_release_refused,
)
from phonenumbers_app.vocabularies import InventoryState
from providers import accounts
from providers.base import ProviderError, ProviderNotConfigured, ReleaseState

logger = logging.getLogger(__name__)

# Refused releases are asked again at most this often (the others every run).
REFUSED_RETRY_SECONDS = 6 * 60 * 60
# How many releases one run of the periodic task asks about, per provider: the rest
# wait for the next run (each is a call to the provider).
RETRY_BATCH = 200
_REFUSED_RETRY_KEY = "providers:refused-releases-retried"


class Outcome(enum.StrEnum):
    CONFIRMED = "confirmed"  # providerReleasedAt set
    PENDING = "pending"  # the provider accepted; ask again later
    RETRY = "retry"  # the provider failed; ask again later
    REFUSED = "refused"  # recorded as the number's provider error
    NOTHING = "nothing"  # not a release to ask about (any more)

    @property
    def ask_again(self) -> bool:
        return self in (Outcome.PENDING, Outcome.RETRY)


def releases_at_provider(phone_number: PhoneNumber) -> bool:
    """Whether releasing `phone_number` is the provider's to confirm: its provider has
    an account here and the number has the provider's id. Other numbers (typed in by
    hand, of a provider this deployment has no account with) are released in the
    inventory only, providerReleasedAt set at once, as before providers were connected."""
    return bool(
        phone_number.provider
        and phone_number.provider_phone_number_id
        and accounts.is_configured(phone_number.provider)
    )


def release_at_provider_on_commit(phone_number: PhoneNumber) -> None:
    """Send the release job for `phone_number` once the current transaction commits (a
    rolled-back release asks nothing of the provider)."""
    from providers.release_tasks import release_number  # the task module imports this one

    number_id = str(phone_number.pk)
    transaction.on_commit(lambda: _send(release_number, number_id))


def _send(task, number_id: str) -> None:
    try:
        task.delay(number_id)
    except Exception:
        # The periodic task finds the number (released, unconfirmed) and asks for it.
        logger.warning("Release job for %s not sent; providers.retry_releases will ask.", number_id)


def release_at_provider(phone_number_id: uuid.UUID) -> Outcome:
    """Ask the number's provider to release it, and record the answer."""
    phone_number = (
        PhoneNumber.objects.filter(
            pk=phone_number_id,
            inventory_state=InventoryState.RELEASED,
            provider_released_at__isnull=True,
        )
        .exclude(provider_phone_number_id=None)
        .first()
    )
    if phone_number is None:
        return Outcome.NOTHING  # confirmed meanwhile, or never one to ask about
    try:
        provider = accounts.get(phone_number.provider)
    except ProviderNotConfigured:
        return Outcome.NOTHING  # the account was removed: nothing to ask any more
    try:
        state = provider.release(phone_number.provider_phone_number_id)
    except ProviderError as error:
        if error.retryable:
            logger.info(
                "Release of %s at %s failed, will retry: %s",
                phone_number.pk,
                phone_number.provider,
                error.message,
            )
            return Outcome.RETRY
        phone_number_provider_release_refused(phone_number=phone_number, reason=refusal(error))
        return Outcome.REFUSED
    if state == ReleaseState.RELEASED:
        phone_number_provider_release_confirmed(phone_number=phone_number)
        return Outcome.CONFIRMED
    return Outcome.PENDING


def refusal(error: ProviderError) -> str:
    """The provider's refusal as the number's provider error: its words and its code."""
    return f"{error.message} (code {error.code})" if error.code else error.message


def unconfirmed_releases(*, provider: str, refused: bool) -> Iterable[uuid.UUID]:
    """Released numbers of `provider` the provider has not confirmed, oldest change
    first: those it refused (`refused`) or the others. Read along
    phone_number_release_due_idx, whose rows these are."""
    queryset = PhoneNumber.objects.filter(
        provider=provider,
        inventory_state=InventoryState.RELEASED,
        provider_released_at__isnull=True,
        provider_phone_number_id__isnull=False,
    )
    if refused:
        queryset = queryset.exclude(provider_error=None).exclude(provider_error="")
    else:
        # Released in the last retry interval: still in its own job's hands.
        since = timezone.now() - timedelta(seconds=settings.PROVIDER_RELEASE_RETRY_SECONDS)
        queryset = queryset.filter(
            Q(provider_error__isnull=True) | Q(provider_error=""), modified_at__lte=since
        )
    return queryset.order_by("modified_at").values_list("pk", flat=True)[:RETRY_BATCH]


def retry_releases() -> dict[str, int]:
    """Ask again about the releases no provider has confirmed: the pending ones every
    run, the refused ones once per REFUSED_RETRY_SECONDS. Returns the outcomes counted."""
    counted = dict.fromkeys(Outcome, 0)
    with_refused = _refused_are_due()
    for name in accounts.configured():
        due = list(unconfirmed_releases(provider=name, refused=False))
        if with_refused:
            due += list(unconfirmed_releases(provider=name, refused=True))
        for phone_number_id in due:
            counted[release_at_provider(phone_number_id)] += 1
    return {str(outcome): n for outcome, n in counted.items() if n}


def _refused_are_due() -> bool:
    # One run in REFUSED_RETRY_SECONDS takes them (cache.add is atomic on Redis); if the
    # cache is down, every run does, which costs calls but loses nothing.
    try:
        return cache.add(_REFUSED_RETRY_KEY, timezone.now().isoformat(), REFUSED_RETRY_SECONDS)
    except CACHE_ERRORS:
        return True
