"""Sending what the outbox holds: claim due deliveries, send them at once, record each.

A worker claims a batch of due deliveries by pushing their `next_attempt_at` a lease
ahead (FOR UPDATE SKIP LOCKED on PostgreSQL, so workers take different rows), sends
them concurrently from a thread pool within a deadline, then records every answer in a
few statements (the same number whatever the batch's size). A worker that dies
mid-batch loses nothing: its deliveries come due again when the lease
(WEBHOOK_LEASE_SECONDS) runs out and another worker sends them, with the same webhook-id.

Each request is signed (Standard Webhooks: webhook-id, webhook-timestamp,
webhook-signature) at the moment it is sent, so a retry three days later carries a fresh
timestamp and the same id. A 2xx is a success; anything else, a timeout, a refused
address or a redirect is a failure, tried again after RETRY_DELAYS (about three days in
all), then given up. An endpoint that has failed every attempt for long enough is
disabled (webhooks/services.py: endpoint_disable_if_failing).
"""

from __future__ import annotations

import contextvars
import logging
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

import drawbridge
import httpx
from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from core.db.sql_rows import SqlRows
from core.metrics import WEBHOOK_ATTEMPT_SECONDS, WEBHOOK_ATTEMPTS, WEBHOOK_GIVEN_UP
from webhooks import targets
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.secrets import SecretUnreadable, secret_decrypt, signature_header

logger = logging.getLogger(__name__)

# Seconds to wait after each failed attempt: exponential-ish, 12 attempts over about
# 3.1 days (the last one then fails the delivery).
RETRY_DELAYS = (5, 60, 300, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 86400)
# How long a claimed delivery is a worker's before another may take it (well above the
# request timeout); settings.WEBHOOK_LEASE_SECONDS overrides it.
LEASE_SECONDS = 120
RESPONSE_KEPT = 1000
ERROR_KEPT = 500


@dataclass
class Outcome:
    """What one attempt came to."""

    delivery: WebhookDelivery
    attempted_at: datetime
    status_code: int | None = None
    latency_ms: int | None = None
    error: str = ""
    response_body: str = ""
    # Not attempted: its endpoint was disabled meanwhile (the delivery waits, parked).
    parked: bool = False
    # Not attempted: the batch ran out of time before its turn (due again at once).
    deferred: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class Run:
    """What one pass of `deliver_due` did."""

    claimed: int = 0
    succeeded: int = 0
    failed: int = 0  # attempts that failed (some will be tried again)
    given_up: int = 0
    disabled_endpoints: list[uuid.UUID] = field(default_factory=list)


def retry_delays() -> Sequence[int]:
    return getattr(settings, "WEBHOOK_RETRY_DELAYS", None) or RETRY_DELAYS


def lease_seconds() -> int:
    return getattr(settings, "WEBHOOK_LEASE_SECONDS", None) or LEASE_SECONDS


def deliver_due(*, limit: int | None = None) -> Run:
    """Claim up to `limit` due deliveries, send them, record the answers."""
    limit = limit or settings.WEBHOOK_DELIVERY_BATCH
    ids = claim_due(limit)
    run = Run(claimed=len(ids))
    if not ids:
        return run
    outcomes = send_all(claimed(ids))
    record(outcomes, run)
    return run


def claim_due(limit: int) -> list[uuid.UUID]:
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            WebhookDelivery.objects.filter(
                state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
            )
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            # Due again when the lease runs out (should this worker die); leased_until
            # tells the pages it is being sent.
            until = now + timedelta(seconds=lease_seconds())
            WebhookDelivery.objects.filter(pk__in=ids).update(
                next_attempt_at=until, leased_until=until
            )
    return ids


def claimed(ids: Sequence[uuid.UUID]) -> list[WebhookDelivery]:
    """The claimed deliveries with what sending needs (message, endpoint): one query."""
    return list(
        WebhookDelivery.objects.filter(pk__in=ids)
        .select_related("message", "endpoint")
        .order_by("created_at", "id")
    )


@cache
def _pool(size: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=size, thread_name_prefix="webhook-send")


def send_all(deliveries: Sequence[WebhookDelivery]) -> list[Outcome]:
    """Send each delivery (concurrently, WEBHOOK_DELIVERY_CONCURRENCY at a time) within
    the batch's deadline.

    httpx's timeouts bound each read, not a whole request: a receiver that trickles its
    answer a byte at a time would hold the batch, and with it every other endpoint's
    deliveries, until the lease ran out and another worker sent them all again. A
    request still running at the deadline is recorded as timed out (tried again later),
    one not started yet goes back to the queue unattempted, and the pool is replaced:
    the stuck thread ends with its request, its answer ignored.
    """
    concurrency = settings.WEBHOOK_DELIVERY_CONCURRENCY
    pool = _pool(concurrency)
    started = timezone.now()
    # Each send runs in a copy of the task's log context (a context cannot be entered by
    # two threads at once), so a delivery's lines carry the task's and request's ids.
    futures = [
        pool.submit(contextvars.copy_context().run, send, delivery) for delivery in deliveries
    ]
    done, late = wait(futures, timeout=batch_deadline(len(deliveries), concurrency))
    if late:
        _pool.cache_clear()
        pool.shutdown(wait=False, cancel_futures=True)
    outcomes = []
    for future, delivery in zip(futures, deliveries, strict=True):
        if future in done:
            outcomes.append(future.result())
        elif future.cancelled():
            outcomes.append(Outcome(delivery=delivery, attempted_at=started, deferred=True))
        else:
            outcomes.append(Outcome(delivery=delivery, attempted_at=started, error=_no_answer()))
    return outcomes


def batch_deadline(count: int, concurrency: int) -> float:
    """Seconds a batch of `count` may take: a timeout per round of `concurrency`
    requests, and one more; well within the lease."""
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    rounds = -(-count // concurrency)
    return min(timeout * (rounds + 1), lease_seconds() * 0.75)


def _no_answer() -> str:
    return f"No answer within {settings.WEBHOOK_TIMEOUT_SECONDS} s."


def send(delivery: WebhookDelivery) -> Outcome:
    """One signed POST of the delivery's message to its endpoint. Never raises: whatever
    goes wrong is the outcome's error."""
    endpoint, message = delivery.endpoint, delivery.message
    started = timezone.now()
    outcome = Outcome(delivery=delivery, attempted_at=started)
    if not endpoint.enabled:
        outcome.parked = True
        return outcome
    if not endpoint.url.startswith("https://") and not targets.local_targets_allowed():
        outcome.error = targets.HTTPS_ONLY
        return outcome
    try:
        headers = signed_headers(endpoint, message.webhook_id, message.body, started)
    except SecretUnreadable as error:
        outcome.error = str(error)[:ERROR_KEPT]
        return outcome
    clock = time.perf_counter()
    try:
        with targets.client().stream(
            "POST", endpoint.url, content=message.body.encode(), headers=headers
        ) as response:
            outcome.status_code = response.status_code
            outcome.response_body = _start_of(response)
    except drawbridge.BlockedAddressError as error:
        outcome.error = f"Refused: {error}"[:ERROR_KEPT]
    except drawbridge.DrawbridgeError as error:
        outcome.error = f"{type(error).__name__}: {error}"[:ERROR_KEPT]
    except httpx.TimeoutException:
        outcome.error = _no_answer()
    except httpx.HTTPError as error:
        outcome.error = f"{type(error).__name__}: {error}"[:ERROR_KEPT]
    except Exception as error:  # a delivery must never take the batch down
        logger.exception("Webhook delivery %s failed unexpectedly", delivery.pk)
        outcome.error = f"{type(error).__name__}: {error}"[:ERROR_KEPT]
    outcome.latency_ms = round((time.perf_counter() - clock) * 1000)
    if outcome.status_code is not None and 300 <= outcome.status_code < 400:
        outcome.error = "Redirects are not followed; give the final URL."
    return outcome


def signed_headers(
    endpoint: WebhookEndpoint, webhook_id: str, body: str, at: datetime
) -> dict[str, str]:
    at = at.astimezone(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature_header(
            secrets=signing_secrets(endpoint, at), webhook_id=webhook_id, timestamp=at, body=body
        ),
    }


def signing_secrets(endpoint: WebhookEndpoint, at: datetime) -> list[str]:
    """The current secret, and the previous one while its grace period lasts."""
    secrets = [secret_decrypt(endpoint.secret)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and expires > at:
        secrets.append(secret_decrypt(endpoint.previous_secret))
    return secrets


def _start_of(response: httpx.Response) -> str:
    kept = bytearray()
    for chunk in response.iter_bytes():
        kept += chunk
        if len(kept) >= RESPONSE_KEPT:
            break
    return kept[:RESPONSE_KEPT].decode("utf-8", "replace")


def next_attempt_after(attempts: int, at: datetime) -> datetime | None:
    """When a delivery that has failed `attempts` times is tried again; None: never."""
    delays = retry_delays()
    if attempts > len(delays):
        return None
    delay = delays[attempts - 1]
    # ±10%, so deliveries that failed together do not all come back at the same second.
    return at + timedelta(seconds=delay * random.uniform(0.9, 1.1))


DELIVERY_FIELDS = [
    "attempts",
    "state",
    "next_attempt_at",
    "leased_until",
    "last_attempt_at",
    "last_status_code",
    "last_latency_ms",
    "last_error",
    "succeeded_at",
]


def record(outcomes: Sequence[Outcome], run: Run) -> None:
    """Write every outcome: its attempt, its delivery's new state, its endpoint's streak.

    Locks first the endpoints (in id order), then the deliveries, the order the services
    lock them in (endpoint_update, endpoint_delete), so two workers' batches, or a batch
    and a change of an endpoint, wait for each other instead of deadlocking. A delivery
    deleted meanwhile (its endpoint was) is dropped: an attempt pointing at it would fail
    the whole batch's transaction, and every other delivery of it would be sent again.
    """
    now = timezone.now()
    with transaction.atomic():
        streaks = {
            pk: (streak, since)
            for pk, streak, since in WebhookEndpoint.objects.filter(
                pk__in={o.delivery.endpoint_id for o in outcomes}
            )
            .order_by("pk")
            .select_for_update(no_key=True)
            .values_list("pk", "failure_streak", "failing_since")
        }
        alive = set(
            WebhookDelivery.objects.filter(pk__in=[o.delivery.pk for o in outcomes])
            .order_by("pk")
            .select_for_update(no_key=True)
            .values_list("pk", flat=True)
        )
        outcomes = [o for o in outcomes if o.delivery.pk in alive]
        by_endpoint = _settle(outcomes, now, run)
        WebhookAttempt.objects.bulk_create(
            [
                WebhookAttempt(
                    delivery=o.delivery,
                    attempted_at=o.attempted_at,
                    status_code=o.status_code,
                    latency_ms=o.latency_ms,
                    error=o.error[:ERROR_KEPT],
                    response_body=o.response_body,
                )
                for o in outcomes
                if not (o.parked or o.deferred)
            ]
        )
        deliveries_update([o.delivery for o in outcomes])
        for endpoint_id in sorted(by_endpoint):
            if endpoint_id in streaks and _streak_record(
                endpoint_id, streaks[endpoint_id], by_endpoint[endpoint_id], now
            ):
                run.disabled_endpoints.append(endpoint_id)
    _count(outcomes)


def _count(outcomes: Sequence[Outcome]) -> None:
    """The recorded attempts in the metrics (parked and deferred ones were not attempts)."""
    for outcome in outcomes:
        if outcome.parked or outcome.deferred:
            continue
        result = "success" if outcome.succeeded else "failure"
        WEBHOOK_ATTEMPTS.labels(result).inc()
        if outcome.latency_ms is not None:
            WEBHOOK_ATTEMPT_SECONDS.labels(result).observe(outcome.latency_ms / 1000)
        if outcome.delivery.state == WebhookDelivery.State.FAILED:
            WEBHOOK_GIVEN_UP.inc()


def deliveries_update(deliveries: Sequence[WebhookDelivery]) -> None:
    """Write the deliveries' DELIVERY_FIELDS, each its own values, in one statement on
    PostgreSQL (core/db/sql_rows.py): Django's bulk_update builds a CASE per field and
    row and resolves each as an expression in Python, which cost 4-5 ms of CPU per
    delivery, more than sending it."""
    db = SqlRows(connections[router.db_for_write(WebhookDelivery)])
    db.update(
        WebhookDelivery,
        "id",
        DELIVERY_FIELDS,
        [
            {
                "id": db.as_hex(d.pk),
                **{name: _column_value(db, getattr(d, name)) for name in DELIVERY_FIELDS},
            }
            for d in deliveries
        ],
    )


def _column_value(db: SqlRows, value: object) -> object:
    return db.datetime(value) if isinstance(value, datetime) else value


def _settle(outcomes: Sequence[Outcome], now: datetime, run: Run) -> dict[uuid.UUID, list[Outcome]]:
    """Each delivery's new state from its outcome; the attempted outcomes by endpoint."""
    by_endpoint: dict[uuid.UUID, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        d = outcome.delivery
        d.leased_until = None
        if outcome.parked:
            d.next_attempt_at = None
            continue
        if outcome.deferred:
            d.next_attempt_at = now
            continue
        d.attempts += 1
        d.last_attempt_at = outcome.attempted_at
        d.last_status_code = outcome.status_code
        d.last_latency_ms = outcome.latency_ms
        d.last_error = (outcome.error or "")[:ERROR_KEPT]
        if outcome.succeeded:
            d.state, d.succeeded_at, d.next_attempt_at = d.State.SUCCEEDED, now, None
            run.succeeded += 1
        else:
            run.failed += 1
            d.next_attempt_at = next_attempt_after(d.attempts, now)
            if d.next_attempt_at is None:
                d.state = d.State.FAILED
                run.given_up += 1
        by_endpoint[d.endpoint_id].append(outcome)
    return by_endpoint


def _streak_record(
    endpoint_id: uuid.UUID,
    current: tuple[int, datetime | None],
    outcomes: Sequence[Outcome],
    now: datetime,
) -> bool:
    """Update the endpoint's run of failures from its outcomes (in the order sent: a
    success ends a run); whether that run now disables it. A healthy endpoint whose
    deliveries all succeeded is not written to."""
    from webhooks.services import endpoint_disable_if_failing

    streak, since = current
    trailing = 0
    for outcome in reversed(outcomes):
        if outcome.succeeded:
            break
        trailing += 1
    if trailing < len(outcomes):  # a success: the run starts again from its failures after
        streak, since = trailing, (now if trailing else None)
    else:
        streak, since = streak + trailing, since or now
    if (streak, since) != current:
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(
            failure_streak=streak, failing_since=since
        )
    if trailing < len(outcomes) or streak < settings.WEBHOOK_DISABLE_AFTER_FAILURES:
        return False
    return endpoint_disable_if_failing(endpoint_id, now=now)
