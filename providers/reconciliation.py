"""Comparing a provider account's numbers with the inventory's, as a report of findings.

`reconcile(name)` pages through the account's numbers (`Provider.owned`) and compares
them with the inventory's unreleased numbers of that provider, in bulk: the inventory's
side is read once along phone_number_provider_id_idx, the provider's numbers the
inventory does not hold by that id are looked up by number a thousand at a time, so the
queries grow with thousands of numbers, not with each one (50,000 numbers at a provider:
see bench/bench_reconcile.py). The findings (ReconciliationFinding):

- UNKNOWN: the provider holds a number the inventory does not (no unreleased row has
  its number). Adopt it as pool inventory, or leave it (providers/findings.py).
- GONE: an unreleased number with the provider's id that the provider no longer holds.
  A number still Provisioning from an order of the last PROVISIONING_GRACE is not gone
  yet: the provider may not list it before the order completes.
- MISMATCH: a number both hold, set up differently. `details["differences"]` is
  {field: {"inventory": ..., "provider": ...}} for:
  - `provider_phone_number_id` / `provider`: the inventory's row has the same number but
    not the provider's id (none, another one) or another provider (matched by number);
  - `messaging_profile_id`: the inventory names one (routing's, else the 10DLC row's) and
    the provider has another or none; a provider's profile on a number the inventory
    names none for is the account's default, not a difference;
  - `campaign_id`: the provider reports a campaign (None means it does not say) other
    than the inventory's 10DLC campaign.

Numbers Released here that the provider still holds, while their release is not
confirmed, are neither: the release job is on them (providers/releases.py). A real run
(not a dry run) confirms those releases the provider has carried out (it no longer
lists the number): the provider's word, as a webhook would have said it.

Rows with a provider but no provider id are not read on their own (no index serves
them): such a row is found by number when the provider holds its number (a MISMATCH,
its id missing), and is not reported otherwise.

A dry run stores its report, marked `dry_run`, for reading: it confirms no release, and
its findings offer no action (an action acts on the latest real report).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services.provider_sync import phone_number_provider_release_confirmed
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus
from providers import accounts
from providers.base import OwnedNumber, Provider, ProviderError
from providers.models import ReconciliationFinding, ReconciliationReport

logger = logging.getLogger(__name__)

Kind = ReconciliationFinding.Kind

# A number ordered this recently and still Provisioning is not reported gone.
PROVISIONING_GRACE = timedelta(hours=24)
# Numbers looked up by number in one query; findings written in one INSERT.
LOOKUP_CHUNK = 1000
WRITE_BATCH = 1000
# A provider that keeps answering pages past this many is broken (or looping).
MAX_PAGES = 100_000

# What the comparison reads of each inventory row, in this order (InventoryRow).
INVENTORY_FIELDS = (
    "pk",
    "number",
    "provider",
    "provider_phone_number_id",
    "routing_messaging_profile_id",
    "ten_dlc__messaging_profile_id",
    "ten_dlc__campaign_id",
    "status",
    "created_at",
    "version",
)


@dataclass(frozen=True, slots=True)
class InventoryRow:
    pk: Any
    number: str
    provider: str | None
    provider_phone_number_id: str | None
    routing_messaging_profile_id: str | None
    ten_dlc_messaging_profile_id: str | None
    campaign_id: str | None
    status: str
    created_at: Any
    version: int

    @property
    def messaging_profile_id(self) -> str | None:
        return self.routing_messaging_profile_id or self.ten_dlc_messaging_profile_id or None


@dataclass
class Comparison:
    """What one pass over the account found, before anything is stored."""

    at_provider: int = 0
    in_inventory: int = 0
    matched: int = 0
    findings: list[ReconciliationFinding] = field(default_factory=list)
    # Released here, release unconfirmed: still held at the provider / no longer held.
    releases_pending: int = 0
    releases_carried_out: list[Any] = field(default_factory=list)  # PhoneNumber pks


@dataclass(frozen=True)
class Reconciled:
    """A stored report, and what the run did besides."""

    report: ReconciliationReport
    releases_confirmed: int = 0
    releases_pending: int = 0

    def summary(self) -> str:
        report = self.report
        if report.status == ReconciliationReport.Status.FAILED:
            return f"{report.provider}: failed: {report.error}"
        counts = counts_by_kind(report)
        seconds = (report.finished_at - report.started_at).total_seconds()
        text = (
            f"{report.provider}{' (dry run)' if report.dry_run else ''}: "
            f"{report.at_provider:,} at the provider, {report.in_inventory:,} in the inventory, "
            f"{report.matched:,} matched; {counts[Kind.UNKNOWN]:,} unknown here, "
            f"{counts[Kind.GONE]:,} gone at the provider, {counts[Kind.MISMATCH]:,} set up "
            f"differently; {self.releases_pending:,} releases still pending"
        )
        if not report.dry_run:
            text += f", {self.releases_confirmed:,} confirmed now"
        return f"{text} ({seconds:.1f} s, report {report.pk})."


def reconcile(name: str, *, dry_run: bool = False) -> Reconciled:
    """Compare provider account `name` with the inventory and store the report.

    Raises ProviderNotConfigured when there is no such account. A provider failing
    during the comparison gives a report with status FAILED, and nothing else.
    """
    provider = accounts.get(name)
    report = ReconciliationReport.objects.create(provider=name, dry_run=dry_run)
    try:
        comparison = compare(name, provider)
    except ProviderError as error:
        _failed(report, error.message)
        logger.warning("Reconciliation of %s failed: %s", name, error.message)
        return Reconciled(report=report)
    except BaseException as error:
        _failed(report, f"{type(error).__name__}: {error}")  # not left "running"
        raise
    with transaction.atomic():
        for finding in comparison.findings:
            finding.report = report
        ReconciliationFinding.objects.bulk_create(comparison.findings, batch_size=WRITE_BATCH)
        report.status = ReconciliationReport.Status.FINISHED
        report.at_provider = comparison.at_provider
        report.in_inventory = comparison.in_inventory
        report.matched = comparison.matched
        report.finished_at = timezone.now()
        report.save()
    confirmed = 0 if dry_run else _confirm_releases(comparison.releases_carried_out)
    return Reconciled(
        report=report, releases_confirmed=confirmed, releases_pending=comparison.releases_pending
    )


def _failed(report: ReconciliationReport, error: str) -> None:
    report.status = ReconciliationReport.Status.FAILED
    report.error = error
    report.finished_at = timezone.now()
    report.save(update_fields=["status", "error", "finished_at"])


def compare(name: str, provider: Provider) -> Comparison:
    """One pass over the account's numbers against the inventory's (see the module)."""
    result = Comparison()
    by_id = {row.provider_phone_number_id: row for row in _inventory_of(name)}
    result.in_inventory = len(by_id)
    pending_release = _unconfirmed_releases_of(name)  # provider id → pk
    still_held: set[str] = set()
    seen: set[Any] = set()
    unmatched: list[OwnedNumber] = []
    for owned in owned_numbers(provider):
        result.at_provider += 1
        row = by_id.get(owned.provider_phone_number_id)
        if row is not None:
            seen.add(row.pk)
            _compare_setup(result, name, row, owned)
        elif owned.provider_phone_number_id in pending_release:
            still_held.add(owned.provider_phone_number_id)
        else:
            unmatched.append(owned)
    for chunk in _chunks(unmatched, LOOKUP_CHUNK):
        held_here = {row.number: row for row in _unreleased_numbered(o.number for o in chunk)}
        for owned in chunk:
            row = held_here.get(owned.number)
            if row is None:
                result.findings.append(_unknown(owned))
            elif row.pk not in seen:
                seen.add(row.pk)
                _compare_setup(result, name, row, owned)
    recent = timezone.now() - PROVISIONING_GRACE
    for row in by_id.values():
        if row.pk in seen:
            continue
        if row.status == PhoneNumberStatus.PROVISIONING and row.created_at >= recent:
            continue  # ordered; the provider may not list it until the order completes
        result.findings.append(_gone(row))
    result.matched = len(seen)
    result.releases_pending = len(still_held)
    result.releases_carried_out = [
        pk for provider_id, pk in pending_release.items() if provider_id not in still_held
    ]
    return result


def owned_numbers(provider: Provider) -> Iterator[OwnedNumber]:
    """Every number the account holds, a page at a time (never all pages in memory)."""
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = provider.owned(cursor)
        yield from page.numbers
        if not page.next_cursor:
            return
        if page.next_cursor == cursor:
            raise ProviderError("The provider returned the same page cursor twice.")
        cursor = page.next_cursor
    raise ProviderError(f"The provider's list of numbers did not end after {MAX_PAGES} pages.")


def _inventory_of(name: str) -> Iterator[InventoryRow]:
    # provider = %s AND provider_phone_number_id IS NOT NULL: phone_number_provider_id_idx.
    rows = (
        PhoneNumber.objects.not_released()
        .filter(provider=name, provider_phone_number_id__isnull=False)
        .order_by()
        .values_list(*INVENTORY_FIELDS)
    )
    for values in rows.iterator(chunk_size=5000):
        yield InventoryRow(*values)


def _unreleased_numbered(numbers) -> list[InventoryRow]:
    # number = ANY(...) among unreleased rows: phone_number_unique_unreleased's index.
    rows = (
        PhoneNumber.objects.not_released()
        .filter(number__in=list(numbers))
        .order_by()
        .values_list(*INVENTORY_FIELDS)
    )
    return [InventoryRow(*values) for values in rows]


def _unconfirmed_releases_of(name: str) -> dict[str, Any]:
    # The rows of phone_number_release_due_idx: released, unconfirmed, with an id.
    return dict(
        PhoneNumber.objects.filter(
            provider=name,
            inventory_state=InventoryState.RELEASED,
            provider_released_at__isnull=True,
            provider_phone_number_id__isnull=False,
        )
        .order_by()
        .values_list("provider_phone_number_id", "pk")
    )


def differences(name: str, row: InventoryRow, owned: OwnedNumber) -> dict[str, dict[str, Any]]:
    """How `row` and the provider's `owned` differ (the module says which count)."""
    found: dict[str, dict[str, Any]] = {}

    def differ(what: str, inventory: Any, provider: Any) -> None:
        found[what] = {"inventory": inventory, "provider": provider}

    if row.provider != name:
        differ("provider", row.provider, name)
    if row.provider_phone_number_id != owned.provider_phone_number_id:
        differ(
            "provider_phone_number_id",
            row.provider_phone_number_id,
            owned.provider_phone_number_id,
        )
    profile = row.messaging_profile_id
    if profile and profile != (owned.messaging_profile_id or None):
        differ("messaging_profile_id", profile, owned.messaging_profile_id or None)
    if owned.campaign_id is not None and owned.campaign_id != (row.campaign_id or None):
        differ("campaign_id", row.campaign_id or None, owned.campaign_id or None)
    return found


def _compare_setup(result: Comparison, name: str, row: InventoryRow, owned: OwnedNumber) -> None:
    found = differences(name, row, owned)
    if found:
        result.findings.append(
            ReconciliationFinding(
                kind=Kind.MISMATCH,
                number=row.number,
                provider_phone_number_id=owned.provider_phone_number_id,
                phone_number_id=row.pk,
                details={
                    "differences": found,
                    "version": row.version,
                    "provider": _as_provider_says(owned),
                },
            )
        )


def _unknown(owned: OwnedNumber) -> ReconciliationFinding:
    return ReconciliationFinding(
        kind=Kind.UNKNOWN,
        number=owned.number,
        provider_phone_number_id=owned.provider_phone_number_id,
        details={"provider": _as_provider_says(owned)},
    )


def _gone(row: InventoryRow) -> ReconciliationFinding:
    return ReconciliationFinding(
        kind=Kind.GONE,
        number=row.number,
        provider_phone_number_id=row.provider_phone_number_id or "",
        phone_number_id=row.pk,
        details={"version": row.version, "status": row.status},
    )


def _as_provider_says(owned: OwnedNumber) -> dict[str, str | None]:
    return {
        "status": owned.status,
        "messaging_profile_id": owned.messaging_profile_id,
        "connection_id": owned.connection_id,
        "campaign_id": owned.campaign_id,
    }


def _confirm_releases(pks: list[Any]) -> int:
    confirmed = 0
    for number in PhoneNumber.objects.filter(pk__in=pks).only("pk"):
        confirmed += phone_number_provider_release_confirmed(phone_number=number)
    return confirmed


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def counts_by_kind(report: ReconciliationReport) -> dict[str, int]:
    """The report's findings counted by kind (every kind, zeros included): one grouped
    read of reconcile_finding_idx."""
    counts = dict.fromkeys(Kind.values, 0)
    rows = report.findings.order_by().values_list("kind").annotate(n=Count("*"))
    counts.update(dict(rows))
    return counts
