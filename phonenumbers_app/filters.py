"""The one FilterSet of phone numbers: the API's list and the operator pages share it.

Parameter names are the API's (camelCase). Vocabulary filters repeat
(`?status=Active&status=Suspended`). Bad values are errors, never ignored: a
mistyped filter that silently matched everything would be worse than a 400.
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from core.keyset import SortField
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.numbers import InvalidNumber, normalize_number
from phonenumbers_app.vocabularies import (
    EventType,
    InventoryState,
    PhoneNumberStatus,
    WarmupHealthState,
)

# Shortest run of digits worth a substring search on the number (an index needs 3).
MIN_SEARCH_DIGITS = 3
# Text that can only mean a phone number: digits with the punctuation people type.
PHONE_TEXT = re.compile(r"[\d\s()+.\-]+")

PHONE_NUMBER_SORT_FIELDS = {
    field.api: field
    for field in (
        SortField("createdAt", "created_at"),
        SortField("modifiedAt", "modified_at", nullable=True),
        SortField("name", "name"),
        SortField("number", "number"),
        SortField("inventoryState", "inventory_state"),
        SortField("status", "status"),
        SortField("warmupState", "warmup_state", nullable=True),
        SortField("healthStatus", "health_status", nullable=True),
        SortField("warmupHealthScore", "warmup_health_score"),
        SortField("warmupProgressPercent", "warmup_progress_percent"),
    )
}
PHONE_NUMBER_DEFAULT_ORDER = "-createdAt"


class _CaseInsensitiveChoiceField(forms.TypedChoiceField):
    def to_python(self, value):
        return super().to_python(value.lower() if isinstance(value, str) else value)


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true/false (or 1/0, in any case); anything else is a 400, not "no filter"."""

    field_class = _CaseInsensitiveChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")])
        kwargs.setdefault("coerce", lambda value: value in ("true", "1"))
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)


class PhoneNumberFilter(django_filters.FilterSet):
    # distinct=False: these filter columns of the row itself, so no duplicates can
    # arise, and DISTINCT would make PostgreSQL sort every matching row in full.
    inventoryState = django_filters.MultipleChoiceFilter(
        field_name="inventory_state", choices=InventoryState.choices, distinct=False
    )
    status = django_filters.MultipleChoiceFilter(choices=PhoneNumberStatus.choices, distinct=False)
    warmupState = django_filters.MultipleChoiceFilter(
        field_name="warmup_state", choices=WarmupHealthState.choices, distinct=False
    )
    healthStatus = django_filters.MultipleChoiceFilter(
        field_name="health_status", choices=WarmupHealthState.choices, distinct=False
    )
    businessId = django_filters.UUIDFilter(field_name="business_id")
    enabled = StrictBooleanFilter()
    provider = django_filters.CharFilter()
    tenDlcCampaignStatus = django_filters.CharFilter(field_name="ten_dlc__campaign_status")
    isInternalPool = StrictBooleanFilter(field_name="is_internal_pool")
    isDefault = StrictBooleanFilter(field_name="is_default")
    createdAtFrom = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdAtTo = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    modifiedAtFrom = django_filters.IsoDateTimeFilter(field_name="modified_at", lookup_expr="gte")
    modifiedAtTo = django_filters.IsoDateTimeFilter(field_name="modified_at", lookup_expr="lte")
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = PhoneNumber
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(search_condition(value))


def search_condition(text: str) -> Q:
    """What `search` matches, by what the text looks like.

    - a complete number in any format ("(415) 555-2671"): that number, exactly (an
      ordinary index answers it; names are not searched for a whole phone number);
    - otherwise: names containing the text, case-insensitively, and, when the text
      is digits and phone punctuation with at least three digits ("415555",
      "(415) 555"), numbers containing those digits (trigram indexes on PostgreSQL).
    """
    text = text.strip()
    condition = Q(name__icontains=text)
    if PHONE_TEXT.fullmatch(text):
        try:
            return Q(number=normalize_number(text))
        except InvalidNumber:
            digits = re.sub(r"\D", "", text)
            if len(digits) >= MIN_SEARCH_DIGITS:
                condition |= Q(number__contains=digits)
    return condition


class PhoneNumberEventFilter(django_filters.FilterSet):
    type = django_filters.MultipleChoiceFilter(choices=EventType.choices, distinct=False)
    createdAtFrom = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdAtTo = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = PhoneNumberEvent
        fields: list[str] = []
