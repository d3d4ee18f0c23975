"""The /ops numbers list's filters: what the form shows, the chips above the table, and the
query the selectors read.

The page's query string uses the API's parameter names (`status=Active`,
`businessId=…`), so the dashboard's and business pages' links, the API's docs and the
page agree. Three things are the page's own and are turned into API parameters here:
a business typed by name (`business`), days picked with a date picker for the date
filters, and `released=show` (released numbers are hidden by default,
selectors.ops_number_list).
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass, field

from django.http import QueryDict

from businesses.models import Business
from phonenumbers_app import selectors
from phonenumbers_app.filters import CAMPAIGN_NOT_REGISTERED, PhoneNumberFilter
from phonenumbers_app.labels import human_label
from phonenumbers_app.pages.query import with_changes
from phonenumbers_app.vocabularies import PROVIDERS, InventoryState, TenDlcCampaignStatus
from warmup.clock import EASTERN

# Parameters that page or order the list rather than filter it: no chip, kept on links.
PAGING = ("pageSize", "orderBy", "continuationToken")
PAGE_SIZES = (25, 50, 100, 200, 500)
BUSINESS_TEXT = "business"
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
YES_NO = (("true", "Yes"), ("false", "No"))


@dataclass(frozen=True)
class Choices:
    """A filter with a fixed vocabulary. `multiple`: checkboxes, any of which match."""

    name: str
    label: str
    options: tuple[tuple[str, str], ...]
    multiple: bool = False


@dataclass(frozen=True)
class Day:
    name: str
    label: str
    end_of_day: bool  # "to" filters include the whole day picked


def _vocabulary(name: str) -> tuple[tuple[str, str], ...]:
    """A state filter's values (with the value for "none", where it has one) as the
    pages say them."""
    choices = PhoneNumberFilter.base_filters[name].extra["choices"]
    return tuple((value, human_label(label)) for value, label in choices)


CHOICES = (
    Choices("inventoryState", "Inventory state", _vocabulary("inventoryState"), multiple=True),
    Choices("status", "Status", _vocabulary("status"), multiple=True),
    Choices("warmupState", "Warmup", _vocabulary("warmupState"), multiple=True),
    Choices("healthStatus", "Health", _vocabulary("healthStatus"), multiple=True),
    Choices("provider", "Provider", tuple((p, p.capitalize()) for p in PROVIDERS)),
    Choices(
        "tenDlcCampaignStatus",
        "10DLC campaign",
        (
            *((value, human_label(value)) for value in TenDlcCampaignStatus.values),
            (CAMPAIGN_NOT_REGISTERED, "Not registered"),
        ),
    ),
    Choices("enabled", "Enabled", YES_NO),
    Choices("isDefault", "Default number", YES_NO),
    Choices("isInternalPool", "Internal pool", YES_NO),
)
DAYS = (
    Day("createdAtFrom", "Created from", end_of_day=False),
    Day("createdAtTo", "Created to", end_of_day=True),
    Day("modifiedAtFrom", "Changed from", end_of_day=False),
    Day("modifiedAtTo", "Changed to", end_of_day=True),
)
LABELS = {
    "search": "Search",
    "businessId": "Business",
    BUSINESS_TEXT: "Business",
    selectors.SHOW_RELEASED: "Released",
    selectors.NEEDS_ATTENTION_PARAM: "Needs attention",
    **{c.name: c.label for c in CHOICES},
    **{d.name: d.label for d in DAYS},
}


@dataclass
class Option:
    value: str
    label: str
    checked: bool


@dataclass
class ChoiceFilter:
    name: str
    label: str
    multiple: bool
    options: list[Option]

    @property
    def summary(self) -> str:
        """What is picked, for the closed drop-down: "Active, Suspended" or "Any"."""
        picked = [option.label for option in self.options if option.checked]
        return ", ".join(picked) if picked else "Any"


@dataclass(frozen=True)
class DayField:
    """A date filter in the form: a day in its date picker, or, for an instant a link
    gave (an API-style ISO 8601 time), that value kept as it is in a hidden field."""

    name: str
    label: str
    day: str
    instant: str


def _day_field(day: Day, value: str) -> DayField:
    if DAY.fullmatch(value):
        return DayField(day.name, day.label, value, "")
    return DayField(day.name, day.label, "", value)


@dataclass(frozen=True)
class Chip:
    label: str
    value: str
    remove_url: str


@dataclass
class ListQuery:
    """What the page was asked for, read once: the API query for the selectors, the
    form's state, the chips, and what went wrong."""

    params: QueryDict  # the API's parameters (plus `released`, `search`), without paging
    choices: list[ChoiceFilter]
    days: list[DayField]
    business: Business | None
    business_text: str
    business_candidates: list[Business]  # a typed name that matched several
    chips: list[Chip]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def show_released(self) -> bool:
        return self.params.get(selectors.SHOW_RELEASED) == "show"

    @property
    def hides_released(self) -> bool:
        """Whether released numbers are left out (selectors.ops_number_list's rule)."""
        asked_for = InventoryState.RELEASED in self.params.getlist("inventoryState")
        # "Needs attention" has its own rule: the refused releases only.
        attention = self.params.get(selectors.NEEDS_ATTENTION_PARAM) == "true"
        return not self.show_released and not asked_for and not attention


def read(query: QueryDict) -> ListQuery:
    """The page's query string (empty fields already dropped) as a ListQuery."""
    params = QueryDict(mutable=True)
    errors: dict[str, list[str]] = {}
    for key, values in query.lists():
        if key not in PAGING and key != BUSINESS_TEXT:
            params.setlist(key, values)
    for day in DAYS:
        value = params.get(day.name)
        if value and DAY.fullmatch(value):
            try:
                params[day.name] = _day_bound(value, end_of_day=day.end_of_day)
            except ValueError:
                errors[day.name] = ["Not a date: use YYYY-MM-DD."]
                params.pop(day.name)
    business, candidates = _business(query, params, errors)
    return ListQuery(
        params=params,
        choices=_choice_filters(query),
        days=[_day_field(day, query.get(day.name, "")) for day in DAYS],
        business=business,
        business_text=business.name if business else query.get(BUSINESS_TEXT, ""),
        business_candidates=candidates,
        chips=_chips(query, business),
        errors=errors,
    )


def _day_bound(value: str, *, end_of_day: bool) -> str:
    """A day picked in the form as the instant it starts (or its last instant) on US
    Eastern time, the clock every date on these pages is shown in."""
    day = datetime.date.fromisoformat(value)
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=EASTERN)
    if end_of_day:
        start = datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time.min, tzinfo=EASTERN
        ) - datetime.timedelta(microseconds=1)
    return start.isoformat()


def _business(
    query: QueryDict, params: QueryDict, errors: dict[str, list[str]]
) -> tuple[Business | None, list[Business]]:
    """The business to filter by: the id a link or the picker gave, or the one business
    a typed name names. A name that matches several leaves the choice to the operator."""
    text = query.get(BUSINESS_TEXT, "").strip()
    business = _business_by_id(params.get("businessId"))
    if business and (not text or text.casefold() == business.name.casefold()):
        return business, []
    if not text:
        return None, []
    params.pop("businessId", None)
    named_like = selectors.businesses_named_like(text)
    exact = [b for b in named_like if b.name.casefold() == text.casefold()]
    matches = exact or named_like
    if len(matches) == 1:
        params["businessId"] = str(matches[0].pk)
        return matches[0], []
    if not matches:
        errors[BUSINESS_TEXT] = [f"No business is named like “{text}”."]
    else:
        errors[BUSINESS_TEXT] = [f"Several businesses are named like “{text}”: choose one."]
    # No business filter is applied: the list shows nothing rather than everything.
    params["businessId"] = str(uuid.UUID(int=0))
    return None, matches


def _business_by_id(value: str | None) -> Business | None:
    if not value:
        return None
    try:
        return Business.objects.only("id", "name").filter(pk=uuid.UUID(value)).first()
    except ValueError:
        return None  # the API filter reports the bad id


def _choice_filters(query: QueryDict) -> list[ChoiceFilter]:
    filters = []
    for choices in CHOICES:
        picked = set(query.getlist(choices.name))
        filters.append(
            ChoiceFilter(
                name=choices.name,
                label=choices.label,
                multiple=choices.multiple,
                options=[Option(v, label, v in picked) for v, label in choices.options],
            )
        )
    return filters


def _chips(query: QueryDict, business: Business | None) -> list[Chip]:
    """One removable chip a filter value; removing one keeps the rest and starts from
    the first page."""
    labels = {c.name: dict(c.options) for c in CHOICES}
    chips = []
    for key, values in query.lists():
        if key in PAGING or key == BUSINESS_TEXT:
            continue
        for value in values:
            rest = query.copy()
            rest.setlist(key, [v for v in values if v != value])
            if key == "businessId":
                rest.pop(BUSINESS_TEXT, None)
                shown = business.name if business else value
            elif key == selectors.SHOW_RELEASED:
                shown = "shown" if value == "show" else "hidden"
            else:
                shown = labels.get(key, {}).get(value, value)
            chips.append(
                Chip(LABELS.get(key, key), shown, with_changes(rest, continuationToken=None))
            )
    if query.get(BUSINESS_TEXT) and "businessId" not in query:
        # A typed name: its chip shows the business it found (or the text, if none).
        rest = query.copy()
        rest.pop(BUSINESS_TEXT)
        shown = business.name if business else query[BUSINESS_TEXT]
        chips.append(Chip("Business", shown, with_changes(rest, continuationToken=None)))
    return chips
