"""The one FilterSet of phone numbers: the API's list and the operator pages share it.

Parameter names are the API's (camelCase). Vocabulary filters repeat
(`?status=Active&status=Suspended`). Bad values are errors, never ignored: a
mistyped filter that silently matched everything would be worse than a 400.
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Reverse
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from core.filtering import IsoDateTimeFilter
from core.keyset import SortField
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.numbers import InvalidNumber, normalize_number
from phonenumbers_app.vocabularies import (
    EventType,
    InventoryState,
    PhoneNumberStatus,
    WarmupHealthState,
)

# Shortest run of digits worth a prefix or suffix search on the number.
MIN_SEARCH_DIGITS = 3
# Text that can only mean a phone number: digits with the punctuation people type.
PHONE_TEXT = re.compile(r"[\d\s()+.\-]+")

# Each sort reads a (column, id) index in order (models.py), so a page costs the same at
# any depth and table size. The four state vocabularies are not sortable: ordering by a
# state's alphabetical name shows nothing a filter on the state does not, and each would
# take an index of its own (two for the nullable warmup and health states, nulls last
# both ways) that every insert and import pays for; without one, a page sorts every row.
PHONE_NUMBER_SORT_FIELDS = {
    field.api: field
    for field in (
        SortField("createdAt", "created_at"),
        SortField("modifiedAt", "modified_at", nullable=True),
        SortField("name", "name"),
        SortField("number", "number"),
        SortField("warmupHealthScore", "warmup_health_score"),
        SortField("warmupProgressPercent", "warmup_progress_percent"),
    )
}
PHONE_NUMBER_DEFAULT_ORDER = "-createdAt"


class _CaseInsensitiveChoiceField(forms.TypedChoiceField):
    def to_python(self, value):
        value = value.lower() if isinstance(value, str) else value
        return {"1": "true", "0": "false"}.get(value, value)


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true/false (or 1/0, in any case); anything else is a 400, not "no filter"."""

    field_class = _CaseInsensitiveChoiceField

    def __init__(self, *args, **kwargs):
        # "" (any) first, so that a form shows no filter until one is chosen.
        kwargs.setdefault("choices", [("", "any"), ("true", "yes"), ("false", "no")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)


def _states(field: str, choices, label: str) -> django_filters.MultipleChoiceFilter:
    # distinct=False: these filter columns of the row itself, so no duplicates can
    # arise, and DISTINCT would make PostgreSQL sort every matching row in full.
    return django_filters.MultipleChoiceFilter(
        field_name=field, choices=choices, distinct=False, label=label
    )


# Values the state filters take for "no value at all" (NULL), which the vocabularies do
# not name: a number never enrolled in warmup, never assessed for health, without a 10DLC
# campaign status. The dashboard's bars for those numbers link to them.
WARMUP_NOT_ENROLLED = "NotEnrolled"
HEALTH_NOT_ASSESSED = "NotAssessed"
CAMPAIGN_NOT_REGISTERED = "NotRegistered"


class _StatesOrNone(django_filters.MultipleChoiceFilter):
    """A state filter that also takes `none_value`, matching numbers whose state is NULL."""

    def __init__(self, *, none_value: str, none_label: str, **kwargs):
        self.none_value = none_value
        kwargs["choices"] = [*kwargs["choices"], (none_value, none_label)]
        super().__init__(**kwargs)

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not value:
            return qs
        values = [v for v in value if v != self.none_value]
        condition = Q(**{f"{self.field_name}__in": values}) if values else Q()
        if self.none_value in value:
            null = Q(**{f"{self.field_name}__isnull": True})
            condition = condition | null if values else null
        return qs.filter(condition)


def _states_or_none(field: str, choices, label: str, none_value: str, none_label: str):
    return _StatesOrNone(
        field_name=field,
        choices=choices,
        distinct=False,
        label=label,
        none_value=none_value,
        none_label=none_label,
    )


def campaign_not_registered() -> Q:
    """Numbers without a 10DLC campaign status: none reported (NULL or empty), or no
    10DLC row at all (a LEFT JOIN's NULL)."""
    return Q(ten_dlc__campaign_status__isnull=True) | Q(ten_dlc__campaign_status="")


def _since(field: str, label: str) -> IsoDateTimeFilter:
    return IsoDateTimeFilter(field_name=field, lookup_expr="gte", label=label)


def _until(field: str, label: str) -> IsoDateTimeFilter:
    return IsoDateTimeFilter(field_name=field, lookup_expr="lte", label=label)


class PhoneNumberFilter(django_filters.FilterSet):
    inventoryState = _states("inventory_state", InventoryState.choices, "Inventory state")
    status = _states("status", PhoneNumberStatus.choices, "Status")
    warmupState = _states_or_none(
        "warmup_state",
        WarmupHealthState.choices,
        "Warmup state",
        WARMUP_NOT_ENROLLED,
        "Not enrolled",
    )
    healthStatus = _states_or_none(
        "health_status",
        WarmupHealthState.choices,
        "Health status",
        HEALTH_NOT_ASSESSED,
        "Not assessed",
    )
    businessId = django_filters.UUIDFilter(field_name="business_id", label="Business id")
    enabled = StrictBooleanFilter(label="Enabled")
    provider = django_filters.CharFilter(label="Provider")
    tenDlcCampaignStatus = django_filters.CharFilter(
        field_name="ten_dlc__campaign_status",
        method="filter_campaign_status",
        label=f"10DLC campaign status ({CAMPAIGN_NOT_REGISTERED}: none)",
    )
    isInternalPool = StrictBooleanFilter(field_name="is_internal_pool", label="Internal pool")
    isDefault = StrictBooleanFilter(field_name="is_default", label="Default number")
    createdAtFrom = _since("created_at", "Created from (ISO 8601)")
    createdAtTo = _until("created_at", "Created to (ISO 8601)")
    modifiedAtFrom = _since("modified_at", "Modified from (ISO 8601)")
    modifiedAtTo = _until("modified_at", "Modified to (ISO 8601)")
    search = django_filters.CharFilter(method="filter_search", label="Search")

    class Meta:
        model = PhoneNumber
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(search_condition(value))

    def filter_campaign_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == CAMPAIGN_NOT_REGISTERED:
            return queryset.filter(campaign_not_registered())
        return queryset.filter(ten_dlc__campaign_status=value)


def search_condition(text: str) -> Q:
    """What `search` matches, by what the text looks like.

    - a complete number in any format ("(415) 555-2671"): that number, exactly (an
      ordinary index answers it; names are not searched for a whole phone number);
    - otherwise: names containing the text, case-insensitively, and, when the text
      is digits and phone punctuation with at least three digits, numbers that start
      with them (an area code: "415", "(415) 555", "+44 20") or end with them (the
      last digits: "2671"). Each is a range on a b-tree (models.py); digits in the
      middle of a number are not searched, which would take a trigram index.
    """
    text = text.strip()
    condition = Q(name__icontains=text)
    if PHONE_TEXT.fullmatch(text):
        try:
            return Q(number=normalize_number(text))
        except InvalidNumber:
            digits = re.sub(r"\D", "", text)
            if len(digits) >= MIN_SEARCH_DIGITS:
                condition |= number_prefix_or_suffix(digits, international=text.startswith("+"))
    return condition


def number_prefix_or_suffix(digits: str, *, international: bool) -> Q:
    """Numbers starting with `digits` after the "+" (or after "+1", a North American
    area code, unless the text began with "+"), or ending with them.

    Written as ranges (`"+1415" <= number < "+1416"`), not LIKE: a plain b-tree answers
    both, and PostgreSQL estimates a range from its histogram, where it guesses 1% of
    the table for a LIKE under a non-C collation and then walks the whole date index
    looking for matches that are not there (0.4-1 s a page at a million numbers).
    """
    prefixes = {f"+{digits}"} if international else {f"+{digits}", f"+1{digits}"}
    condition = _starting_with(Reverse("number"), digits[::-1])
    for prefix in sorted(prefixes):
        condition |= _starting_with(F("number"), prefix)
    return condition


def _starting_with(expression, prefix: str) -> Q:
    """`expression` starts with `prefix`, a string of digits after an optional "+"."""
    after = _next_prefix(prefix)
    condition = Q(GreaterThanOrEqual(expression, prefix))
    return condition & Q(LessThan(expression, after)) if after else condition


def _next_prefix(prefix: str) -> str | None:
    """The least string greater than every string starting with `prefix` ("+1415" →
    "+1416", "+1499" → "+15"), or None when none is ("999"): digits only, no byte
    arithmetic, so it holds under any collation that orders digits."""
    head = prefix.rstrip("9")
    if not head or not head[-1].isdigit():
        return None
    return head[:-1] + str(int(head[-1]) + 1)


class PhoneNumberEventFilter(django_filters.FilterSet):
    type = _states("type", EventType.choices, "Event type")
    createdAtFrom = _since("created_at", "Created from (ISO 8601)")
    createdAtTo = _until("created_at", "Created to (ISO 8601)")

    class Meta:
        model = PhoneNumberEvent
        fields: list[str] = []
