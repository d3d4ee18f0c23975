"""What an operator does about a reconciliation finding, each through the inventory's
services (every change to a number is its event, with the operator as the actor) and
each closing the finding with who chose what, and when.

- adopt (UNKNOWN): the number enters the pool, Available and Active, with the
  provider's id (provider_sync.phone_number_adopt); `adopt_all` does it for a report's
  open unknown numbers, each on its own (one that arrived meanwhile is skipped).
- release here (GONE): released in the inventory without asking the provider, which no
  longer holds it (phone_number_release(gone_at_provider=True)).
- set up the provider as the inventory says (MISMATCH of messaging profile or campaign):
  Provider.configure, then an event on the number (phone_number_provider_configured).
- take the provider's values (MISMATCH): its id, messaging profile and campaign written
  to the number (phone_number_take_provider_values).
- leave (any): the finding is closed, nothing else changes.

An action applies only to an open finding of the latest finished real (not dry-run)
report of its provider, and, for a number the inventory holds, only while that number is
as the report saw it (its version): anything else is refused with the reason
(FindingNotActionable) and changes nothing. Run a reconciliation again to act on what
is true now.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import DomainError
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services import phone_number_release
from phonenumbers_app.services.provider_sync import (
    phone_number_adopt,
    phone_number_provider_configured,
    phone_number_take_provider_values,
)
from providers import accounts
from providers.base import ProviderError
from providers.models import ReconciliationFinding, ReconciliationReport

Kind = ReconciliationFinding.Kind
Resolution = ReconciliationFinding.Resolution
# The most unknown numbers one "adopt all" takes (the rest: click again).
ADOPT_ALL_LIMIT = 1000
# What "set up the provider as the inventory says" can set.
CONFIGURABLE = ("messaging_profile_id", "campaign_id")


class FindingNotActionable(Exception):
    """An action refused before anything changed; `detail` says why (for the page: these
    actions have no API, so no problem type)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Action:
    slug: str
    label: str
    kinds: tuple[str, ...]
    permission: str  # on phone numbers: "add" or "change"
    confirmation: str
    done: str

    def codename(self) -> str:
        return f"phonenumbers_app.{self.permission}_phonenumber"

    def allowed(self, user: User) -> bool:
        return user.has_perm(self.codename())


ADOPT = Action(
    "adopt",
    "Adopt as pool inventory",
    (Kind.UNKNOWN,),
    "add",
    "The number enters the inventory's pool, Available and Active, with the provider's id; "
    "it can then be claimed like any pool number.",
    "Adopted as pool inventory.",
)
RELEASE_HERE = Action(
    "release",
    "Release in the inventory",
    (Kind.GONE,),
    "change",
    "The number is released in the inventory (the provider no longer holds it, so it is "
    "not asked). Releasing cannot be undone.",
    "Released in the inventory.",
)
PUSH = Action(
    "push",
    "Set up the provider as the inventory says",
    (Kind.MISMATCH,),
    "change",
    "The provider is asked to set the number's messaging profile and campaign to the inventory's.",
    "The provider was set up as the inventory says.",
)
PULL = Action(
    "pull",
    "Take the provider's values",
    (Kind.MISMATCH,),
    "change",
    "The inventory's provider id, messaging profile and campaign for the number become "
    "the provider's.",
    "The inventory took the provider's values.",
)
LEAVE = Action(
    "leave",
    "Leave as it is",
    tuple(Kind.values),
    "change",
    "The finding is closed; nothing changes, here or at the provider.",
    "Left as it is.",
)
ACTIONS = (ADOPT, RELEASE_HERE, PUSH, PULL, LEAVE)
BY_SLUG = {action.slug: action for action in ACTIONS}


def actions_for(finding: ReconciliationFinding) -> list[Action]:
    """The actions that apply to `finding`'s kind (and, for a mismatch, its differences)."""
    return [a for a in ACTIONS if finding.kind in a.kinds and _fits(a, finding)]


def _fits(action: Action, finding: ReconciliationFinding) -> bool:
    if action is PUSH:
        # Only what the inventory names can be sent, to a number the inventory knows
        # by the provider's id.
        found = finding.details.get("differences", {})
        pushable = any(found.get(name, {}).get("inventory") for name in CONFIGURABLE)
        return pushable and "provider_phone_number_id" not in found and "provider" not in found
    return True


def latest_report(provider: str) -> ReconciliationReport | None:
    """The report whose findings can be acted on: the latest finished real run."""
    return (
        ReconciliationReport.objects.filter(
            provider=provider, dry_run=False, status=ReconciliationReport.Status.FINISHED
        )
        .order_by("-started_at")
        .first()
    )


def why_not(finding: ReconciliationFinding, action: Action) -> str | None:
    """Why `action` cannot be taken on `finding` now, or None."""
    if finding.resolution != Resolution.OPEN:
        who = finding.resolved_by.display_name if finding.resolved_by else "someone"
        return f"already resolved ({finding.get_resolution_display().lower()}) by {who}"
    report = finding.report
    if report.dry_run:
        return "this is a dry run's report: run a reconciliation to act on its findings"
    latest = latest_report(report.provider)
    if latest is None or latest.pk != report.pk:
        return "a newer reconciliation replaced this report: act on the latest one"
    if action not in actions_for(finding):
        return f"“{action.label}” does not apply to this finding"
    return None


def take(*, finding_id: uuid.UUID, action: Action, acting_user: User) -> ReconciliationFinding:
    """Take `action` on the finding; FindingNotActionable (nothing changed) if it cannot
    be, DomainError/ProviderError when the service or the provider refuses."""
    if action is PUSH:
        return _push(finding_id=finding_id, acting_user=acting_user)
    with transaction.atomic():
        finding = _open(finding_id, action)
        if action is ADOPT:
            said = finding.details.get("provider", {})
            finding.phone_number = phone_number_adopt(
                number=finding.number,
                provider=finding.report.provider,
                provider_phone_number_id=finding.provider_phone_number_id,
                provider_status=said.get("status"),
                acting_user=acting_user,
            )
            return _close(finding, Resolution.ADOPTED, acting_user)
        if action is LEAVE:
            return _close(finding, Resolution.LEFT, acting_user)
        number = _unchanged_number(finding)
        if action is RELEASE_HERE:
            phone_number_release(
                phone_number=number, acting_user=acting_user, gone_at_provider=True
            )
            return _close(finding, Resolution.RELEASED, acting_user)
        fields, ten_dlc = _provider_values(finding, number)
        phone_number_take_provider_values(
            phone_number=number, fields=fields, ten_dlc=ten_dlc, acting_user=acting_user
        )
        return _close(finding, Resolution.UPDATED, acting_user)


def _push(*, finding_id: uuid.UUID, acting_user: User) -> ReconciliationFinding:
    # The provider is asked outside any transaction (no row stays locked during a call
    # to it); the finding and the number are checked before and again after.
    finding = _open(finding_id, PUSH, lock=False)
    number = _unchanged_number(finding, lock=False)
    sent = {
        name: value["inventory"]
        for name, value in finding.details["differences"].items()
        if name in CONFIGURABLE and value.get("inventory")
    }
    provider = accounts.get(finding.report.provider)
    provider.configure(finding.provider_phone_number_id, **sent)
    with transaction.atomic():
        finding = _open(finding_id, PUSH)
        number = _unchanged_number(finding)
        phone_number_provider_configured(
            phone_number=number, settings=sent, acting_user=acting_user
        )
        return _close(finding, Resolution.FIXED, acting_user)


@dataclass
class AdoptedAll:
    adopted: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    more: bool = False  # open unknown numbers beyond ADOPT_ALL_LIMIT remain


def adopt_all(*, report: ReconciliationReport, acting_user: User) -> AdoptedAll:
    """Adopt the report's open unknown numbers (up to ADOPT_ALL_LIMIT), each in its own
    transaction: one the inventory took meanwhile is skipped with the reason."""
    result = AdoptedAll()
    ids = list(
        report.findings.filter(kind=Kind.UNKNOWN, resolution=Resolution.OPEN)
        .order_by("number")
        .values_list("pk", flat=True)[: ADOPT_ALL_LIMIT + 1]
    )
    result.more = len(ids) > ADOPT_ALL_LIMIT
    for finding_id in ids[:ADOPT_ALL_LIMIT]:
        try:
            take(finding_id=finding_id, action=ADOPT, acting_user=acting_user)
        except (DomainError, FindingNotActionable, ProviderError) as error:
            reason = getattr(error, "detail", None) or getattr(error, "message", str(error))
            result.skipped[reason] = result.skipped.get(reason, 0) + 1
        else:
            result.adopted += 1
    return result


def _open(finding_id: uuid.UUID, action: Action, *, lock: bool = True) -> ReconciliationFinding:
    queryset = ReconciliationFinding.objects.select_related("report", "resolved_by")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    finding = queryset.filter(pk=finding_id).first()
    if finding is None:
        raise FindingNotActionable("No such finding.")
    reason = why_not(finding, action)
    if reason:
        raise FindingNotActionable(f"{finding.number}: {reason}.")
    return finding


def _unchanged_number(finding: ReconciliationFinding, *, lock: bool = True) -> PhoneNumber:
    """The finding's number, as the report saw it; FindingNotActionable otherwise."""
    queryset = PhoneNumber.objects.all()
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    number = queryset.filter(pk=finding.phone_number_id).first()
    if number is None or number.is_released:
        raise FindingNotActionable(f"{finding.number} is no longer in the inventory as reported.")
    if number.version != finding.details.get("version"):
        raise FindingNotActionable(
            f"{finding.number} changed since this report: run a reconciliation again."
        )
    return number


def _provider_values(
    finding: ReconciliationFinding, number: PhoneNumber
) -> tuple[dict[str, Any], dict[str, Any]]:
    found = finding.details["differences"]
    fields: dict[str, Any] = {}
    ten_dlc: dict[str, Any] = {}
    if "provider" in found:
        fields["provider"] = found["provider"]["provider"]
    if "provider_phone_number_id" in found:
        fields["provider_phone_number_id"] = found["provider_phone_number_id"]["provider"]
    if "messaging_profile_id" in found:
        profile = found["messaging_profile_id"]["provider"]
        fields["routing_messaging_profile_id"] = profile
        if number.ten_dlc.messaging_profile_id:
            ten_dlc["messaging_profile_id"] = profile
    if "campaign_id" in found:
        ten_dlc["campaign_id"] = found["campaign_id"]["provider"]
    return fields, ten_dlc


def _close(
    finding: ReconciliationFinding, resolution: str, acting_user: User
) -> ReconciliationFinding:
    finding.resolution = resolution
    finding.resolved_by = acting_user
    finding.resolved_at = timezone.now()
    finding.save(update_fields=["resolution", "resolved_by", "resolved_at", "phone_number"])
    return finding
