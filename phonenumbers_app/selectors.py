"""Reads of phone numbers that matter: always scoped to what the caller may see."""

from __future__ import annotations

import uuid

from django.db import connections, transaction
from django.db.models import QuerySet

from accounts.models import User
from businesses.selectors import business_ids_of
from core.filtering import filter_queryset
from phonenumbers_app.filters import PhoneNumberEventFilter, PhoneNumberFilter
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.vocabularies import EventType

RECENT_EVENTS_LIMIT = 20
WARMUP_EVENT_TYPES = (EventType.WARMUP_PAUSED, EventType.WARMUP_RESUMED)
# Everything the representation of a number shows, fetched with it in one query.
REPRESENTATION_JOINS = ("business", "user", "ten_dlc", "billing__business", "billing__user")
# Columns of the joined users and businesses the representation never shows (it shows
# their id and name): not reading them saves a millisecond on a 50-row page.
_UNSHOWN_USER = ("password", "last_login", "is_superuser", "email", "is_staff", "is_active")
REPRESENTATION_DEFERRED = (
    *(f"{user}__{column}" for user in ("user", "billing__user") for column in _UNSHOWN_USER),
    *(f"{user}__date_joined" for user in ("user", "billing__user")),
    *(
        f"{business}__{column}"
        for business in ("business", "billing__business")
        for column in ("created_at", "modified_at")
    ),
)


def phone_number_visible_to(*, user: User) -> QuerySet[PhoneNumber]:
    """Every number for staff; numbers of the caller's businesses otherwise."""
    queryset = PhoneNumber.objects.all()
    if user.is_staff:
        return queryset
    return queryset.filter(business_id__in=business_ids_of(user=user))


def event_timeline() -> QuerySet[PhoneNumberEvent]:
    """Events newest first, ties broken by id so the order is stable."""
    return PhoneNumberEvent.objects.order_by("-created_at", "-id")


def fetch_in_written_join_order(queryset: QuerySet) -> list:
    """Evaluate a representation query without letting PostgreSQL reorder its joins.

    Planning the seven-table join of a representation costs PostgreSQL about 3 ms,
    several times what running it costs; the order the ORM writes (the numbers
    first, then each LEFT JOIN by primary key) is already the best one. The setting
    is LOCAL to this transaction, so no other query is affected.
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
    queryset = (
        phone_number_visible_to(user=user)
        .select_related(*REPRESENTATION_JOINS)
        .defer(*REPRESENTATION_DEFERRED)
    )
    rows = fetch_in_written_join_order(queryset.filter(pk=id)[:1])
    if not rows:
        return None
    number = rows[0]
    number.recent_events = list(event_timeline().filter(phone_number=number)[:RECENT_EVENTS_LIMIT])
    return number


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


def phone_number_list(*, user: User, params) -> QuerySet[PhoneNumber]:
    """The caller's numbers filtered by the API's query parameters (PhoneNumberFilter).

    Raises ValidationError for unknown parameters and bad values.
    """
    queryset = (
        phone_number_visible_to(user=user)
        .select_related(*REPRESENTATION_JOINS)
        .defer(*REPRESENTATION_DEFERRED)
    )
    return filter_queryset(PhoneNumberFilter, params, queryset)


def phone_number_event_list(*, phone_number: PhoneNumber, params) -> QuerySet[PhoneNumberEvent]:
    queryset = PhoneNumberEvent.objects.filter(phone_number=phone_number)
    return filter_queryset(
        PhoneNumberEventFilter, params, queryset, also_allowed=("pageSize", "continuationToken")
    )


def phone_number_warmup_events(*, phone_number: PhoneNumber) -> list[PhoneNumberEvent]:
    return list(
        event_timeline().filter(phone_number=phone_number, type__in=WARMUP_EVENT_TYPES)[
            :RECENT_EVENTS_LIMIT
        ]
    )
