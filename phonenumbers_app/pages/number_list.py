"""The /ops numbers list: the API's filters and keyset paging, as an operator's page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse

from core.keyset import KeysetPage, KeysetParams, parse_ordering
from phonenumbers_app import selectors
from phonenumbers_app.filters import PHONE_NUMBER_DEFAULT_ORDER, PHONE_NUMBER_SORT_FIELDS
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.operator_actions import OPERATOR_ACTIONS
from phonenumbers_app.pages import list_filters
from phonenumbers_app.pages.query import filled, with_changes
from phonenumbers_app.vocabularies import InventoryState
from warmup.clock import EASTERN

# (orderBy field or None, header). A column sorts only where a (column, id) index lets
# PostgreSQL read a page without sorting every row first; the states (and the
# business, whose name is in another table) took about 3 s a page at a million numbers
# and are narrowed with the filters instead.
LIST_COLUMNS = [
    ("number", "Number"),
    ("name", "Name"),
    (None, "Business"),
    (None, "Inventory"),
    (None, "Status"),
    (None, "Warmup"),
    (None, "Health"),
    ("warmupHealthScore", "Score"),
    ("createdAt", "Created"),
]
LIST_SORT_FIELDS = {
    field: PHONE_NUMBER_SORT_FIELDS[field] for field, _ in LIST_COLUMNS if field is not None
}


# The count above the list is exact up to this many rows, then "10,000+".
COUNT_BOUND = 10_000


@staff_member_required
def number_list(request: HttpRequest) -> HttpResponse:
    query = filled(request.GET)
    asked = list_filters.read(query)
    errors = dict(asked.errors)
    page, count = None, None
    try:
        ordering = parse_ordering(
            query.get("orderBy"), allowed=LIST_SORT_FIELDS, default=PHONE_NUMBER_DEFAULT_ORDER
        )
        paging = KeysetParams(query)
        queryset = selectors.ops_number_list(user=request.user, params=asked.params)
        if not errors:
            queryset, total, more = selectors.counted(queryset, COUNT_BOUND)
            count = (total, more)
            page = KeysetPage(queryset, ordering=ordering, size=paging.size, token=paging.token)
    except ValidationError as error:
        errors.update(error.message_dict)
    return render(
        request,
        "phonenumbers_app/number_list.html",
        {
            "asked": asked,
            "errors": {list_filters.LABELS.get(k, k): v for k, v in errors.items()},
            "page": page,
            "count": count,
            "rows": _list_rows(page.items) if page else [],
            "columns": _sortable_columns(query),
            "page_sizes": _page_sizes(page.size if page else KeysetParams.DEFAULT_SIZE),
            "page_size": str(page.size if page else KeysetParams.DEFAULT_SIZE),
            "next_url": _page_url(query, page.next_token) if page and page.next_token else None,
            "previous_url": _page_url(query, page.previous_token)
            if page and page.previous_token
            else None,
            "first_url": _page_url(query, None) if query.get("continuationToken") else None,
            "query_string": _without_paging(query),
            "actions": [a for a in OPERATOR_ACTIONS if a.allowed(request.user)],
        },
    )


def _page_sizes(current: int) -> list[int]:
    """The sizes offered, with the one a link asked for among them."""
    return sorted({*list_filters.PAGE_SIZES, current})


def _page_url(query: QueryDict, token: str | None) -> str:
    return with_changes(query, continuationToken=token)


def _without_paging(query: QueryDict) -> str:
    """The filters of the page, for a bulk action on every matching number."""
    rest = query.copy()
    for key in ("continuationToken", "pageSize", "orderBy"):
        rest.pop(key, None)
    return rest.urlencode()


@dataclass(frozen=True)
class ListRow:
    """A row of the numbers list with its links and dates written out.

    In the template, `{% url %}` and `|date` on every row took about a third of a
    50-row page's time; written here, the page renders in ~12 ms less.
    """

    number: PhoneNumber
    url: str
    business_url: str | None
    created_iso: str
    created_day: str
    created_at: str  # the minute, for the cell's tooltip
    released: bool  # shown greyed, its old states without their colours


_ANY_ID = uuid.UUID(int=0)


def _list_rows(numbers: list[PhoneNumber]) -> list[ListRow]:
    # Reversed once, then the id swapped in: the same URLs, without a reverse per row.
    number_url = reverse("ops:number", args=[_ANY_ID])
    business_url = reverse("ops:business", args=[_ANY_ID])
    rows = []
    for number in numbers:
        created = number.created_at.astimezone(EASTERN)
        rows.append(
            ListRow(
                number=number,
                url=number_url.replace(str(_ANY_ID), str(number.pk)),
                business_url=(
                    business_url.replace(str(_ANY_ID), str(number.business_id))
                    if number.business_id
                    else None
                ),
                created_iso=created.isoformat(),
                created_day=created.strftime("%Y-%m-%d"),
                created_at=created.strftime("%Y-%m-%d %H:%M %Z"),
                released=number.inventory_state == InventoryState.RELEASED,
            )
        )
    return rows


def _sortable_columns(params) -> list[dict]:
    current = params.get("orderBy") or PHONE_NUMBER_DEFAULT_ORDER
    columns = []
    for field, label in LIST_COLUMNS:
        column = {"label": label, "url": None, "sorted": None}
        if field:
            descending = current == f"-{field}"
            column["sorted"] = (
                "descending" if descending else ("ascending" if current == field else None)
            )
            order = field if descending else f"-{field}"
            column["url"] = with_changes(params, orderBy=order, continuationToken=None)
        columns.append(column)
    return columns
