"""The release job: a number released in the inventory, released at its provider
(providers/releases.py says what each answer means)."""

from __future__ import annotations

import uuid

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from providers import releases

__all__ = ["release_number", "retry_releases"]

# Asked again after 30 s, 1, 2, 4, 8 min (capped at PROVIDER_RELEASE_RETRY_SECONDS);
# after that the periodic task asks, every PROVIDER_RELEASE_RETRY_SECONDS.
MAX_RETRIES = 5
FIRST_RETRY_SECONDS = 30


def retry_countdown(retries: int) -> int:
    return min(FIRST_RETRY_SECONDS * 2**retries, settings.PROVIDER_RELEASE_RETRY_SECONDS)


@shared_task(
    name="providers.release_number",
    bind=True,
    ignore_result=True,
    store_errors_even_if_ignored=True,
    max_retries=MAX_RETRIES,
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
)
def release_number(self, phone_number_id: str) -> str:
    """Release one number at its provider; retried while the provider has not answered
    for good. Safe to run twice (the answer is written once)."""
    outcome = releases.release_at_provider(uuid.UUID(phone_number_id))
    if outcome.ask_again and self.request.retries < self.max_retries:
        raise self.retry(countdown=retry_countdown(self.request.retries))
    return str(outcome)


@shared_task(name="providers.retry_releases", ignore_result=True, store_errors_even_if_ignored=True)
def retry_releases() -> dict[str, int]:
    """Beat (every PROVIDER_RELEASE_RETRY_SECONDS): ask again about releases no provider
    has confirmed."""
    return releases.retry_releases()
