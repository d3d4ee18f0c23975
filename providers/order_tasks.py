"""Buying numbers in the background: an order's job, and the poll of orders whose
webhook is late (a fallback; beat entry `provider-order-poll`)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError

from providers import buying
from providers.base import ProviderError
from providers.simulated import simulated_complete_order

__all__ = ["poll_orders", "run_order", "simulated_complete_order"]

logger = logging.getLogger(__name__)


class RetryableProviderError(Exception):
    """A ProviderError worth trying again (timeouts, 5xx, rate limits)."""


@shared_task(
    name="providers.run_order",
    bind=True,
    autoretry_for=(DatabaseError, RetryableProviderError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def run_order(self, order_id: str) -> str:
    """Search and order the numbers of NumberOrder `order_id` (providers/buying.py).
    Safe to run again: it orders nothing twice."""
    try:
        order = buying.order_run(order_id)
    except ProviderError as exc:
        if not exc.retryable:  # order_run handles refusals; a retryable one lands here
            raise
        if self.request.retries >= self.max_retries:
            buying.order_give_up(order_id, exc.message)
            return "failed"
        raise RetryableProviderError(exc.message) from None
    return order.status


@shared_task(name="providers.poll_orders", ignore_result=True)
def poll_orders() -> int:
    """Ask the providers about orders waiting longer than buying.POLL_AFTER."""
    changed = 0
    for order in buying.orders_waiting_too_long():
        try:
            changed += buying.order_poll(order)
        except ProviderError as exc:
            logger.warning("Order %s: the provider did not answer (%s)", order.pk, exc.message)
    return changed
