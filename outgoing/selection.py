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

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from businesses.models import Business
from outgoing import candidates as reads
from outgoing.candidates import Scope
from outgoing.vocabularies import SelectionReason as R
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.numbers import describe_location
from phonenumbers_app.vocabularies import WarmupHealthState as W
from warmup import capacity, clock, plans, reservations, selectors
from warmup.capacity import CountersUnavailable
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


class Plans(selectors.BusinessPlans):
    """The business's plans (warmup.selectors.BusinessPlans), and each number's limits
    on a channel under them."""

    def __init__(self, business: Business) -> None:
        super().__init__(business)
        self._limits: dict = {}

    def limits(self, number: PhoneNumber, channel: str) -> Windows:
        """(minute, hour, day) limits of the number on `channel` now."""
        plan = self.plan_of(number)
        warmup = selectors.number_warmup_of(number)
        day = limits_day(number, plan, selectors.plan_day_of(number, warmup, plan))
        key = (plan.pk, day, channel)
        if key not in self._limits:
            limits = plans.limits(plan, day)
            self._limits[key] = (
                (limits.sms_minute, limits.sms_hour, limits.sms_day)
                if channel == capacity.SMS
                else (limits.voice_minute, limits.voice_hour, limits.voice_day)
            )
        return self._limits[key]


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
    asked = _asked(wanted, remembered)
    try:
        pages = _by_the_rules(scope, wanted, remembered, asked, book, selection, now, reserve)
        if selection.chosen is None:
            # No number of any sample had room: read on through the rules whose sample
            # was cut, so "no capacity" is said only when it is true.
            seen = {c.number.pk for c in selection.considered}
            for page in pages:
                if not page.full:
                    continue
                for rows in reads.rest_of(scope, asked, page.rule, seen):
                    seen.update(row.pk for row in rows)
                    rule = _offer(rows, page.rule, wanted, book, scope)
                    if _choose(scope, rule, selection, now=now, reserve=reserve):
                        break
                if selection.chosen is not None:
                    break
        if selection.chosen is None:
            default = [
                c
                for c in _offer(reads.default_of(scope), reads.DEFAULT, wanted, book, scope)
                if c.number.pk not in {s.number.pk for s in selection.considered}
            ]
            if default:
                _choose(scope, default, selection, now=now, reserve=reserve)
    except CountersUnavailable:
        selection.chosen = None
        selection.setup_message = UNAVAILABLE
        return selection
    _note_passed_over(selection, remembered, now)
    if selection.chosen is None:
        from outgoing.setup import why_nothing_can_send  # the slow path's own reads

        selection.setup_message = why_nothing_can_send(selection, now=now)
    return selection


def _by_the_rules(
    scope: Scope,
    wanted: Wanted,
    remembered: list[Remembered],
    asked: reads.Asked,
    book: Plans,
    selection: Selection,
    now: datetime,
    reserve: bool,
) -> list[reads.RulePage]:
    """Walk the rules' samples in order; the rules' pages read. A conversation or lead
    that remembers a number mostly keeps it: then the first read is of the remembered
    numbers and the pool's sample only (the alternatives listed), and the other rules
    are read only if no remembered number can send (their parts cost planning time)."""

    def walk(by_id: dict, pages: list[reads.RulePage], memories: list[Remembered]) -> None:
        rules = _rules(scope, wanted, memories, by_id, pages, book, selection)
        _walk(scope, rules, selection, now=now, reserve=reserve)

    if asked.remembered:
        by_id, pages = reads.read(scope, asked, rules=(reads.POOL,))
        walk(by_id, [], remembered)
        if selection.chosen is not None:
            walk({}, pages, [])  # the alternatives listed
            return pages
        asked = dataclasses.replace(asked, remembered=())
    _, pages = reads.read(scope, asked)
    walk({}, pages, [])
    return pages


def _asked(wanted: Wanted, remembered: list[Remembered]) -> reads.Asked:
    ids = tuple(dict.fromkeys(memory.phone_number_id for memory in remembered))
    area, state = None, None
    if wanted.recipient is not None:
        area = reads.area_code(wanted.recipient)
        state = describe_location(wanted.recipient).state
    return reads.Asked(
        remembered=ids,
        campaign_id=wanted.campaign_id,
        source_id=wanted.source_id,
        area_code=area,
        state=state,
    )


def _walk(
    scope: Scope,
    rules: list[list[Candidate]],
    selection: Selection,
    *,
    now: datetime,
    reserve: bool,
) -> None:
    """Try the rules in order until one gives a number with room; then rank the rules
    after it until the list of alternatives is full (what a person picking another
    sender chooses from)."""
    seen = {c.number.pk for c in selection.considered}
    for rule in rules:
        fresh = [c for c in rule if c.number.pk not in seen]
        seen.update(c.number.pk for c in fresh)
        if not fresh:
            continue
        if selection.chosen is None:
            _choose(scope, fresh, selection, now=now, reserve=reserve)
        elif len(selection.considered) < LIST_LIMIT:
            _rank(scope, fresh, selection, now=now)
        else:
            return


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
        why = _room(candidate, scope.channel, now)
        selection.setup_message = f"The number has no room now: {why}."
    return selection


def _choose(
    scope: Scope, rule: list[Candidate], selection: Selection, *, now: datetime, reserve: bool
) -> bool:
    """Rank the rule's numbers by their use and take the first with room. A rule of one
    number (the pin, the conversation's, the lead's) is not read first: the atomic
    reservation says whether it had room, and what it had used."""
    if reserve and len(rule) == 1:
        (candidate,) = rule
        taken = reservations.take(candidate.number.pk, scope.channel, candidate.limits, now=now)
        candidate.used = taken.used
        selection.considered.append(candidate)
        if taken.until is None:
            return False
        return _chosen(selection, candidate, taken)
    _rank(scope, rule, selection, now=now)
    for candidate in rule:
        if not candidate.has_room:
            continue
        if not reserve:
            selection.chosen = candidate
            selection.manually_overridden = candidate.reason == R.MANUAL_OVERRIDE
            return True
        taken = reservations.take(candidate.number.pk, scope.channel, candidate.limits, now=now)
        candidate.used = taken.used
        if taken.until is not None:
            return _chosen(selection, candidate, taken)
        # A concurrent selection took the last unit: the next number in order.
    return False


def _chosen(selection: Selection, candidate: Candidate, taken: reservations.Taken) -> bool:
    candidate.reserved_until = taken.until
    candidate.used = tuple(used + 1 for used in taken.used)  # with the unit it holds now
    selection.chosen = candidate
    selection.manually_overridden = candidate.reason == R.MANUAL_OVERRIDE
    return True


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
    by_id: dict,
    pages: list[reads.RulePage],
    book: Plans,
    selection: Selection,
) -> list[list[Candidate]]:
    """Each rule's candidates, in the order of the rules. The remembered numbers are
    judged one by one, so that the answer can say why one was passed over."""
    rules = []
    for memory in remembered:
        number = by_id.get(memory.phone_number_id)
        if number is None:
            continue
        why = reads.judged(scope, number)
        if why is not None:
            selection.skipped.append(Skipped(number, memory.reason, why))
            continue
        limits = book.limits(number, scope.channel)
        rules.append([Candidate(number, memory.reason, LABELS[memory.reason], limits)])
    for page in pages:
        rules.append(_offer(page.rows, page.rule, wanted, book, scope))
    return rules


def _offer(rows: list, rule: str, wanted: Wanted, book: Plans, scope: Scope) -> list[Candidate]:
    """A rule's numbers as candidates, with the rule's reason, label and order."""
    reason, label, order = _RULES[rule](wanted)
    return [Candidate(n, reason, label(n), book.limits(n, scope.channel), order(n)) for n in rows]


def _routed(wanted: Wanted):
    def label(n) -> str:
        matched = [
            f"{what} {value}"
            for what, value, own in (
                ("campaign", wanted.campaign_id, n.campaign_id),
                ("source", wanted.source_id, n.source_id),
            )
            if value is not None and own == value
        ]
        return "Routed to the " + " and ".join(matched)

    def order(n) -> int:
        # A number routed to both the campaign and the source first.
        return 0 if (n.campaign_id, n.source_id) == (wanted.campaign_id, wanted.source_id) else 1

    return R.CAMPAIGN_OR_SOURCE, label, order


def _local(wanted: Wanted, what: str, value, order: int):
    text = f"In the recipient's {what} ({value})"
    return R.LOCAL_AREA, lambda n: text, lambda n: order


def _fixed(reason: str):
    return lambda wanted: (reason, lambda n: LABELS[reason], lambda n: 0)


_RULES = {
    reads.CAMPAIGN: _routed,
    reads.SOURCE: _routed,
    reads.PREFERRED: _fixed(R.PREFERRED),
    reads.AREA: lambda w: _local(w, "area code", reads.area_code(w.recipient), 0),
    reads.STATE: lambda w: _local(w, "state", describe_location(w.recipient).state, 1),
    reads.POOL: _fixed(R.HEALTHY_POOL),
    reads.DEFAULT: _fixed(R.FALLBACK_DEFAULT),
}


CHOSEN_BY_A_PERSON = "Chosen by a person"
LABELS = {
    R.MANUAL_OVERRIDE: "Pinned to this conversation",
    R.STICKY_CONVERSATION: "The number this conversation uses",
    R.LEAD_ASSIGNED: "The number the lead was last sent from",
    R.PREFERRED: "A preferred number of the business",
    R.HEALTHY_POOL: "Healthiest number with the most capacity left",
    R.FALLBACK_DEFAULT: "The business's default number: no other number has room",
}


WINDOW_NAMES = ("minute", "hour", "day")


def _room(candidate: Candidate, channel: str, now: datetime) -> str:
    """Why a candidate has no room, and when it will: 'no capacity left (10 of 10 this
    minute); frees up at 10:01 ET'."""
    full = candidate.full_windows()
    if not full:
        return "it has room"
    used, limits = candidate.used, candidate.limits
    parts = [f"{used[i]} of {limits[i]} this {WINDOW_NAMES[i]}" for i in full]
    _, at = first_free([candidate], channel, now)
    return f"no capacity left ({', '.join(parts)}); frees up at {eastern(at, now)}"


def first_free(
    candidates: list[Candidate], channel: str, now: datetime
) -> tuple[Candidate, datetime]:
    """Of full candidates, the one that has room again first, and when (one read)."""
    found = reservations.standing([c.number.pk for c in candidates], channel, now=now)
    return min(
        ((c, frees_at_of(c, found[c.number.pk], now)) for c in candidates),
        key=lambda pair: pair[1],
    )


def frees_at_of(candidate: Candidate, standing: reservations.Standing, now: datetime) -> datetime:
    """When the candidate has room again: each full window frees at its reset when the
    reported sends alone fill it; when held units fill it, as soon as the first of them
    expires (or the window resets, if that comes first and the held units alone leave
    room); the last of its full windows to free says when."""
    resets = capacity.resets(now)
    times = []
    for i in candidate.full_windows():
        reset, limit = resets[WINDOW_NAMES[i]], candidate.limits[i]
        expiry = standing.first_expiry
        if standing.counted[i] >= limit or expiry is None:
            times.append(reset)
        elif standing.held < limit:
            times.append(min(reset, expiry))
        else:
            times.append(expiry)
    return max(times)


def eastern(at: datetime, now: datetime) -> str:
    """'10:00 ET' ('10:00:42 ET' off the minute), with the day when it is not today:
    'Sat 28 Nov 00:00 ET'."""
    local = at.astimezone(clock.EASTERN)
    on_the_minute = local.second == local.microsecond == 0
    time_of_day = f"{local:%H:%M}" if on_the_minute else f"{local:%H:%M:%S}"
    if clock.eastern_day(at) == clock.eastern_day(now):
        return f"{time_of_day} ET"
    return f"{local:%a %d %b} {time_of_day} ET"


def _note_passed_over(selection: Selection, remembered: list[Remembered], now: datetime) -> None:
    """Remembered numbers that were considered but not chosen had no room: say so."""
    reasons = {r.phone_number_id: r.reason for r in remembered}
    for candidate in selection.considered:
        pk = candidate.number.pk
        if pk in reasons and candidate is not selection.chosen and not candidate.has_room:
            why = _room(candidate, selection.scope.channel, now)
            selection.skipped.append(Skipped(candidate.number, reasons[pk], why))
