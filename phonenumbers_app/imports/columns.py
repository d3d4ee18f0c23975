"""The one column specification of `import_phone_numbers` and `export_phone_numbers`.

A column is named as the API names the field, in camelCase (`inventoryState`); imports
also accept the snake_case spelling (`inventory_state`). Each column says which model
and field it belongs to, how to read a cell (`Column.parse`) and how to write one
(`export_value`), so that an export imports back unchanged.

Cells:
- CSV cells are strings; JSON Lines values may be strings, booleans, integers or null.
- An empty cell (or null) in a nullable column means null; in a column that cannot be
  null (booleans, states, percents, name) it means "not given": a new number gets the
  default, an updated number keeps its value.
- Booleans: true/false, 1/0, yes/no (any case). Exported as "true"/"false".
- Percents: integers from 0 to 100, exported as integers (CSV: digits).
- Money: a non-negative amount with at most 2 decimal places, exported as a string.

Export usage:
    rows = PhoneNumber.objects.values(*EXPORT_LOOKUPS)   # or instances with
    for row in rows:                                     # select_related
        record = {c.name: export_value(c, row) for c in COLUMNS.values()}
`export_value` returns JSON-ready values (str, bool, int or None); `csv_cell` turns one
into a CSV cell's text (which a CSV writer then passes through
core.csv_cells.neutralize_csv_cell; the reader undoes that before `Column.parse`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from phonenumbers_app.numbers import InvalidNumber, normalize_number
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus, WarmupHealthState

PHONE_NUMBER, TEN_DLC, BILLING, BUSINESS = "PhoneNumber", "TenDlc", "Billing", "Business"

MUST_BE_BOOLEAN = "Must be true or false (also accepted: 1/0, yes/no)."
MUST_BE_PERCENT = "Must be an integer from 0 to 100."
MUST_BE_TEXT = "Must be text of at most {max_length} characters."
MUST_BE_CHOICE = "Must be one of: {choices}."
MUST_BE_AMOUNT = "Must be a non-negative amount with at most 2 decimal places."
NAME_INVALID = "Must be 1 to 255 characters."
NUMBER_REQUIRED = "Required: the phone number, in E.164 (e.g. +14155552671)."
MUST_BE_UUID = "Must be a business id (a UUID)."
RELEASED_NOT_IMPORTED = "Released numbers are not imported; use another inventory state."

_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason shown in the error report."""


class _NotGiven:
    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        # Pickled by name, so worker processes' results still compare `is NOT_GIVEN`.
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()


class QuotedCell(str):
    """A CSV cell whose formula quote the reader took off (core.csv_cells).

    Its leading characters are kept as written (`_text` strips only the end), so that a
    name starting with a tab, quoted by the export, imports back with its tab.
    """

    __slots__ = ()


def _text(value: Any) -> str | None:
    """A cell as stripped text, or None when empty/null."""
    if value is None:
        return None
    if isinstance(value, QuotedCell):
        return str(value).rstrip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if not isinstance(value, str):
        raise CellError("Must be a single value, not a list or object.")
    value = value.strip()
    return value or None


def parse_number(value: Any) -> Any:
    text = _text(value)
    if text is None:
        raise CellError(NUMBER_REQUIRED)
    try:
        return normalize_number(text)
    except InvalidNumber as exc:
        raise CellError(str(exc)) from None


def parse_name(value: Any) -> Any:
    text = _text(value)
    if text is None:
        return NOT_GIVEN
    if len(text) > 255:
        raise CellError(NAME_INVALID)
    return text


def parse_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    text = _text(value)
    if text is None:
        return NOT_GIVEN
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError(MUST_BE_BOOLEAN)


def parse_percent(value: Any) -> Any:
    if isinstance(value, bool):
        raise CellError(MUST_BE_PERCENT)
    if isinstance(value, int):
        number = value
    else:
        text = _text(value)
        if text is None:
            return NOT_GIVEN
        # ASCII digits: re's \d and int() would also read other scripts' digits.
        if not re.fullmatch(r"[+-]?[0-9]{1,4}", text):
            raise CellError(MUST_BE_PERCENT)
        number = int(text)
    if not 0 <= number <= 100:
        raise CellError(MUST_BE_PERCENT)
    return number


def parse_amount(value: Any) -> Any:
    if isinstance(value, bool):
        raise CellError(MUST_BE_AMOUNT)
    text = _text(value)
    if text is None:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(MUST_BE_AMOUNT) from None
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:
        raise CellError(MUST_BE_AMOUNT)
    if amount >= Decimal("100000000"):  # max_digits=10, decimal_places=2
        raise CellError(MUST_BE_AMOUNT)
    return amount.quantize(Decimal("0.01"))


def parse_business_id(value: Any) -> Any:
    text = _text(value)
    if text is None:
        return None
    if not _UUID.match(text):
        raise CellError(MUST_BE_UUID)
    return text.lower()


def text_parser(max_length: int | None) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        text = _text(value)
        if text is not None and max_length is not None and len(text) > max_length:
            raise CellError(MUST_BE_TEXT.format(max_length=max_length))
        return text

    return parse


def choice_parser(values: tuple[str, ...], *, nullable: bool) -> Callable[[Any], Any]:
    by_lower = {v.lower(): v for v in values}
    message = MUST_BE_CHOICE.format(choices=", ".join(values))

    def parse(value: Any) -> Any:
        text = _text(value)
        if text is None:
            return None if nullable else NOT_GIVEN
        choice = by_lower.get(text.lower())
        if choice is None:
            raise CellError(message)
        if choice == InventoryState.RELEASED:
            raise CellError(RELEASED_NOT_IMPORTED)
        return choice

    return parse


def _export_plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)  # UUID


@dataclass(frozen=True)
class Column:
    name: str  # camelCase, as the API
    model: str  # PHONE_NUMBER, TEN_DLC, BILLING or BUSINESS (businessName)
    field: str  # model attribute (attname: business_id, not business)
    parse: Callable[[Any], Any]  # cell → value, NOT_GIVEN, or raises CellError
    lookup: str  # path from PhoneNumber for .values(): "ten_dlc__brand_id"

    @property
    def snake_name(self) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.name).lower()


def _col(name: str, model: str, field: str, parse: Callable[[Any], Any]) -> Column:
    prefix = {PHONE_NUMBER: "", TEN_DLC: "ten_dlc__", BILLING: "billing__", BUSINESS: ""}[model]
    lookup = "business__name" if model == BUSINESS else prefix + field
    return Column(name=name, model=model, field=field, parse=parse, lookup=lookup)


_STATES = tuple(v for v in InventoryState.values if v != InventoryState.RELEASED)
_WARMUP = tuple(WarmupHealthState.values)
P, T, B = PHONE_NUMBER, TEN_DLC, BILLING

COLUMNS: dict[str, Column] = {
    c.name: c
    for c in (
        _col("number", P, "number", parse_number),
        _col("name", P, "name", parse_name),
        _col("businessId", P, "business_id", parse_business_id),
        _col("businessName", BUSINESS, "name", text_parser(255)),
        _col("enabled", P, "enabled", parse_bool),
        _col("inventoryState", P, "inventory_state", choice_parser(_STATES, nullable=False)),
        _col("status", P, "status", choice_parser(PhoneNumberStatus.values, nullable=False)),
        _col("provider", P, "provider", text_parser(64)),
        _col("providerPhoneNumberId", P, "provider_phone_number_id", text_parser(255)),
        _col("providerOrderId", P, "provider_order_id", text_parser(255)),
        _col("providerOrderStatus", P, "provider_order_status", text_parser(64)),
        _col("providerStatus", P, "provider_status", text_parser(64)),
        _col("providerError", P, "provider_error", text_parser(None)),
        _col("capabilitiesSms", P, "capability_sms", parse_bool),
        _col("capabilitiesVoice", P, "capability_voice", parse_bool),
        _col("capabilitiesWarmup", P, "capability_warmup", parse_bool),
        _col("capabilitiesTesting", P, "capability_testing", parse_bool),
        _col("routingSmsEnabled", P, "routing_sms_enabled", parse_bool),
        _col("routingVoiceEnabled", P, "routing_voice_enabled", parse_bool),
        _col("routingWarmupOnly", P, "routing_warmup_only", parse_bool),
        _col("routingInternalTestOnly", P, "routing_internal_test_only", parse_bool),
        _col("teamId", P, "team_id", text_parser(255)),
        _col("sourceId", P, "source_id", text_parser(255)),
        _col("campaignId", P, "campaign_id", text_parser(255)),
        _col("routingMessagingProfileId", P, "routing_messaging_profile_id", text_parser(255)),
        _col("routingVoiceConnectionId", P, "routing_voice_connection_id", text_parser(255)),
        _col(
            "routingTenDlcApplicationId",
            P,
            "routing_ten_dlc_application_id",
            text_parser(255),
        ),
        _col("isPreferred", P, "is_preferred", parse_bool),
        _col("isInternalPool", P, "is_internal_pool", parse_bool),
        _col("tenDlcBrandId", T, "brand_id", text_parser(255)),
        _col("tenDlcCampaignId", T, "campaign_id", text_parser(255)),
        _col("tenDlcCampaignStatus", T, "campaign_status", text_parser(64)),
        _col("tenDlcAssignmentStatus", T, "assignment_status", text_parser(64)),
        _col("tenDlcMessagingProfileId", T, "messaging_profile_id", text_parser(255)),
        _col("tenDlcFailureReason", T, "failure_reason", text_parser(None)),
        _col("billingSubscriptionItemId", B, "subscription_item_id", text_parser(255)),
        _col("billingMonthlyAmount", B, "monthly_amount", parse_amount),
        _col("billingChannel", B, "channel", text_parser(64)),
        _col("locationLocation", P, "location_description", text_parser(255)),
        _col("locationState", P, "location_state", text_parser(64)),
        _col("locationCountryCode", P, "location_country_code", text_parser(2)),
        _col("warmupEnabled", P, "warmup_enabled", parse_bool),
        _col("warmupState", P, "warmup_state", choice_parser(_WARMUP, nullable=True)),
        _col("healthStatus", P, "health_status", choice_parser(_WARMUP, nullable=True)),
        _col("warmupHealthScore", P, "warmup_health_score", parse_percent),
        _col("warmupProgressPercent", P, "warmup_progress_percent", parse_percent),
        _col("warmupPauseReason", P, "warmup_pause_reason", text_parser(None)),
        _col("healthReason", P, "health_reason", text_parser(None)),
    )
}

# Every accepted header → its column: camelCase and snake_case.
ALIASES: dict[str, Column] = {
    **{c.snake_name: c for c in COLUMNS.values()},
    **COLUMNS,
}
LOCATION_COLUMNS = ("locationLocation", "locationState", "locationCountryCode")

# For PhoneNumber.objects.values(*EXPORT_LOOKUPS) (or values_list, in COLUMNS order).
EXPORT_LOOKUPS: tuple[str, ...] = tuple(c.lookup for c in COLUMNS.values())


def column_for(header: str) -> Column | None:
    """The column a header names (camelCase or snake_case, surrounding spaces ignored)."""
    return ALIASES.get(header.strip())


def export_value(column: Column | str, obj: Any) -> Any:
    """The JSON-ready value of `column` for a PhoneNumber instance or a `.values()` row.

    Instances should come with select_related("business", "ten_dlc", "billing").
    """
    if isinstance(column, str):
        column = COLUMNS[column]
    if isinstance(obj, dict):
        value = obj[column.lookup]
    elif column.model == BUSINESS:
        value = obj.business.name if obj.business_id else None
    else:
        target = {TEN_DLC: "ten_dlc", BILLING: "billing"}.get(column.model)
        holder = getattr(obj, target, None) if target else obj
        value = getattr(holder, column.field) if holder is not None else None
    return _export_plain(value)


def csv_cell(value: Any) -> str:
    """A JSON-ready export value as a CSV cell: null → "", booleans → "true"/"false"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
