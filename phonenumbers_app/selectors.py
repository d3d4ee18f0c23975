"""Reads of phone numbers that matter: always scoped to what the caller may see."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from businesses.selectors import business_ids_of
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent

RECENT_EVENTS_LIMIT = 20


def phone_number_visible_to(*, user: User) -> QuerySet[PhoneNumber]:
    """Every number for staff; numbers of the caller's businesses otherwise."""
    queryset = PhoneNumber.objects.all()
    if user.is_staff:
        return queryset
    return queryset.filter(business_id__in=business_ids_of(user=user))


def event_timeline() -> QuerySet[PhoneNumberEvent]:
    """Events newest first, ties broken by id so the order is stable."""
    return PhoneNumberEvent.objects.order_by("-created_at", "-id")


def phone_number_detail_queryset(*, user: User) -> QuerySet[PhoneNumber]:
    """Numbers with everything their full representation shows, in two queries.

    The latest RECENT_EVENTS_LIMIT events are prefetched per number (a window
    function, not one query per number) into `recent_events`.
    """
    return (
        phone_number_visible_to(user=user)
        .select_related("business", "user", "ten_dlc", "billing__business", "billing__user")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=event_timeline()[:RECENT_EVENTS_LIMIT],
                to_attr="recent_events",
            )
        )
    )


def phone_number_get(*, user: User, id: uuid.UUID) -> PhoneNumber | None:
    return phone_number_detail_queryset(user=user).filter(pk=id).first()
