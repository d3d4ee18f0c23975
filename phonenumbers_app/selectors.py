"""Reads of phone numbers that matter: always scoped to what the caller may see."""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.http import QueryDict
from django.utils import timezone

from accounts.models import User
from businesses.models import Business
from businesses.selectors import business_ids_of
from core.db.timeouts import within_time
from core.filtering import filter_queryset
from core.throttling import CACHE_ERRORS
from phonenumbers_app import event_changes, number_rows
from phonenumbers_app.filters import (
    CAMPAIGN_NOT_REGISTERED,
    HEALTH_NOT_ASSESSED,
    WARMUP_NOT_ENROLLED,
    PhoneNumberEventFilter,
    PhoneNumberFilter,
    search_condition,
)
from phonenumbers_app.labels import human_label
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent, TenDlc
from phonenumbers_app.numbers import InvalidNumber, normalize_number
from phonenumbers_app.services.ownership import STAFF_ACTOR
from phonenumbers_app.vocabularies import (
    EventType,
    InventoryState,
    PhoneNumberStatus,
    TenDlcCampaignStatus,
    WarmupHealthState,
)

RECENT_EVENTS_LIMIT = 20
WARMUP_EVENT_TYPES = (EventType.WARMUP_PAUSED, EventType.WARMUP_RESUMED)
# Everything the representation of one number shows, fetched with it in one query.
REPRESENTATION_JOINS = ("business", "user", "ten_dlc", "billing__business", "billing__user")


def numbers_held(numbers: Iterable[str]) -> set[str]:
    """Which of these E.164 numbers the inventory holds (an unreleased row): one query,
    by the number's unique index. A held number is not for sale to us again."""
    numbers = list(numbers)
    if not numbers:
        return set()
    return set(
        PhoneNumber.objects.not_released()
        .filter(number__in=numbers)
        .values_list("number", flat=True)
    )


def phone_number_visible_to(*, user: User) -> QuerySet[PhoneNumber]:
    """Every number for staff; the unreleased numbers of the caller's businesses otherwise."""
    if user.is_staff:
        return PhoneNumber.objects.all()
    return _held_by(business_ids_of(user=user))


def _held_by(business_ids) -> QuerySet[PhoneNumber]:
    """The numbers businesses `business_ids` hold: a released number is no longer its
    business's, as the seed product shows it (its GET answers 404 after DELETE); staff
    still read it, and its history stays."""
    return PhoneNumber.objects.filter(business_id__in=business_ids).exclude(
        inventory_state=InventoryState.RELEASED
    )


def event_timeline() -> QuerySet[PhoneNumberEvent]:
    """Events newest first, ties broken by id so the order is stable."""
    return PhoneNumberEvent.objects.order_by("-created_at", "-id")


def phone_number_events_visible_to(
    *, user: User, phone_number: PhoneNumber
) -> QuerySet[PhoneNumberEvent]:
    """A number's events the caller may see: all for staff; otherwise only those written
    while one of the caller's businesses owned it (a number's earlier owners' history,
    and the pool's, are theirs)."""
    queryset = PhoneNumberEvent.objects.filter(phone_number=phone_number)
    if user.is_staff:
        return queryset
    return queryset.filter(business_id__in=business_ids_of(user=user))


def events_as_seen_by(*, user: User, events: Iterable[PhoneNumberEvent]) -> list[PhoneNumberEvent]:
    """`events` as the caller may read them: a staff member's action appears to a
    tenant as "Support", with no user id, also where the details or the changed values
    name them; a change's values hold only what the tenant may read
    (event_changes.data_for_tenant).

    The events are changed in memory only (they are append-only and never saved again).
    """
    events = list(events)
    if user.is_staff:
        return events
    # Numbers given to a business by staff before staff stopped being recorded as their
    # user (migration 0005) name that staff member in their events' `userId`.
    named = event_changes.user_ids_named(events)
    staff_ids = (
        {
            str(pk)
            for pk in User.objects.filter(pk__in=named, is_staff=True).values_list("pk", flat=True)
        }
        if named
        else set()
    )
    for event in events:
        staff_name = event.actor_name if event.actor_is_staff else None
        event.data = event_changes.data_for_tenant(
            event.data, staff_actor_name=staff_name, staff_user_ids=staff_ids
        )
        if event.actor_is_staff:
            if event.actor_name and event.details:
                event.details = event.details.replace(event.actor_name, STAFF_ACTOR)
            event.actor_id, event.actor_name = None, STAFF_ACTOR
    return events


def phone_number_page_rows(queryset: QuerySet) -> list[number_rows.Row]:
    """One page of a list of numbers as rows (phonenumbers_app.number_rows): the page's
    ids first, then their rows.

    The ids come from the numbers table alone (and whatever a filter joins), read along
    an index in the page's order and stopped after a page. Asked for in one query with
    the joined tables instead, PostgreSQL joins every candidate row before sorting
    them, which for any order but the default is all the table's rows.
    """
    ids = list(queryset.values_list("pk", flat=True))
    rows = number_rows.rows_by_id(ids, using=queryset.db)
    return [rows[pk] for pk in ids if pk in rows]


def rows_in_written_join_order(queryset: QuerySet) -> list:
    """Evaluate a representation query by primary key without letting PostgreSQL
    reorder its joins.

    Planning the seven-table join of a representation costs PostgreSQL about 3 ms,
    several times what running it costs; for rows looked up by primary key the order
    the ORM writes (the numbers first, then each LEFT JOIN by primary key) is already
    the best one. The setting is LOCAL to this transaction, so no other query is
    affected. Never for a list's filtering and ordering: there it would force a walk of
    the date index for a tenant's few rows (lists read their pages as rows instead,
    see phone_number_page_rows).
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return list(queryset)
    with transaction.atomic(using=queryset.db):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL join_collapse_limit = 1")
        return list(queryset)


def phone_number_get(*, user: User, id: uuid.UUID) -> PhoneNumber | None:
    """One number with its latest events, or None if it is missing or not the caller's."""
    queryset = phone_number_visible_to(user=user).select_related(*REPRESENTATION_JOINS)
    rows = rows_in_written_join_order(queryset.filter(pk=id)[:1])
    if not rows:
        return None
    number = rows[0]
    recent = phone_number_events_visible_to(user=user, phone_number=number).order_by(
        "-created_at", "-id"
    )[:RECENT_EVENTS_LIMIT]
    number.recent_events = events_as_seen_by(user=user, events=recent)
    return number


# What the warmup and status answers read with the number (warmup/status.py).
STATUS_JOINS = ("business", "ten_dlc", "warmup", "warmup__plan")


def phone_number_for_status(*, user: User, id: uuid.UUID) -> PhoneNumber | None:
    """A number the caller sees, with what its status answer reads, or None."""
    return phone_number_visible_to(user=user).select_related(*STATUS_JOINS).filter(pk=id).first()


def phone_number_for_status_by_number(*, user: User, number: str) -> PhoneNumber | None:
    """The number the caller sees with this E.164 `number`, or None.

    Released rows keep their number, so staff may see several: the unreleased one (there
    is at most one, phone_number_unique_unreleased), else the latest released.
    """
    released_last = Case(
        When(inventory_state=InventoryState.RELEASED, then=Value(1)), default=Value(0)
    )
    return (
        phone_number_visible_to(user=user)
        .select_related(*STATUS_JOINS)
        .filter(number=number)
        .order_by(released_last, F("provider_released_at").desc(nulls_last=True), "-created_at")
        .first()
    )


def phone_number_for_representation(*, user: User, phone_number: PhoneNumber) -> PhoneNumber:
    """`phone_number` ready to render in full, read again only if a write left gaps.

    phone_number_create leaves a new number with its business, user, 10DLC and
    billing rows and its one event in memory; other writes change rows the instance
    does not hold, so those are read back.
    """
    loaded = getattr(phone_number, "recent_events", None) is not None and all(
        phone_number._state.fields_cache.get(name, False) is not False
        for name in ("business", "user", "ten_dlc", "billing")
    )
    if loaded:
        return phone_number
    return phone_number_get(user=user, id=phone_number.pk)


def phone_number_list(*, user: User, params=None) -> QuerySet[PhoneNumber]:
    """The caller's numbers, filtered by the API's query parameters (PhoneNumberFilter)
    when `params` are given (the API's filter backend applies them itself). Read a page
    of it with phone_number_page_rows.

    Raises ValidationError for unknown parameters and bad values.
    """
    queryset = _listable_by(user=user)
    if params is None:
        return queryset
    return filter_queryset(PhoneNumberFilter, params, queryset)


def _listable_by(*, user: User) -> QuerySet[PhoneNumber]:
    """phone_number_visible_to with the caller's business ids read first (one query).

    As a subquery the planner cannot tell a business of 300 numbers from one of
    100,000 and guesses, e.g. a hash join over every number; given the ids, it reads
    the business index in the list's order (one business) or knows how many rows to
    expect.
    """
    if user.is_staff:
        return PhoneNumber.objects.all()
    return _held_by(list(business_ids_of(user=user).values_list("business_id", flat=True)))


def phone_number_event_list(
    *, user: User, phone_number: PhoneNumber, params=None
) -> QuerySet[PhoneNumberEvent]:
    """The caller's part of a number's history, filtered by the API's query parameters
    when given; render its rows through events_as_seen_by."""
    queryset = phone_number_events_visible_to(user=user, phone_number=phone_number)
    if params is None:
        return queryset
    return filter_queryset(
        PhoneNumberEventFilter, params, queryset, also_allowed=("pageSize", "continuationToken")
    )


def phone_number_warmup_events(*, user: User, phone_number: PhoneNumber) -> list[PhoneNumberEvent]:
    events = (
        phone_number_events_visible_to(user=user, phone_number=phone_number)
        .filter(type__in=WARMUP_EVENT_TYPES)
        .order_by("-created_at", "-id")[:RECENT_EVENTS_LIMIT]
    )
    return events_as_seen_by(user=user, events=events)


# --- Operator dashboard ---------------------------------------------------------

# The state charts of unreleased numbers, and the filter value of their NULL bar.
DASHBOARD_GROUPS = {
    "inventory_state": InventoryState,
    "status": PhoneNumberStatus,
    "warmup_state": WarmupHealthState,
    "health_status": WarmupHealthState,
}
NULL_FILTER_VALUES = {
    "warmup_state": WARMUP_NOT_ENROLLED,
    "health_status": HEALTH_NOT_ASSESSED,
}
NEEDS_ATTENTION = (
    Q(health_status__in=[WarmupHealthState.NEEDS_ATTENTION, WarmupHealthState.BLOCKED])
    | Q(warmup_state__in=[WarmupHealthState.PAUSED, WarmupHealthState.BLOCKED])
    | Q(status__in=[PhoneNumberStatus.FAILED_PROVISIONING, PhoneNumberStatus.SUSPENDED])
    | (Q(provider_error__isnull=False) & ~Q(provider_error=""))
    | Q(ten_dlc__campaign_status__in=[TenDlcCampaignStatus.REJECTED, TenDlcCampaignStatus.FAILED])
)
# A released number whose release the provider refused and has not confirmed since
# (providers/releases.py): the provider still holds it, and bills for it. The first
# three terms are phone_number_release_due_idx's condition, so these few rows are read
# from that small index, never by a scan of the released numbers.
RELEASE_REFUSED = (
    Q(inventory_state=InventoryState.RELEASED)
    & Q(provider_released_at__isnull=True)
    & Q(provider_phone_number_id__isnull=False)
    & Q(provider_error__gt="")  # neither NULL nor empty
)
# Every number that needs attention: the unreleased ones NEEDS_ATTENTION matches and
# the refused releases (the /ops list's `needsAttention=true`, whatever `released` says).
NEEDS_ATTENTION_ANY = (~Q(inventory_state=InventoryState.RELEASED) & NEEDS_ATTENTION) | (
    RELEASE_REFUSED
)
# The most refused releases the dashboard's list reads to find the latest changed.
REFUSED_RELEASES_READ = 10_000
# "Needs attention" is counted up to this many; beyond, the dashboard says "10,000+".
NEEDS_ATTENTION_COUNT_BOUND = 10_000


@dataclass(frozen=True)
class DashboardCounts:
    """What the dashboard counts, each chart keyed by the value its bars filter on.

    `charts["inventory_state"]` counts every number, released included; the other
    charts count the unreleased numbers only (what the /ops list shows by default),
    with a bar for "no value" (NULL_FILTER_VALUES, CAMPAIGN_NOT_REGISTERED), so each of
    them adds up to `unreleased`. `needs_attention` is exact up to
    NEEDS_ATTENTION_COUNT_BOUND and that bound plus one beyond.
    """

    charts: dict[str, dict[str, int]]
    unreleased: int
    released: int
    needs_attention: int


def dashboard_counts() -> DashboardCounts:
    """Numbers per value of each state vocabulary and per 10DLC campaign status, and
    how many need attention.

    The state charts are the marginals of one query counting every combination of the
    four states (an index-only scan of phone_number_states_idx). The campaign chart
    counts 10DLC rows by status on their own index, less the released numbers' (a join
    of the released rows only); numbers with no status, or no 10DLC row, are the rest.
    """
    charts: dict[str, dict[str, int]] = {
        field: dict.fromkeys(vocabulary.values, 0) for field, vocabulary in DASHBOARD_GROUPS.items()
    }
    for field, none_value in NULL_FILTER_VALUES.items():
        charts[field][none_value] = 0
    combinations = (
        PhoneNumber.objects.order_by().values_list(*DASHBOARD_GROUPS).annotate(n=Count("*"))
    )
    unreleased = released = 0
    for *states, n in combinations:
        values = dict(zip(DASHBOARD_GROUPS, states, strict=True))
        charts["inventory_state"][values["inventory_state"]] += n
        if values["inventory_state"] == InventoryState.RELEASED:
            released += n
            continue
        unreleased += n
        for field in ("status", "warmup_state", "health_status"):
            value = values[field] if values[field] is not None else NULL_FILTER_VALUES[field]
            charts[field][value] += n
    charts["campaign_status"] = _unreleased_by_campaign_status(unreleased)
    return DashboardCounts(
        charts=charts,
        unreleased=unreleased,
        released=released,
        needs_attention=needs_attention_count(),
    )


def _unreleased_by_campaign_status(unreleased: int) -> dict[str, int]:
    def by_status(queryset) -> dict[str | None, int]:
        return dict(queryset.order_by().values_list("campaign_status").annotate(n=Count("*")))

    every = by_status(TenDlc.objects.all())
    of_released = by_status(
        TenDlc.objects.filter(phone_number__inventory_state=InventoryState.RELEASED)
    )
    counts = dict.fromkeys(TenDlcCampaignStatus.values, 0)
    for status in sorted(every, key=str):
        if status:  # NULL and "" are "not registered", the remainder below
            counts[status] = every[status] - of_released.get(status, 0)
    counts[CAMPAIGN_NOT_REGISTERED] = unreleased - sum(counts.values())
    return counts


def needs_attention_count(*, bound: int = NEEDS_ATTENTION_COUNT_BOUND) -> int:
    """How many numbers need attention (NEEDS_ATTENTION_ANY), counted up to `bound` + 1:
    the unreleased ones and the refused releases, each counted on its own so that each
    count keeps its own plan."""
    count, more = count_up_to(PhoneNumber.objects.not_released().filter(NEEDS_ATTENTION), bound)
    if not more:
        refused, more = count_up_to(PhoneNumber.objects.filter(RELEASE_REFUSED), bound - count)
        count += refused
    return count + more


# The dashboard's charts may be this many seconds old (see recent_dashboard_counts).
DASHBOARD_COUNTS_MAX_AGE = 60
DASHBOARD_COUNTS_KEY = "ops:dashboard-counts:v2"


def recent_dashboard_counts(
    *, max_age: int = DASHBOARD_COUNTS_MAX_AGE
) -> tuple[DashboardCounts, datetime.datetime]:
    """dashboard_counts() taken at most `max_age` seconds ago, and when it was taken.

    Counting reads two whole indexes and scans for the numbers needing attention
    (hundreds of ms at a million numbers). The charts are an overview: an operator
    reading "412,031 Assigned" is not misled if it was 412,029 a minute ago, but every
    view (and every reload, by every operator) paying for the count is felt. So the
    counts are kept in the shared cache for a minute, one computation serves every web
    process, and the page says when they were taken. What an operator acts on (the
    numbers needing attention, the latest events, the numbers list and each number's
    page) stays live. If the cache fails, the counts are taken now.
    """
    try:
        cached = cache.get(DASHBOARD_COUNTS_KEY)
    except CACHE_ERRORS:
        cached = None
    if cached is not None:
        return cached["counts"], cached["as_of"]
    return refresh_dashboard_counts(max_age=max_age)


def refresh_dashboard_counts(
    *, max_age: int = DASHBOARD_COUNTS_MAX_AGE
) -> tuple[DashboardCounts, datetime.datetime]:
    """Take dashboard_counts() now and keep them for `max_age` seconds.

    Beat runs this every DASHBOARD_REFRESH_SECONDS (phonenumbers_app.tasks), so a view
    finds fresh counts instead of paying for them (0.9 s at a million numbers); a view
    counts itself only when no worker has (beat stopped, a cold cache).
    """
    counts, as_of = dashboard_counts(), timezone.now()
    with contextlib.suppress(CACHE_ERRORS):  # shown all the same; the next view counts again
        cache.set(DASHBOARD_COUNTS_KEY, {"counts": counts, "as_of": as_of}, max_age)
    return counts, as_of


def needs_attention(*, limit: int = 25) -> list[PhoneNumber]:
    """Numbers an operator should look at, newest change first, with why (see
    attention_reasons): the latest `limit` of the unreleased ones and of the refused
    releases, each read along its own index, merged."""
    newest_first = (F("modified_at").desc(nulls_last=True), "-created_at")

    def latest(queryset: QuerySet) -> list[PhoneNumber]:
        return list(queryset.select_related("business", "ten_dlc").order_by(*newest_first)[:limit])

    def newest(n: PhoneNumber) -> tuple:
        return (n.modified_at is not None, n.modified_at, n.created_at)

    numbers = latest(PhoneNumber.objects.not_released().filter(NEEDS_ATTENTION))
    # The refused releases are few: read from their partial index unordered and sorted
    # here. Ordered by modified_at in SQL, PostgreSQL walks the whole modified_at index
    # instead, filtering every number on the way (158 ms at 300,000 numbers).
    refused = sorted(
        PhoneNumber.objects.filter(RELEASE_REFUSED)
        .order_by()
        .values_list("modified_at", "created_at", "pk")[:REFUSED_RELEASES_READ],
        key=lambda row: (row[0] is not None, *row),
        reverse=True,
    )[:limit]
    if refused:
        numbers += latest(PhoneNumber.objects.filter(pk__in=[pk for *_, pk in refused]))
    numbers.sort(key=newest, reverse=True)
    return numbers[:limit]


def attention_reasons(phone_number: PhoneNumber) -> list[str]:
    """Why `phone_number` needs attention, one line per rule of NEEDS_ATTENTION, each
    saying its detail once ("Health blocked: delivery rate 71%", not "Blocked: Blocked:")."""
    reasons = []
    if phone_number.health_status in (WarmupHealthState.NEEDS_ATTENTION, WarmupHealthState.BLOCKED):
        reasons.append(_reason("Health", phone_number.health_status, phone_number.health_reason))
    if phone_number.warmup_state in (WarmupHealthState.PAUSED, WarmupHealthState.BLOCKED):
        reasons.append(
            _reason("Warmup", phone_number.warmup_state, phone_number.warmup_pause_reason)
        )
    if phone_number.status in (PhoneNumberStatus.FAILED_PROVISIONING, PhoneNumberStatus.SUSPENDED):
        reasons.append(_reason("Status", phone_number.status, None))
    if phone_number.provider_error and phone_number.inventory_state == InventoryState.RELEASED:
        if phone_number.provider_released_at is None:
            reasons.append(f"Release refused at the provider: {phone_number.provider_error}")
        return reasons  # a released number's other states are its past
    if phone_number.provider_error:
        reasons.append(f"Provider error: {phone_number.provider_error}")
    ten_dlc = getattr(phone_number, "ten_dlc", None)
    campaign = ten_dlc.campaign_status if ten_dlc else None
    if campaign in (TenDlcCampaignStatus.REJECTED, TenDlcCampaignStatus.FAILED):
        reasons.append(_reason("10DLC campaign", campaign, ten_dlc.failure_reason))
    return reasons


def _reason(what: str, state: str, detail: str | None) -> str:
    """ "What state: detail", the state in words and said once: details often begin with
    the state itself ("Blocked: carrier filtering"), which is then not repeated."""
    label = human_label(state)
    detail = (detail or "").strip()
    for prefix in {state, label}:
        if detail.lower().startswith(prefix.lower()):
            detail = detail[len(prefix) :].lstrip(" :-—").strip()
            break
    said = label[:1].lower() + label[1:]
    return f"{what} {said}: {detail}" if detail else f"{what} {said}"


def latest_events(*, limit: int = 20) -> list[PhoneNumberEvent]:
    return list(event_timeline().select_related("phone_number")[:limit])


def business_summary(*, business) -> dict:
    """A business's numbers counted (BusinessCounts), and its default and preferred numbers."""
    return {
        "counts": business_counts([business.pk])[business.pk],
        "default": PhoneNumber.objects.filter(business=business, is_default=True).first(),
        "preferred": list(
            PhoneNumber.objects.filter(business=business, is_preferred=True).order_by("number")[:50]
        ),
    }


# --- Back-office search (the /ops numbers list and the admin) -------------------------

# More businesses than this matching one search means the text is too short to help;
# the first ones by name are searched.
SEARCHED_BUSINESSES_LIMIT = 50


def business_ids_named(text: str, *, limit: int = SEARCHED_BUSINESSES_LIMIT) -> list[uuid.UUID]:
    """Ids of the businesses whose name contains `text` (any case), first by name."""
    return list(
        Business.objects.filter(name__icontains=text)
        .order_by("name")
        .values_list("id", flat=True)[:limit]
    )


def back_office_search(text: str) -> Q:
    """What the operators' search box matches: what the API's `search` matches (a whole
    number exactly; otherwise names and runs of digits, see search_condition) or the
    numbers of a business whose name contains the text.

    The businesses are looked up first, on their own small table, so the phone-number
    query ORs index lookups (business_id = ANY(...), the name and number indexes)
    instead of joining every number to its business to test the name: that join cost
    1.2-2.8 s a page at a million numbers.
    """
    text = text.strip()
    try:
        normalize_number(text)
    except InvalidNumber:
        pass
    else:
        return search_condition(text)  # a whole number: that number, nothing else
    businesses = business_ids_named(text)
    condition = search_condition(text)
    return condition | Q(business_id__in=businesses) if businesses else condition


# What the /ops numbers list shows (and may sort by), and nothing else: a 50-row page
# then reads two tables instead of the representation's seven.
OPS_LIST_FIELDS = (
    "number",
    "name",
    "business_id",
    "business__name",
    "inventory_state",
    "status",
    "warmup_state",
    "health_status",
    "warmup_health_score",
    "warmup_progress_percent",
    "created_at",
    "modified_at",
)


# The /ops list's own parameter: released numbers are hidden unless asked for.
SHOW_RELEASED = "released"
# The dashboard's "Needs attention" as a list: `needsAttention=true`, NEEDS_ATTENTION_ANY's
# numbers (the dashboard's rule, so that its total and the list agree).
NEEDS_ATTENTION_PARAM = "needsAttention"


# Parameters of the /ops list the API does not take, and the values each accepts.
OPS_ONLY_PARAMS = {
    # The dashboard's "Needs attention": the numbers NEEDS_ATTENTION matches.
    NEEDS_ATTENTION_PARAM: ("true",),
    # Released numbers are hidden unless asked for (here, or with inventoryState=Released).
    SHOW_RELEASED: ("show", "hide"),
}


def _with_ops_only_params(queryset: QuerySet, ops_only: dict, params: QueryDict) -> QuerySet:
    errors = {
        name: [f"Must be {' or '.join(OPS_ONLY_PARAMS[name])}."]
        for name, value in ops_only.items()
        if value not in OPS_ONLY_PARAMS[name]
    }
    if errors:
        raise ValidationError(errors)
    if ops_only.get(NEEDS_ATTENTION_PARAM) == "true":
        # The dashboard's rule, released numbers included as it says: the refused
        # releases, and no other released number (their states are their past).
        return queryset.filter(NEEDS_ATTENTION_ANY)
    shown = ops_only.get(SHOW_RELEASED) == "show" or InventoryState.RELEASED in params.getlist(
        "inventoryState"
    )
    return queryset if shown else queryset.exclude(inventory_state=InventoryState.RELEASED)


def ops_number_list(*, user: User, params: QueryDict) -> QuerySet[PhoneNumber]:
    """The /ops numbers list: the API's filters (phone_number_list), the back-office
    search (business names too), the operator-only parameters (OPS_ONLY_PARAMS) and only
    the columns the page shows.

    Released numbers are hidden unless `released=show` or an `inventoryState` filter
    names Released: an operator's list is of numbers that still do something, and a
    released row's old states (an "Active" status) read as if it still did.

    Raises ValidationError for unknown parameters and bad values, as the API does.
    """
    params = params.copy()
    search = params.pop("search", None)  # a QueryDict pops the list of values
    ops_only = {name: params.pop(name)[-1] for name in OPS_ONLY_PARAMS if name in params}
    queryset = (
        phone_number_list(user=user, params=params)
        .select_related("business")
        .only(*OPS_LIST_FIELDS)
    )
    queryset = _with_ops_only_params(queryset, ops_only, params)
    text = (search or [""])[-1].strip()
    return queryset.filter(back_office_search(text)) if text else queryset


def count_up_to(queryset: QuerySet, bound: int) -> tuple[int, bool]:
    """How many rows `queryset` has, counted no further than `bound`, and whether there
    are more. Counting stops at the bound, so a list of a million rows costs what one of
    `bound` rows costs: "10,000+" is as useful to an operator as the exact figure."""
    counted = queryset.order_by().values("pk")[: bound + 1].count()
    return min(counted, bound), counted > bound


# A list with at most this many matching rows is read by their ids (see counted).
SMALL_RESULT = 500
# How long counting a list's rows beyond SMALL_RESULT may take (PostgreSQL).
COUNT_BUDGET_MS = 30


def counted(queryset: QuerySet, bound: int) -> tuple[QuerySet, int, bool]:
    """`queryset` ready to page, how many rows it has (up to `bound`) and whether more.

    A filter that matches few rows of a large table is the slow case of a keyset page:
    PostgreSQL walks the ordering's index hoping to meet matches soon, and for a filter
    that matches five numbers of a million (or none) it reads the whole index (1.9 s
    for `enabled=false` at a million numbers). So the matching ids are read first, as
    far as SMALL_RESULT: when that is all of them, they are the count, and the page is
    read by those ids (a sort of at most SMALL_RESULT rows). Otherwise the count goes on
    to `bound`, and the page reads the index in order as before, where matches are
    common enough to come soon.
    """
    ids = list(queryset.order_by().values_list("pk", flat=True)[: SMALL_RESULT + 1])
    if len(ids) <= SMALL_RESULT:
        return queryset.filter(pk__in=ids), len(ids), False
    # Counting on as far as `bound` is cheap where the filter reads one index, but a
    # filter on a joined table (a 10DLC status) or an OR of several (needs attention)
    # visits a number's row for each one counted: 130 ms for 10,000. Past COUNT_BUDGET_MS
    # the page says "500+", which it already knows.
    counted = within_time(COUNT_BUDGET_MS, lambda: count_up_to(queryset, bound), using=queryset.db)
    if counted is None:
        return queryset, SMALL_RESULT, True
    return queryset, *counted


def businesses_named_like(text: str, *, limit: int = 20) -> list[Business]:
    """Businesses whose name contains `text`, those starting with it first, then by
    name: the list's business picker."""
    text = text.strip()
    if not text:
        return []
    starts = Case(When(name__istartswith=text, then=Value(0)), default=Value(1))
    return list(
        Business.objects.filter(name__icontains=text)
        .annotate(starts=starts)
        .order_by("starts", "name", "pk")
        .only("id", "name")[:limit]
    )


# What /ops/'s bulk actions read of each number: its row on the confirmation page and
# what every action's rule reads (operator_actions.WHY_NOT_FIELDS), so a selection of
# thousands is judged in one query.
BULK_SELECTION_FIELDS = (
    "number",
    "name",
    "business_id",
    "business__name",
    "inventory_state",
    "enabled",
    "warmup_enabled",
    "warmup_state",
)


def ops_bulk_selection(
    *, user: User, ids: Iterable[uuid.UUID] | None = None, params: QueryDict | None = None
) -> QuerySet[PhoneNumber]:
    """The numbers of a bulk action on /ops/: those of `ids` the user sees, or exactly the
    list's numbers for `params` (ops_number_list: what the list shows), by number.

    Raises ValidationError for bad list parameters, as the list does.
    """
    if params is not None:
        queryset = ops_number_list(user=user, params=params)
    else:
        queryset = phone_number_list(user=user).filter(pk__in=list(ids or []))
    return queryset.select_related("business").only(*BULK_SELECTION_FIELDS).order_by("number", "id")


# --- Businesses (the /ops businesses index and a business's page) ---------------------

# The inventory states a business's numbers are counted in on the businesses index;
# the others count in "held" only. Available cannot occur (a business's number is never
# in the pool: phone_number_available_is_unassigned).
BUSINESS_INDEX_STATES = (
    InventoryState.ASSIGNED,
    InventoryState.PENDING_VERIFICATION,
    InventoryState.READY_FOR_SMS,
    InventoryState.READY_FOR_VOICE,
    InventoryState.SUSPENDED,
)
BUSINESS_STATES = tuple(
    state for state in InventoryState.values if state != InventoryState.AVAILABLE
)


@dataclass(frozen=True)
class BusinessCounts:
    """A business's numbers: by inventory state (every state a business's number can be
    in, zeros included), how many it holds (all but released) and how many it released."""

    by_state: dict[str, int]

    @property
    def held(self) -> int:
        return sum(n for state, n in self.by_state.items() if state != InventoryState.RELEASED)

    @property
    def released(self) -> int:
        return self.by_state[InventoryState.RELEASED]

    @property
    def held_by_state(self) -> dict[str, int]:
        return {s: n for s, n in self.by_state.items() if s != InventoryState.RELEASED}


def business_counts(business_ids: list[uuid.UUID]) -> dict[uuid.UUID, BusinessCounts]:
    """Each business's BusinessCounts, in one grouped query whatever the number of
    businesses (along phone_number_business_idx)."""
    by_business: dict[uuid.UUID, dict[str, int]] = {
        pk: dict.fromkeys(BUSINESS_STATES, 0) for pk in business_ids
    }
    rows = (
        PhoneNumber.objects.filter(business_id__in=business_ids)
        .order_by()
        .values_list("business_id", "inventory_state")
        .annotate(n=Count("*"))
    )
    for business_id, state, n in rows:
        by_business[business_id][state] = by_business[business_id].get(state, 0) + n
    return {pk: BusinessCounts(by_state=states) for pk, states in by_business.items()}


def business_index(*, search: str = "", descending: bool = False) -> QuerySet[Business]:
    """Businesses whose name contains `search` (any case), by name (then id, so that
    pages are stable); read their counts per page with business_counts."""
    queryset = Business.objects.all()
    if search.strip():
        queryset = queryset.filter(name__icontains=search.strip())
    order = ("-name", "-id") if descending else ("name", "id")
    return queryset.order_by(*order)
