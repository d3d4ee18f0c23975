"""How many webhooks were refused, per provider and reason, across all web processes.

Kept in the shared cache (Redis in production, the database otherwise) so the bench and
operators can read them (`refusal_counts()`); one small function records, so a metrics
exporter can take its place. A cache that fails never turns a refusal into an error.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

from core.metrics import PROVIDER_WEBHOOKS
from providers.webhooks.verification import REASONS

logger = logging.getLogger(__name__)
KEY = "webhooks:refused:{provider}:{reason}"
# Counters live long; a restart of Redis starts them again from zero.
TIMEOUT = 365 * 24 * 60 * 60


def refusal_count(provider: str, reason: str) -> None:
    """Add one refused webhook of `provider` for `reason` (and to the Prometheus counter,
    which needs no cache)."""
    PROVIDER_WEBHOOKS.labels(provider, "refused_signature").inc()
    key = KEY.format(provider=provider, reason=reason)
    try:
        try:
            cache.incr(key)  # the common case: the counter exists
        except ValueError:  # the first of its kind; if another process adds it first, count on
            if not cache.add(key, 1, timeout=TIMEOUT):
                cache.incr(key)
    except Exception as error:  # a counter is not worth a failed answer
        logger.warning("Could not count a refused webhook (%s)", type(error).__name__)


def refusal_counts(providers: tuple[str, ...] = ("telnyx", "twilio", "simulated")) -> dict:
    """{provider: {reason: count}} of the refusals counted so far."""
    keys = {KEY.format(provider=p, reason=r): (p, r) for p in providers for r in REASONS}
    found = cache.get_many(list(keys))
    counts: dict[str, dict[str, int]] = {p: dict.fromkeys(REASONS, 0) for p in providers}
    for key, value in found.items():
        provider, reason = keys[key]
        counts[provider][reason] = int(value)
    return counts
