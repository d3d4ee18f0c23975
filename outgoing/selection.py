"""Choosing the sender: the rules in order, the best number of the first rule that has one
with room, and one unit of its capacity reserved for the send.

The rules (README, "Choosing a sender"), each a SelectionReason:
ManualOverride, StickyConversation, LeadAssigned (the numbers a conversation or lead
remembers, outgoing/services.py), CampaignOrSource, Preferred, LocalArea (area code, then
state), HealthyPool (every other number but the default) and FallbackDefault. A number is
offered by the first rule that names it; a rule's numbers are ranked by `rank`.

A number with room has, in each of the minute, the Eastern hour and the Eastern day, used
less than its plan's limit on the channel (sent plus reserved: warmup/reservations.py).
The reservation is taken atomically; if a concurrent selection took the last unit first,
the next number in order is tried.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q

from businesses.models import Business
from outgoing import candidates as reads
from outgoing.candidates import Scope
from outgoing.vocabularies import SelectionReason as R
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.numbers import describe_location
from phonenumbers_app.vocabularies import WarmupHealthState as W
from warmup import capacity, clock, plans, reservations, selectors
from warmup.capacity import CountersUnavailable
from warmup.models import BusinessWarmupPlan, WarmupPlan
from warmup.reservations import Windows
from warmup.status import limits_day

# eligibleNumbers lists at most this many of the numbers considered, best first.
LIST_LIMIT = 25
UNAVAILABLE = (
    "Capacity cannot be checked now (the shared counters are unavailable), so no number is "
    "handed out; try again in a few seconds."
)


@dataclass(frozen=True)
class Wanted:
    """What the request says about the message: who it goes to and what it is for."""

    recipient: str | None = None  # E.164
    campaign_id: str | None = None
    source_id: str | None = None


@dataclass(frozen=True)
class Remembered:
    """A number a conversation or lead remembers, and the rule that offers it."""

    reason: str
    phone_number_id: object


@dataclass
class Candidate:
    number: PhoneNumber
    reason: str
    label: str
    limits: Windows
    order: int = 0  # within a rule: 0 before 1 (area code before state; both ids before one)
    used: Windows | None = None
    reserved_until: datetime | None = None

    @property
    def has_room(self) -> bool:
        return self.used is not None and all(
            used < limit for used, limit in zip(self.used, self.limits, strict=True)
        )

    def full_windows(self) -> list[int]:
        """Indexes (0 minute, 1 hour, 2 day) of the windows with no room left."""
        if self.used is None:
            return []
        pairs = zip(self.used, self.limits, strict=True)
        return [i for i, (used, limit) in enumerate(pairs) if used >= limit]

    def rank(self) -> tuple:
        """Within a rule: the rule's order, then numbers in good standing before those
        that need attention, then the largest share of today's limit left, then the
        higher health score, then the number."""
        n = self.number
        day_limit, day_used = self.limits[2], (self.used or (0, 0, 0))[2]
        share_left = (day_limit - day_used) / day_limit if day_limit else 0.0
        attention = n.health_status == W.NEEDS_ATTENTION
        return (self.order, attention, -share_left, -n.warmup_health_score, n.number)


@dataclass(frozen=True)
class Skipped:
    """A remembered number passed over, and why."""

    number: PhoneNumber
    reason: str
    why: str


@dataclass
class Selection:
    scope: Scope
    wanted: Wanted
    chosen: Candidate | None = None
    considered: list[Candidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    setup_message: str | None = None
    manually_overridden: bool = False
    # A person's choice that cannot send (check): what the answer is about all the same.
    subject: PhoneNumber | None = None
    subject_reason: str | None = None

    @property
    def can_send(self) -> bool:
        return self.chosen is not None

    def listed(self) -> list[Candidate]:
        """eligibleNumbers: the numbers considered, best first, at most LIST_LIMIT, the
        chosen always among them."""
        listed = self.considered[:LIST_LIMIT]
        if self.chosen is not None and self.chosen not in listed:
            listed = [*listed[: LIST_LIMIT - 1], self.chosen]
        return listed


class Plans:
    """The plans a business's numbers send under (the number's own, else the business's,
    else the default): two queries at most, however many numbers."""

    def __init__(self, business: Business) -> None:
        chosen = BusinessWarmupPlan.objects.filter(business=business, plan=OuterRef("pk"))
        rows = WarmupPlan.objects.filter(Q(is_default=True) | Q(Exists(chosen))).annotate(
            for_business=Exists(chosen)
        )
        self._business = self._default = None
        for plan in rows:
            if plan.for_business:
                self._business = plan
            if plan.is_default:
                self._default = plan
        self._own: dict = {}
        self._limits: dict = {}

    def plan_of(self, number: PhoneNumber) -> WarmupPlan:
        warmup = selectors.number_warmup_of(number)
        if warmup is not None and warmup.plan_id is not None:
            if warmup.plan_id not in self._own:
                self._own[warmup.plan_id] = WarmupPlan.objects.get(pk=warmup.plan_id)
            return self._own[warmup.plan_id]
        if self._business is not None:
            return self._business
        if self._default is None:
            self._default = selectors.default_plan()
        return self._default

    def limits(self, number: PhoneNumber, channel: str) -> Windows:
        """(minute, hour, day) limits of the number on `channel` now."""
        plan = self.plan_of(number)
        day = limits_day(number, plan, selectors.plan_day_of(number, _warmup(number), plan))
        key = (plan.pk, day, channel)
        if key not in self._limits:
            limits = plans.limits(plan, day)
            self._limits[key] = (
                (limits.sms_minute, limits.sms_hour, limits.sms_day)
                if channel == capacity.SMS
                else (limits.voice_minute, limits.voice_hour, limits.voice_day)
            )
        return self._limits[key]


def _warmup(number: PhoneNumber):
    return selectors.number_warmup_of(number)


def select(
    scope: Scope,
    wanted: Wanted,
    remembered: list[Remembered],
    *,
    now: datetime,
    reserve: bool = True,
) -> Selection:
    """The sender for a message to `wanted` now, by the rules in order. `reserve`: take a
    unit of the chosen number's capacity (a preview, e.g. after pinning, does not)."""
    selection = Selection(scope=scope, wanted=wanted)
    book = Plans(scope.business)
    seen: set = set()
    rules = _rules(scope, wanted, remembered, book, selection)
    try:
        for rule_candidates in rules:
            fresh = [c for c in rule_candidates if c.number.pk not in seen]
            seen.update(c.number.pk for c in fresh)
            if fresh and _choose(scope, fresh, selection, now=now, reserve=reserve):
                break
        # The rules after the chosen one's, until the list of alternatives is full: what
        # a person picking another sender would choose from.
        for rule_candidates in rules:
            if len(selection.considered) >= LIST_LIMIT:
                break
            fresh = [c for c in rule_candidates if c.number.pk not in seen]
            seen.update(c.number.pk for c in fresh)
            if fresh:
                _rank(scope, fresh, selection, now=now)
    except CountersUnavailable:
        selection.chosen = None
        selection.setup_message = UNAVAILABLE
        return selection
    _note_passed_over(selection, remembered, now)
    if selection.chosen is None:
        from outgoing.setup import why_nothing_can_send  # the slow path's own reads

        selection.setup_message = why_nothing_can_send(selection, now=now)
    return selection


def check(scope: Scope, number: PhoneNumber, *, now: datetime, reserve: bool = True) -> Selection:
    """Whether `number` (a person's choice) may send now, with a unit reserved if so."""
    selection = Selection(
        scope=scope,
        wanted=Wanted(),
        manually_overridden=True,
        subject=number,
        subject_reason=R.MANUAL_OVERRIDE,
    )
    why = reads.judged(scope, number)
    if why is not None:
        selection.setup_message = why
        selection.skipped.append(Skipped(number, R.MANUAL_OVERRIDE, why))
        return selection
    book = Plans(scope.business)
    candidate = Candidate(
        number,
        R.MANUAL_OVERRIDE,
        CHOSEN_BY_A_PERSON,
        book.limits(number, scope.channel),
    )
    try:
        _choose(scope, [candidate], selection, now=now, reserve=reserve)
    except CountersUnavailable:
        selection.setup_message = UNAVAILABLE
        return selection
    if selection.chosen is None:
        selection.setup_message = f"The number has no room now: {_room(candidate, now)}."
    return selection


def _choose(
    scope: Scope, rule: list[Candidate], selection: Selection, *, now: datetime, reserve: bool
) -> bool:
    """Read the rule's numbers' usage, rank them and take the first with room."""
    _rank(scope, rule, selection, now=now)
    for candidate in rule:
        if not candidate.has_room:
            continue
        if reserve:
            until = reservations.reserve(
                candidate.number.pk, scope.channel, candidate.limits, now=now
            )
            if until is None:  # a concurrent selection took the last unit
                candidate.used = reservations.usage([candidate.number.pk], scope.channel, now=now)[
                    candidate.number.pk
                ]
                continue
            candidate.reserved_until = until
            candidate.used = tuple(used + 1 for used in candidate.used)
        selection.chosen = candidate
        selection.manually_overridden = candidate.reason == R.MANUAL_OVERRIDE
        return True
    return False


def _rank(scope: Scope, rule: list[Candidate], selection: Selection, *, now: datetime) -> None:
    """Read the rule's numbers' usage and add them to the considered, best first."""
    used = reservations.usage([c.number.pk for c in rule], scope.channel, now=now)
    for candidate in rule:
        candidate.used = used[candidate.number.pk]
    rule.sort(key=Candidate.rank)
    selection.considered.extend(rule)


def _rules(
    scope: Scope,
    wanted: Wanted,
    remembered: list[Remembered],
    book: Plans,
    selection: Selection,
) -> Iterator[list[Candidate]]:
    """Each rule's numbers in order of the rules, read only when the rule is reached."""

    def offer(numbers: list[PhoneNumber], reason: str, label, order=lambda n: 0):
        return [
            Candidate(n, reason, label(n), book.limits(n, scope.channel), order(n)) for n in numbers
        ]

    # The numbers remembered by the conversation and the lead, judged one by one so that
    # the answer can say why one was passed over.
    by_id = reads.numbers_by_id(scope, [r.phone_number_id for r in remembered])
    for memory in remembered:
        number = by_id.get(memory.phone_number_id)
        if number is None:
            continue
        why = reads.judged(scope, number)
        if why is not None:
            selection.skipped.append(Skipped(number, memory.reason, why))
            continue
        yield offer([number], memory.reason, lambda n, r=memory.reason: LABELS[r])

    eligible = scope.eligible()
    pivot = _Lazy(lambda: reads.random_pivot(scope.business))

    # Routed to the campaign, then to the source (a number routed to both comes first).
    def routed(n: PhoneNumber) -> str:
        matched = [
            f"{what} {value}"
            for what, value, own in (
                ("campaign", wanted.campaign_id, n.campaign_id),
                ("source", wanted.source_id, n.source_id),
            )
            if value is not None and own == value
        ]
        return "Routed to the " + " and ".join(matched)

    def both(n: PhoneNumber) -> int:
        matches = (n.campaign_id, n.source_id) == (wanted.campaign_id, wanted.source_id)
        return 0 if matches else 1

    for column, value in (("campaign_id", wanted.campaign_id), ("source_id", wanted.source_id)):
        if value is not None:
            for page in reads.sampled(eligible.filter(**{column: value}), pivot()):
                yield offer(page, R.CAMPAIGN_OR_SOURCE, routed, both)

    for page in reads.sampled(eligible.filter(is_preferred=True), pivot()):
        yield offer(page, R.PREFERRED, lambda n: LABELS[R.PREFERRED])

    if wanted.recipient is not None:
        code = reads.area_code(wanted.recipient)
        if code is not None:
            label = f"In the recipient's area code ({code})"
            for page in reads.sampled_in_area(eligible, code):
                yield offer(page, R.LOCAL_AREA, lambda n, label=label: label)
        state = describe_location(wanted.recipient).state
        if state is not None:
            label = f"In the recipient's state ({state})"
            for page in reads.sampled(eligible.filter(location_state=state), pivot()):
                yield offer(page, R.LOCAL_AREA, lambda n, label=label: label, lambda n: 1)

    for page in reads.sampled(eligible.filter(is_default=False), pivot()):
        yield offer(page, R.HEALTHY_POOL, lambda n: LABELS[R.HEALTHY_POOL])

    yield offer(
        list(eligible.filter(is_default=True)[:1]),
        R.FALLBACK_DEFAULT,
        lambda n: LABELS[R.FALLBACK_DEFAULT],
    )


CHOSEN_BY_A_PERSON = "Chosen by a person"
LABELS = {
    R.MANUAL_OVERRIDE: "Pinned to this conversation",
    R.STICKY_CONVERSATION: "The number this conversation uses",
    R.LEAD_ASSIGNED: "The number the lead was last sent from",
    R.PREFERRED: "A preferred number of the business",
    R.HEALTHY_POOL: "Healthiest number with the most capacity left",
    R.FALLBACK_DEFAULT: "The business's default number: no other number has room",
}


class _Lazy:
    """A value worked out on first use (the pool's random starting point)."""

    def __init__(self, compute) -> None:
        self._compute, self._done, self._value = compute, False, None

    def __call__(self):
        if not self._done:
            self._value, self._done = self._compute(), True
        return self._value


WINDOW_NAMES = ("minute", "hour", "day")


def _room(candidate: Candidate, now: datetime) -> str:
    """Why a candidate has no room, and when it will: 'no capacity left this minute (10
    of 10); frees up at 10:01 ET'."""
    full = candidate.full_windows()
    if not full:
        return "it has room"
    used, limits = candidate.used, candidate.limits
    parts = [f"{used[i]} of {limits[i]} this {WINDOW_NAMES[i]}" for i in full]
    frees = eastern(frees_at(candidate, now), now)
    return f"no capacity left ({', '.join(parts)}); frees up at {frees}"


def frees_at(candidate: Candidate, now: datetime) -> datetime:
    """When every full window of the candidate has reset."""
    resets = capacity.resets(now)
    return max(resets[WINDOW_NAMES[i]] for i in candidate.full_windows())


def eastern(at: datetime, now: datetime) -> str:
    """'10:00 ET', with the day when it is not today: 'Sat 28 Nov 00:00 ET'."""
    local = at.astimezone(clock.EASTERN)
    if clock.eastern_day(at) == clock.eastern_day(now):
        return f"{local:%H:%M} ET"
    return f"{local:%a %d %b %H:%M} ET"


def _note_passed_over(selection: Selection, remembered: list[Remembered], now: datetime) -> None:
    """Remembered numbers that were considered but not chosen had no room: say so."""
    reasons = {r.phone_number_id: r.reason for r in remembered}
    for candidate in selection.considered:
        pk = candidate.number.pk
        if pk in reasons and candidate is not selection.chosen and not candidate.has_room:
            selection.skipped.append(Skipped(candidate.number, reasons[pk], _room(candidate, now)))
