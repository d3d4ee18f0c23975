"""Reconciliation in the background: beat compares every provider account with the
inventory every RECONCILE_EVERY_SECONDS, one task per account (providers/reconciliation.py)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from providers import accounts, reconciliation
from providers.models import ReconciliationReport

__all__ = ["reconcile_all", "reconcile_provider"]

# A run of the same account started this recently and still running is not doubled
# ("Run now" clicked twice, beat meanwhile); an older one is taken for dead.
RUNNING_FOR_AT_MOST = timedelta(hours=1)


@shared_task(name="providers.reconcile_all", ignore_result=True)
def reconcile_all() -> list[str]:
    """Beat: one reconciliation per configured provider account, each its own task."""
    names = accounts.configured()
    for name in names:
        reconcile_provider.delay(name)
    return names


@shared_task(name="providers.reconcile_provider", store_errors_even_if_ignored=True)
def reconcile_provider(name: str, dry_run: bool = False) -> str:
    """Compare provider account `name` with the inventory; returns the summary."""
    if running(name):
        return f"{name}: a reconciliation is already running."
    return reconciliation.reconcile(name, dry_run=dry_run).summary()


def running(name: str) -> bool:
    return ReconciliationReport.objects.filter(
        provider=name,
        status=ReconciliationReport.Status.RUNNING,
        started_at__gte=timezone.now() - RUNNING_FOR_AT_MOST,
    ).exists()
