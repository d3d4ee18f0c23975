"""The read of the outgoing-number selection: every rule's numbers in one statement, each
rule's part bounded however many numbers the business holds.

A rule's numbers are one business's unreleased numbers that meet the sending rule
(`warmup.sending.lead_conditions`, as a filter) and, with a team, are routed to it or to
no team. Each rule's part is a walk of an index of those numbers (phonenumbers_app/models.py:
the `phone_number_sel_*` indexes and the business's list index), never a scan of all.
The numbers a conversation or lead remembers are read by id with them, whatever their
state, to be judged one by one (so the answer can say why one was passed over).

Rules with many numbers are *sampled*: up to SAMPLE numbers read in list order (in an
area code, number order) from a random point, wrapping round. Ranked by capacity left
(outgoing/selection.py), the best of a random sample spreads the sends over all of a
large pool as well as ranking every number would (the "power of random choices"), for
fifty rows read instead of ten thousand; a rule of up to SAMPLE numbers is read whole, so
small businesses get the exact best. Only when none of a rule's sample has room are its
other numbers read (`rest_of`), page after page.

The statement is compiled once per shape (which rules the request has, the channel, a
team or not: outgoing/compiled.py) and then only run: the ORM's compiling cost more than
PostgreSQL's running it.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.db import router
from django.db.models import Max, Min, Q, QuerySet

from businesses.models import Business
from core.db.compiled import Compiled, Slot, compile_union, run
from phonenumbers_app.models import PhoneNumber, TenDlc
from phonenumbers_app.vocabularies import InventoryState
from warmup import capacity, sending
from warmup.models import NumberWarmup

SAMPLE = 25
# A rule whose sample has no room reads on, in pages this many times larger.
GROWTH = 4
# How long a business's first and last creation times (where samples start) are reused.
BOUNDS_SECONDS = 60

# The columns the selection reads of a number, then of its engine and 10DLC rows.
NUMBER_COLUMNS = (
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
)
ENGINE_COLUMNS = ("plan_id", "plan_day", "pacing_status", "auto_paused")
COLUMNS = (
    *NUMBER_COLUMNS,
    "warmup__plan",
    "warmup__plan_day",
    "warmup__pacing_status",
    "warmup__auto_paused",
    "ten_dlc__campaign_status",
)
# The engine's and the 10DLC columns, as the statement joins them once to its union.
JOINED_FIELDS = (
    (NumberWarmup, "plan"),
    (NumberWarmup, "plan_day"),
    (NumberWarmup, "pacing_status"),
    (NumberWarmup, "auto_paused"),
    (TenDlc, "campaign_status"),
)


class EngineRow:
    """A number's warmup engine row, as far as the selection reads it."""

    __slots__ = ENGINE_COLUMNS

    def __init__(self, plan_id, plan_day, pacing_status, auto_paused) -> None:
        self.plan_id, self.plan_day = plan_id, plan_day
        self.pacing_status, self.auto_paused = pacing_status, auto_paused


class TenDlcRow:
    __slots__ = ("campaign_status",)

    def __init__(self, campaign_status: str | None) -> None:
        self.campaign_status = campaign_status


class SenderRow:
    """A number as the selection reads it: NUMBER_COLUMNS as attributes, its engine row
    as `warmup` (None before the engine saw it) and its 10DLC row as `ten_dlc`. It reads
    like a PhoneNumber to the sending rule and the plans."""

    __slots__ = (*NUMBER_COLUMNS, "warmup", "ten_dlc")

    def __init__(self, values: Sequence[Any]) -> None:
        count = len(NUMBER_COLUMNS)
        for name, value in zip(NUMBER_COLUMNS, values[:count], strict=True):
            setattr(self, name, value)
        plan_id, plan_day, pacing, auto_paused, campaign_status = values[count:]
        # pacing_status is never null on an engine row: null here is no row at all.
        self.warmup = None if pacing is None else EngineRow(plan_id, plan_day, pacing, auto_paused)
        self.ten_dlc = TenDlcRow(campaign_status)

    @property
    def pk(self) -> uuid.UUID:
        return self.id

    @property
    def is_released(self) -> bool:
        return self.inventory_state == InventoryState.RELEASED

    def __eq__(self, other: object) -> bool:
        # The same number as a PhoneNumber of the same id (which hashes alike).
        return isinstance(other, SenderRow | PhoneNumber) and other.pk == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return f"<SenderRow {self.number}>"


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

    def team_allows(self, number: Any) -> bool:
        return self.team_id is None or number.team_id in (None, self.team_id)

    def eligible(self) -> QuerySet[PhoneNumber]:
        """The numbers the selection may choose from (capacity aside), as a queryset: the
        filter every part of the statement starts from."""
        shape = _Shape(self.channel, self.team_id is not None, 0, ())
        return _eligible(shape, {"business": self.business.pk, "team": self.team_id})


def judged(scope: Scope, number: Any) -> str | None:
    """Why `number` (a PhoneNumber or SenderRow) may not send to a lead of `scope`'s
    business now (capacity aside), or None: the rule the statement filters by, on one row."""
    if number.business_id != scope.business.pk:
        return "The number is no longer one of the business's."
    if not scope.team_allows(number):
        return f"The number is routed to another team ({number.team_id})."
    warmup = getattr(number, "warmup", None)
    return sending.blocker(sending.lead_conditions(scope.channel), number, warmup)


# --- What a request asks, and the statement of its shape --------------------------------

# Rules in the order they are tried, after the remembered numbers.
CAMPAIGN, SOURCE, PREFERRED, AREA, STATE, POOL, DEFAULT = (
    "campaign",
    "source",
    "preferred",
    "area",
    "state",
    "pool",
    "default",
)
REMEMBERED = "remembered"


@dataclass(frozen=True)
class Asked:
    """The values a selection's read takes."""

    remembered: tuple[uuid.UUID, ...] = ()
    campaign_id: str | None = None
    source_id: str | None = None
    area_code: str | None = None
    state: str | None = None

    def rules(self) -> tuple[str, ...]:
        present = {
            CAMPAIGN: self.campaign_id is not None,
            SOURCE: self.source_id is not None,
            PREFERRED: True,
            AREA: self.area_code is not None,
            STATE: self.state is not None,
            POOL: True,
        }
        return tuple(rule for rule, wanted in present.items() if wanted)


@dataclass
class RulePage:
    """A rule's numbers from the statement; `full`: a half of the sample was cut at
    SAMPLE rows, so the rule may have more."""

    rule: str
    rows: list[SenderRow]
    full: bool


def read(
    scope: Scope, asked: Asked, *, rules: tuple[str, ...] | None = None
) -> tuple[dict[uuid.UUID, SenderRow], list[RulePage]]:
    """The remembered numbers by id, and each rule's sample in the order of the rules
    (`rules`: only those of them), in one statement."""
    using = router.db_for_read(PhoneNumber)
    rules = asked.rules() if rules is None else rules
    shape = _Shape(scope.channel, scope.team_id is not None, len(asked.remembered), rules)
    compiled, parts = _compiled(shape, using)
    values = _values(scope, asked)
    by_part: dict[int, list[SenderRow]] = {}
    joined = [model._meta.get_field(name) for model, name in JOINED_FIELDS]
    for part, *columns in run(compiled, values, using=using):
        count = len(NUMBER_COLUMNS)
        # The joined columns come as the database has them (the union's, converted).
        tail = [
            None if value is None else field.to_python(value)
            for field, value in zip(joined, columns[count:], strict=True)
        ]
        by_part.setdefault(part, []).append(SenderRow([*columns[:count], *tail]))
    remembered: dict[uuid.UUID, SenderRow] = {}
    pages: dict[str, RulePage] = {}
    for index, (rule, limit) in enumerate(parts):
        rows = by_part.get(index, [])
        if rule == REMEMBERED:
            remembered.update((row.pk, row) for row in rows)
            continue
        page = pages.setdefault(rule, RulePage(rule, [], False))
        page.full = page.full or (limit is not None and len(rows) == limit)
        # The parts read the business's unreleased numbers; whether each may send is
        # tested here, on the row (the same rule: warmup/sending.py).
        sendable = [row for row in rows if judged(scope, row) is None]
        page.rows.extend(sendable[: SAMPLE - len(page.rows)])
    return remembered, [pages[rule] for rule in shape.rules]


@dataclass(frozen=True)
class _Shape:
    channel: str
    team: bool
    remembered: int
    rules: tuple[str, ...]


_S = {
    "business": uuid.UUID("00000000-0000-4000-8000-0000000000b1"),
    "team": "\ue000team",
    "campaign": "\ue000campaign",
    "source": "\ue000source",
    "state": "\ue000state",
    "area_first": "\ue000area-first",
    "area_end": "\ue000area-end",
    "area_pivot": "\ue000area-pivot",
    "pivot": datetime(1901, 1, 1, 0, 0, 0, 7, tzinfo=UTC),
    **{f"id{i}": uuid.UUID(f"00000000-0000-4000-8000-0000000000c{i}") for i in range(3)},
}
_FIELDS = {
    "business": "business",
    "team": "team_id",
    "campaign": "campaign_id",
    "source": "source_id",
    "state": "location_state",
    "area_first": "number",
    "area_end": "number",
    "area_pivot": "number",
    "pivot": "created_at",
    **{f"id{i}": "id" for i in range(3)},
}


def _eligible(shape: _Shape, v: dict[str, Any], *, full: bool = True) -> QuerySet[PhoneNumber]:
    """The business's numbers that may send to a lead on the shape's channel (capacity
    aside): `v` holds the values, real or sentinels. `full=False`: only the business's
    unreleased numbers (what the indexes of the statement's parts hold): the rest of the
    rule is tested on the rows read (each condition costs the planner time in each part,
    and the statement has a dozen)."""
    held = PhoneNumber.objects.filter(business_id=v["business"]).exclude(
        inventory_state=InventoryState.RELEASED
    )
    if not full:
        return held
    queryset = held.filter(sending.keeps(sending.lead_conditions(shape.channel)))
    if shape.team:
        queryset = queryset.filter(Q(team_id__isnull=True) | Q(team_id=v["team"]))
    return queryset


def _in_rule(
    shape: _Shape, rule: str, v: dict[str, Any], *, full: bool = True
) -> QuerySet[PhoneNumber]:
    """The numbers of a rule (but the remembered ones and the default)."""
    eligible = _eligible(shape, v, full=full)
    if rule == AREA:
        # The default number is the last resort: held back from the automatic rules.
        return eligible.filter(
            is_default=False, number__gte=v["area_first"], number__lt=v["area_end"]
        )
    return eligible.filter(
        {
            CAMPAIGN: Q(campaign_id=v["campaign"]),
            SOURCE: Q(source_id=v["source"]),
            PREFERRED: Q(is_preferred=True),
            STATE: Q(location_state=v["state"], is_default=False),
            POOL: Q(is_default=False),
        }[rule]
    )


def _halves(shape: _Shape, rule: str, v: dict[str, Any]) -> list[QuerySet]:
    """The rule's sample as two parts: from the random point down, and round from the
    top (in an area code: from the random number up, and round from the code's first)."""
    numbers = _in_rule(shape, rule, v, full=False)
    if rule == AREA:
        in_code = numbers.order_by("number", "id")
        return [
            in_code.filter(number__gte=v["area_pivot"]),
            in_code.filter(number__lt=v["area_pivot"]),
        ]
    ordered = numbers.order_by("-created_at", "-id")
    return [ordered.filter(created_at__lte=v["pivot"]), ordered.filter(created_at__gt=v["pivot"])]


@lru_cache(maxsize=256)
def _compiled(shape: _Shape, using: str) -> tuple[Compiled, tuple[tuple[str, int | None], ...]]:
    """The statement of a shape, and per part: its rule and the rows it is cut at."""
    parts: list[list[QuerySet]] = []
    names: list[tuple[str, int | None]] = []
    if shape.remembered:
        ids = [_S[f"id{i}"] for i in range(shape.remembered)]
        parts.append([PhoneNumber.objects.filter(pk__in=ids)])
        names.append((REMEMBERED, None))
    for rule in shape.rules:
        # Both halves of the sample, the second read only when the first is short.
        parts.append([half[:SAMPLE] for half in _halves(shape, rule, _S)])
        names.append((rule, SAMPLE))
    slots = [
        Slot(name, sentinel, PhoneNumber._meta.get_field(_FIELDS[name]))
        for name, sentinel in _S.items()
    ]
    compiled = compile_union(
        [[queryset.values_list(*NUMBER_COLUMNS) for queryset in part] for part in parts],
        slots,
        using=using,
        outer=_OUTER(),
        limits=[limit for _, limit in names],
    )
    return compiled, tuple(names)


def _OUTER() -> str:
    """The union with the engine's and the 10DLC columns of each row, looked up by key
    (joined in each of a dozen parts, they made planning the statement cost 5 ms, five
    times its running; joined to the union, PostgreSQL hashed both tables whole)."""
    lookups = []
    for model, name in JOINED_FIELDS:
        meta = model._meta
        lookups.append(
            f'(SELECT x."{meta.get_field(name).column}" FROM "{meta.db_table}" AS x '
            f'WHERE x."{meta.get_field("phone_number").column}" = u."id")'
        )
    return f"SELECT u.*, {', '.join(lookups)} FROM ({{union}}) AS u"


_bounds_cache: dict[uuid.UUID, tuple[float, datetime, datetime]] = {}


def _bounds(business: Business) -> tuple[datetime, datetime]:
    """The business's first and last number's creation: samples start at a random
    instant between. Kept a minute per process (a newer number is sampled all the same,
    from the top, until then)."""
    cached = _bounds_cache.get(business.pk)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1], cached[2]
    bounds = PhoneNumber.objects.filter(business=business).aggregate(
        first=Min("created_at"), last=Max("created_at")
    )
    now = datetime.now(UTC)
    first, last = bounds["first"] or now, bounds["last"] or now
    _bounds_cache[business.pk] = (time.monotonic() + BOUNDS_SECONDS, first, last)
    return first, last


def rest_of(scope: Scope, asked: Asked, rule: str, seen: set) -> Iterator[list[SenderRow]]:
    """The rule's numbers not yet seen, page after page (each GROWTH times larger): read
    only when none of its sample had room, so that "no capacity" is never said while one
    of them has some."""
    shape = _Shape(scope.channel, scope.team_id is not None, 0, (rule,))
    numbers = _in_rule(shape, rule, _values(scope, asked)).order_by("pk").values_list(*COLUMNS)
    size, last = SAMPLE * GROWTH, None
    while True:
        page = numbers if last is None else numbers.filter(pk__gt=last)
        rows = [SenderRow(columns) for columns in page[:size]]
        fresh = [row for row in rows if row.pk not in seen]
        if fresh:
            yield fresh
        if len(rows) < size:
            return
        last, size = rows[-1].pk, size * GROWTH


def default_of(scope: Scope) -> list[SenderRow]:
    """The business's default number if it may send (capacity aside): the last resort,
    read only when no other number had room."""
    shape = _Shape(scope.channel, scope.team_id is not None, 0, ())
    values = {"business": scope.business.pk, "team": scope.team_id}
    default = _eligible(shape, values).filter(is_default=True).values_list(*COLUMNS)[:1]
    return [SenderRow(columns) for columns in default]


def _values(scope: Scope, asked: Asked) -> dict[str, Any]:
    """The request's values for the statement's slots (samples start at random points)."""
    first, last = _bounds(scope.business)
    values = {
        "business": scope.business.pk,
        "team": scope.team_id,
        "campaign": asked.campaign_id,
        "source": asked.source_id,
        "state": asked.state,
        "pivot": first + (last - first) * random.random(),
    }
    values.update({f"id{i}": pk for i, pk in enumerate(asked.remembered)})
    if asked.area_code is not None:
        code = asked.area_code
        values.update(
            area_first=f"+1{code}",
            area_end=f"+1{int(code) + 1}",
            area_pivot=f"+1{code}{random.randrange(10_000_000):07d}",
        )
    return values


def area_code(e164: str) -> str | None:
    """A North American number's area code ("+14155552671" -> "415"), else None."""
    if e164.startswith("+1") and len(e164) == 12:
        return e164[2:5]
    return None


CHANNELS = {"sms": capacity.SMS, "call": capacity.VOICE}
