"""One pass of the warmup engine, a chunk of numbers at a time.

A pass (`run_pass`, what beat's "warmup.tick" and `manage.py warmup_tick` start) cuts
the unreleased numbers into chunks of consecutive ids; each chunk (`evaluate_chunk`, a
Celery task of its own) is one transaction that:

1. locks its numbers' rows, skipping rows another transaction holds (PostgreSQL's SKIP
   LOCKED: two workers never evaluate one number at once; a number being edited is
   evaluated on the next pass);
2. reads their engine state and their daily stats in the health window (two queries);
3. decides each number's change (warmup/ramp.py) from its plan and health
   (warmup/health.py);
4. writes the changes with their events through warmup/services/engine.py.

A chunk run twice (a retry, a second worker, a second pass on the same day) decides
nothing new: the day's advance-or-hold is keyed by `NumberWarmup.evaluated_day`, read
under the lock.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Case, F, Max, Q, Value, When
from django.utils import timezone

from core.db.sql_rows import values_in
from core.metrics import WARMUP_NUMBERS, WARMUP_RUN_SECONDS, WARMUP_RUNS
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import InventoryState
from warmup import clock
from warmup import plans as plan_days
from warmup.health import Signals, assess
from warmup.models import BusinessWarmupPlan, DailyStats, EngineRun, NumberWarmup, WarmupPlan
from warmup.ramp import NUMBER_FIELDS, WARMUP_FIELDS, NumberState, decide
from warmup.selectors import default_plan
from warmup.services.engine import engine_apply

CHUNK_SIZE = 2000

# What a decision reads: the number's identity and standing, then the fields it may change.
_NUMBER_COLUMNS = (
    "id",
    "business_id",
    "enabled",
    "inventory_state",
    "status",
    "warmup_enabled",
    *NUMBER_FIELDS,
)
_WARMUP_COLUMNS = ("plan_id", *WARMUP_FIELDS)
_SIGNAL_SUMS = (
    F("sms_sent") + F("mms_sent"),
    F("sms_delivered") + F("mms_delivered"),
    F("sms_failed") + F("mms_failed"),
    F("sms_carrier_rejected") + F("mms_carrier_rejected"),
    F("opt_outs"),
    F("recipients"),
    F("spam_reports"),
)
_SIGNALS = len(_SIGNAL_SUMS)


@dataclass(frozen=True)
class Chunk:
    """Numbers with ids in (after, upto]; None: open on that side."""

    after: uuid.UUID | None
    upto: uuid.UUID | None

    def q(self, field: str = "id") -> Q:
        q = Q()
        if self.after is not None:
            q &= Q(**{f"{field}__gt": self.after})
        if self.upto is not None:
            q &= Q(**{f"{field}__lte": self.upto})
        return q


def chunks(size: int = CHUNK_SIZE) -> Iterator[Chunk]:
    """The unreleased numbers in chunks of about `size` consecutive ids (one index probe
    per chunk, never the whole id list in memory)."""
    unreleased = PhoneNumber.objects.exclude(inventory_state=InventoryState.RELEASED)
    after = None
    while True:
        rest = unreleased.filter(id__gt=after) if after else unreleased
        upto = rest.order_by("id").values_list("id", flat=True)[size - 1 : size].first()
        if upto is None:
            yield Chunk(after, None)
            return
        yield Chunk(after, upto)
        after = upto


def evaluate_chunk(
    chunk: Chunk, *, now: datetime | None = None, since: datetime | None = None
) -> Counter:
    """Decide and write one chunk (see the module's docstring); the actions' counts.

    `since`: when the previous complete pass started; the chunk then judges only the
    numbers that may have changed since (`_candidates`). None: every number.
    """
    now = now or timezone.now()
    today = clock.eastern_day(now)
    window_start = today - timedelta(days=_longest_window())
    with transaction.atomic():
        traffic = _traffic(
            chunk, since=window_start, reported_since=since, reported_from=today - timedelta(1)
        )
        ids = _candidates(chunk, now=now, since=since, traffic=traffic)
        states, plans_by_number, businesses = _locked_states(ids)
        history = _daily_signals([state.id for state in states], since=window_start)
        decisions = []
        for state in states:
            plan = plans_by_number[state.id]
            signals, sent_yesterday, window = _window(history.get(state.id, ()), state, plan, today)
            health = assess(signals, plan, window=window)
            decision = decide(
                state, plan=plan, health=health, sent_yesterday=sent_yesterday, now=now
            )
            if decision.number_changes() or decision.warmup_changes():
                decisions.append(decision)
        engine_apply(decisions, businesses=businesses, now=now)
    counts = Counter(d.action for d in decisions if d.action)
    counts["evaluated"] = len(states)
    counts["changed"] = len(decisions)
    for action, count in counts.items():
        WARMUP_NUMBERS.labels(action).inc(count)
    return counts


def _candidates(
    chunk: Chunk,
    *,
    now: datetime,
    since: datetime | None,
    traffic: dict[uuid.UUID, bool],
) -> list[uuid.UUID]:
    """The chunk's numbers a pass must judge (`since` None: all of them): those not yet
    judged today that warm up or have traffic in the window, those whose cooldown is over,
    those a person changed since the engine last wrote them (the engine's own writes stamp
    both times alike), and those with traffic reported since the last pass. The others
    would decide what they decided last time: the day's advance is done, their signals
    are the same.

    Picked in Python from two range reads without locks: only the picked rows are locked
    (a lock is a write to each row), and the conditions need no per-row subqueries."""
    today = clock.eastern_day(now)
    numbers = (
        PhoneNumber.objects.filter(chunk.q())
        .exclude(inventory_state=InventoryState.RELEASED)
        .values_list("id", "warmup_enabled", "modified_at")
    )
    engine_rows = {
        row[0]: row[1:]
        for row in NumberWarmup.objects.filter(chunk.q("phone_number_id")).values_list(
            "phone_number_id", "evaluated_day", "auto_paused", "cooldown_until", "evaluated_at"
        )
    }
    picked = []
    for number_id, warmup_enabled, modified_at in numbers:
        if since is None:
            picked.append(number_id)
            continue
        evaluated_day, auto_paused, cooldown_until, evaluated_at = engine_rows.get(
            number_id, (None, False, None, None)
        )
        if (
            (
                (warmup_enabled or number_id in traffic)
                and not (evaluated_day and evaluated_day >= today)
            )
            or (auto_paused and cooldown_until is not None and cooldown_until <= now)
            or (modified_at is not None and evaluated_at is not None and modified_at > evaluated_at)
            or (evaluated_at is None and modified_at is not None and modified_at >= since)
            or traffic.get(number_id, False)
        ):
            picked.append(number_id)
    return picked


def _locked_states(ids: list[uuid.UUID]) -> tuple[list[NumberState], dict, dict]:
    """The numbers' states read under their row locks; rows another transaction holds are
    skipped (PostgreSQL), and left for the next pass."""
    if not ids:
        return [], {}, {}
    numbers = PhoneNumber.objects.filter(id__in=values_in(ids, "uuid")).exclude(
        inventory_state=InventoryState.RELEASED
    )
    if connection.features.has_select_for_update_skip_locked:
        numbers = numbers.select_for_update(skip_locked=True, of=("self",))
    rows = list(numbers.order_by("id").values_list(*_NUMBER_COLUMNS))
    if not rows:
        return [], {}, {}
    locked = [row[0] for row in rows]
    engine_rows = {
        row[0]: row[1:]
        for row in NumberWarmup.objects.filter(
            phone_number_id__in=values_in(locked, "uuid")
        ).values_list("phone_number_id", *_WARMUP_COLUMNS)
    }
    plans = {plan.pk: plan for plan in WarmupPlan.objects.all()}
    fallback = _default_of(plans)
    business_ids = {row[1] for row in rows if row[1] is not None}
    business_plans = dict(
        BusinessWarmupPlan.objects.filter(business_id__in=business_ids).values_list(
            "business_id", "plan_id"
        )
    )
    states, plans_by_number, businesses = [], {}, {}
    for row in rows:
        number = dict(zip(_NUMBER_COLUMNS, row, strict=True))
        business_id = number.pop("business_id")
        engine = dict(zip(_WARMUP_COLUMNS, engine_rows.get(row[0], ()), strict=False))
        plan_id = engine.pop("plan_id", None) or business_plans.get(business_id)
        plan = plans.get(plan_id, fallback)
        if "auto_pauses" in engine:
            engine["auto_pauses"] = tuple(engine["auto_pauses"] or ())
        else:
            # First seen by the engine: it takes up the warmup where the typed-in (seed,
            # import, admin) progress says it is, rather than at day 1.
            engine["plan_day"] = plan_days.adopted_day(
                plan, number["warmup_state"], number["warmup_progress_percent"]
            )
        state = NumberState(**number, **engine)
        states.append(state)
        plans_by_number[state.id] = plan
        businesses[state.id] = business_id
    return states, plans_by_number, businesses


def _default_of(plans: dict) -> WarmupPlan:
    for plan in plans.values():
        if plan.is_default:
            return plan
    return default_plan()


def _longest_window() -> int:
    longest = WarmupPlan.objects.order_by("-window_days").values_list("window_days", flat=True)
    return max(next(iter(longest), 7), 1)


def _traffic(
    chunk: Chunk, *, since: date, reported_since: datetime | None, reported_from: date
) -> dict[uuid.UUID, bool]:
    """{number: whether traffic of `reported_from` on was reported after `reported_since`}
    for the chunk's numbers with traffic in the window from `since`: one row per number,
    worked out by the database."""
    rows = DailyStats.objects.filter(chunk.q("phone_number_id"), day__gte=since).values(
        "phone_number_id"
    )
    if reported_since is None:
        return dict.fromkeys(rows.distinct().values_list("phone_number_id", flat=True), False)
    news = Q(day__gte=reported_from, updated_at__gte=reported_since)
    rows = rows.annotate(news=Max(Case(When(news, then=Value(1)), default=Value(0))))
    return {
        number_id: bool(news) for number_id, news in rows.values_list("phone_number_id", "news")
    }


def _daily_signals(ids: list[uuid.UUID], *, since: date) -> dict[uuid.UUID, list[tuple]]:
    """{number: [(day, [Signals' values])]} of the numbers from `since` (every owner's: the
    number's standing with carriers is its own, whoever sent)."""
    if not ids:
        return {}
    rows = (
        DailyStats.objects.filter(phone_number_id__in=values_in(ids, "uuid"), day__gte=since)
        .annotate(**{f"s{i}": expr for i, expr in enumerate(_SIGNAL_SUMS)})
        .values_list("phone_number_id", "day", *(f"s{i}" for i in range(len(_SIGNAL_SUMS))))
    )
    history: dict[uuid.UUID, list[tuple]] = defaultdict(list)
    for number_id, day, *values in rows:
        history[number_id].append((day, values))
    return history


def _window(
    days: list[tuple[date, list[int]]], state: NumberState, plan: WarmupPlan, today: date
) -> tuple[Signals, int, str]:
    """The signals the number is judged on, what it sent yesterday, and how to word the
    window ("the last 7 days", or "since warmup resumed" after a pause)."""
    first = today - timedelta(days=plan.window_days - 1)
    window = f"the last {plan.window_days} days"
    if state.auto_paused and state.auto_pauses:
        # Cooling down: whether it may resume depends on what came after the pause day.
        paused_on = clock.eastern_day(datetime.fromisoformat(state.auto_pauses[-1]))
        since, wording = paused_on + timedelta(days=1), "the days since it was paused"
    elif state.health_since is not None:
        since, wording = clock.eastern_day(state.health_since), "the days since warmup resumed"
    else:
        since, wording = first, window
    if since > first:
        first, window = since, (wording if state.auto_pauses else window)
    sums = [0] * _SIGNALS
    sent_yesterday = 0
    yesterday = today - timedelta(days=1)
    for day, values in days:
        if day >= first:
            sums = [a + b for a, b in zip(sums, values, strict=True)]
        if day == yesterday:
            sent_yesterday += values[0]
    return Signals(*sums), sent_yesterday, window


# --- A whole pass ------------------------------------------------------------------


def start_run(*, trigger: str, now: datetime | None = None) -> EngineRun:
    return EngineRun.objects.create(trigger=trigger, started_at=now or timezone.now())


def record_chunk(run_id: uuid.UUID, counts: Counter, *, last: bool | None = None) -> None:
    """Add a chunk's counts to its run; the run that has all its chunks is finished."""
    fields = ("evaluated", "changed", "started", "advanced", "held", "paused", "resumed",
              "promoted", "blocked")  # fmt: skip
    EngineRun.objects.filter(pk=run_id).update(
        chunks_done=F("chunks_done") + 1,
        **{name: F(name) + counts.get(name, 0) for name in fields},
    )
    finished_at = timezone.now()
    finished = (
        EngineRun.objects.filter(
            pk=run_id, status=EngineRun.Status.RUNNING, chunks_done__gte=F("chunks_total")
        )
        .exclude(chunks_total=0)
        .update(status=EngineRun.Status.SUCCEEDED, finished_at=finished_at)
    )
    if finished:  # this chunk was the run's last: once per run, whichever worker ends it
        WARMUP_RUNS.labels("succeeded").inc()
        started_at = EngineRun.objects.filter(pk=run_id).values_list("started_at", flat=True)
        for started in started_at:
            WARMUP_RUN_SECONDS.observe(max((finished_at - started).total_seconds(), 0.0))


def fail_run(run_id: uuid.UUID, error: str) -> None:
    values = {
        "status": EngineRun.Status.FAILED,
        "finished_at": timezone.now(),
        "error": error[:5000],
    }
    # Counted once per run: a second failing chunk only writes its error over the first's.
    if EngineRun.objects.filter(pk=run_id).exclude(status=EngineRun.Status.FAILED).update(**values):
        WARMUP_RUNS.labels("failed").inc()
    else:
        EngineRun.objects.filter(pk=run_id).update(**values)


def previous_pass_started() -> datetime | None:
    """When the last complete pass started: what changed after it is what the next pass
    must judge (None: no pass finished yet, so judge everything)."""
    return (
        EngineRun.objects.filter(status=EngineRun.Status.SUCCEEDED)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )


def run_pass(*, trigger: str = "command", now: datetime | None = None) -> EngineRun:
    """A whole pass in this process, chunk after chunk (manage.py warmup_tick)."""
    since = previous_pass_started()
    run = start_run(trigger=trigger, now=now)
    all_chunks = list(chunks())
    EngineRun.objects.filter(pk=run.pk).update(chunks_total=len(all_chunks))
    try:
        for chunk in all_chunks:
            record_chunk(run.pk, evaluate_chunk(chunk, now=now, since=since))
    except Exception as error:
        fail_run(run.pk, f"{type(error).__name__}: {error}")
        raise
    run.refresh_from_db()
    return run
