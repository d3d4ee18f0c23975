"""The reads of the outgoing-number selection: a business's numbers that may send to a lead,
rule by rule, each read bounded however many numbers the business holds.

Every read is one business's unreleased numbers that meet the sending rule
(`warmup.sending.lead_conditions`, as a filter) and, with a team, are routed to it or to
no team. Each rule is a walk of an index of those numbers (phonenumbers_app/models.py:
the `phone_number_sel_*` indexes and the business's list index), never a scan of all.

Rules with many numbers (a campaign's, the pool) are *sampled*: up to SAMPLE numbers
read in list order (or, in an area code, number order) from a random point, wrapping
round. Ranked by capacity left
(outgoing/selection.py), the best of a random sample spreads the sends over all of a
large pool as well as ranking every number would (the "power of random choices"), at the
cost of reading fifty rows instead of ten thousand; a pool of up to SAMPLE numbers is
read whole, so small businesses get the exact best.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Min, Q, QuerySet

from businesses.models import Business
from phonenumbers_app.models import PhoneNumber
from warmup import capacity, sending

SAMPLE = 50
# A rule whose whole sample is out of capacity reads on, in pages this many times larger,
# until it finds room or runs out of numbers: no "no capacity" answer while one has room.
GROWTH = 4

# The columns the selection reads of a number, and of its engine and 10DLC rows.
COLUMNS = (
    "id",
    "number",
    "name",
    "business_id",
    "team_id",
    "campaign_id",
    "source_id",
    "is_default",
    "is_preferred",
    "location_state",
    "created_at",
    "enabled",
    "inventory_state",
    "status",
    "capability_sms",
    "capability_voice",
    "routing_sms_enabled",
    "routing_voice_enabled",
    "routing_warmup_only",
    "routing_internal_test_only",
    "warmup_enabled",
    "warmup_state",
    "health_status",
    "warmup_health_score",
    "warmup_progress_percent",
    "warmup_pause_reason",
    "health_reason",
    "warmup__plan_id",
    "warmup__plan_day",
    "warmup__pacing_status",
    "warmup__auto_paused",
    "ten_dlc__campaign_status",
)


@dataclass(frozen=True)
class Scope:
    """Which numbers a selection may choose from: the business's, for the channel
    (capacity.SMS or capacity.VOICE), and with a team, the team's or no team's."""

    business: Business
    channel: str
    team_id: str | None = None

    def team_q(self) -> Q:
        if self.team_id is None:
            return Q()
        return Q(team_id__isnull=True) | Q(team_id=self.team_id)

    def team_allows(self, number: PhoneNumber) -> bool:
        return self.team_id is None or number.team_id in (None, self.team_id)

    def eligible(self) -> QuerySet[PhoneNumber]:
        """The business's numbers that may send to a lead on the channel now (capacity
        aside)."""
        conditions = sending.lead_conditions(self.channel)
        return (
            PhoneNumber.objects.filter(business=self.business)
            .filter(sending.keeps(conditions), self.team_q())
            .select_related("warmup", "ten_dlc")
            .only(*COLUMNS)
        )


def numbers_by_id(scope: Scope, ids: list) -> dict:
    """{id: number} of the numbers with these ids, whatever their state or owner (the
    remembered numbers of a conversation or lead, judged one by one)."""
    if not ids:
        return {}
    rows = PhoneNumber.objects.filter(pk__in=ids).select_related("warmup", "ten_dlc")
    return {number.pk: number for number in rows.only(*COLUMNS)}


def judged(scope: Scope, number: PhoneNumber) -> str | None:
    """Why `number` may not send to a lead of `scope`'s business now (capacity aside), or
    None: the filter of Scope.eligible, on one row."""
    if number.business_id != scope.business.pk:
        return "The number is no longer one of the business's."
    if not scope.team_allows(number):
        return f"The number is routed to another team ({number.team_id})."
    warmup = getattr(number, "warmup", None)
    return sending.blocker(sending.lead_conditions(scope.channel), number, warmup)


def sampled(queryset: QuerySet[PhoneNumber], pivot: datetime | None) -> Iterator[list]:
    """Pages of `queryset` in list order (newest first) from `pivot` down, then round
    from the newest: SAMPLE rows first, then pages GROWTH times larger."""
    ordered = queryset.order_by("-created_at", "-id")
    halves = [Q()] if pivot is None else [Q(created_at__lte=pivot), Q(created_at__gt=pivot)]

    def after(row: PhoneNumber) -> Q:
        return Q(created_at__lt=row.created_at) | Q(created_at=row.created_at, id__lt=row.pk)

    return _pages(ordered, halves, after)


def sampled_in_area(queryset: QuerySet[PhoneNumber], code: str) -> Iterator[list]:
    """Pages of `queryset`'s numbers in North American area code `code`, in number order
    from a random number of it, then round from the first: a walk of the (business,
    number) index from any point."""
    first, end = f"+1{code}", f"+1{int(code) + 1}"
    pivot = f"{first}{random.randrange(10_000_000):07d}"
    ordered = queryset.order_by("number", "id")
    halves = [Q(number__gte=pivot, number__lt=end), Q(number__gte=first, number__lt=pivot)]

    def after(row: PhoneNumber) -> Q:
        return Q(number__gt=row.number) | Q(number=row.number, id__gt=row.pk)

    return _pages(ordered, halves, after)


def _pages(ordered: QuerySet[PhoneNumber], halves: list[Q], after) -> Iterator[list]:
    size = SAMPLE
    for half in halves:
        last = None
        while True:
            rows = list(ordered.filter(half if last is None else half & after(last))[:size])
            if rows:
                yield rows
                last = rows[-1]
            if len(rows) < size:
                break
            size *= GROWTH


def random_pivot(business: Business) -> datetime | None:
    """A random instant between the business's first and last number's creation: where
    a sample starts."""
    bounds = PhoneNumber.objects.filter(business=business).aggregate(
        first=Min("created_at"), last=Max("created_at")
    )
    first, last = bounds["first"], bounds["last"]
    if first is None or first == last:
        return None
    return first + (last - first) * random.random()


def area_code(e164: str) -> str | None:
    """A North American number's area code ("+14155552671" -> "415"), else None."""
    if e164.startswith("+1") and len(e164) == 12:
        return e164[2:5]
    return None


CHANNELS = {"sms": capacity.SMS, "call": capacity.VOICE}
