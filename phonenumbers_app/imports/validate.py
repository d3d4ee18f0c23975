"""Validating one row like the API does, into the values of a new or updated number."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any

from businesses.models import Business
from businesses.selectors import business_by_id_or_name
from phonenumbers_app.imports.columns import (
    BILLING,
    BUSINESS,
    COLUMNS,
    LOCATION_COLUMNS,
    NOT_GIVEN,
    NUMBER_REQUIRED,
    PHONE_NUMBER,
    TEN_DLC,
    CellError,
)
from phonenumbers_app.numbers import describe_location
from phonenumbers_app.vocabularies import InventoryState

UNKNOWN_BUSINESS_ID = "No business has this id."
UNKNOWN_BUSINESS_NAME = "No business has this name."
AMBIGUOUS_BUSINESS_NAME = "{count} businesses have this name: use businessId instead."
BUSINESS_MISMATCH = "businessId and businessName name different businesses."
DUPLICATE_IN_FILE = "Duplicate: the number {number} appears earlier in the file (row {row})."
ASSIGNED_NEEDS_BUSINESS = (
    "Assigned needs a business: set businessId or businessName (or --business)."
)
AVAILABLE_MEANS_POOL = (
    "Available means unassigned pool inventory: a number of a business is never Available."
)
TOO_MANY_CELLS = "The row has more cells than the header has columns."
UNKNOWN_KEYS = "Unknown column(s): {keys}."


@dataclass
class RowError:
    row: int
    column: str
    reason: str
    original: Any


@dataclass(slots=True)
class ValidRow:
    row: int
    number: str
    business_id: str | None  # resolved; None = no business
    business_given: bool  # the row (or --business) says which business
    phone: dict[str, Any] = field(default_factory=dict)  # given PhoneNumber fields
    ten_dlc: dict[str, Any] = field(default_factory=dict)
    billing: dict[str, Any] = field(default_factory=dict)
    location_given: bool = False
    original: Any = None


# Columns whose parsed value is copied as is into a model field: name → (model, field).
_COPIED = {
    name: (column.model, column.field)
    for name, column in COLUMNS.items()
    if column.model != BUSINESS and name not in ("number", "businessId")
}
_LOCATION_COLUMNS = frozenset(LOCATION_COLUMNS)


class SeenNumbers:
    """The numbers read so far and the row of each, to report duplicates in the file.

    A dict of a million numbers costs about 110 MB; this keeps them in 64-bit arrays
    spread over buckets (about 12 bytes a number), searched at C speed.
    """

    BUCKETS = 1 << 16

    def __init__(self):
        self.numbers = [array("Q") for _ in range(self.BUCKETS)]
        self.rows = [array("Q") for _ in range(self.BUCKETS)]

    def first_row(self, digits: int, row: int) -> int | None:
        """The row where `digits` was first seen, or None (and it is remembered at `row`)."""
        bucket = digits % self.BUCKETS
        numbers = self.numbers[bucket]
        if digits in numbers:
            return self.rows[bucket][numbers.index(digits)]
        numbers.append(digits)
        self.rows[bucket].append(row)
        return None


class Businesses:
    """Business lookups by id and by name, cached for the whole import."""

    def __init__(self):
        self.by_id: dict[str, str | None] = {}  # id → name, or None: no such business
        self.by_name: dict[str, list[str]] = {}

    def name_of(self, business_id: str) -> str | None:
        if business_id not in self.by_id:
            found = Business.objects.filter(pk=business_id).values_list("name", flat=True)
            self.by_id[business_id] = next(iter(found), None)
        return self.by_id[business_id]

    def ids_named(self, name: str) -> list[str]:
        if name not in self.by_name:
            ids = [
                str(pk) for pk in Business.objects.filter(name=name).values_list("pk", flat=True)
            ]
            self.by_name[name] = ids
            for pk in ids:
                self.by_id[pk] = name
        return self.by_name[name]

    def resolve(self, value: str) -> str:
        """--business: an id or a name → the id; ValueError with a reason otherwise."""
        business = business_by_id_or_name(value=value)  # BusinessNotFound is a ValueError
        self.by_id[str(business.pk)] = business.name
        return str(business.pk)


class Locations:
    """Location per number prefix: NANP numbers share it per area code and exchange."""

    def __init__(self):
        self.cache: dict[str, tuple[str | None, str | None, str | None]] = {}

    def of(self, e164: str) -> tuple[str | None, str | None, str | None]:
        key = e164[:8] if e164.startswith("+1") else e164
        found = self.cache.get(key)
        if found is None:
            location = describe_location(e164)
            found = (location.description, location.state, location.country_code)
            if len(self.cache) < 200_000:
                self.cache[key] = found
        return found


STRUCTURE = "__row__"
CellResult = tuple[dict[str, Any], list[tuple[str, str]]]


def parse_cells(values: dict[str, Any]) -> CellResult:
    """Every cell of a row read by its column: ({column: value}, [(column, reason)]).

    Pure (no database), so worker processes can run it for the main process.
    """
    if "__extra__" in values:
        return {}, [(STRUCTURE, TOO_MANY_CELLS)]
    if "__json__" in values:
        return {}, [(STRUCTURE, values["__json__"])]
    if "__unknown__" in values:
        keys = ", ".join(values["__unknown__"])
        return {}, [(keys, UNKNOWN_KEYS.format(keys=keys))]
    parsed: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name, cell in values.items():
        try:
            parsed[name] = COLUMNS[name].parse(cell)
        except CellError as exc:
            errors.append((name, str(exc)))
    if "number" not in values:
        errors.append(("number", NUMBER_REQUIRED))
    return parsed, errors


def parse_chunk(chunk: list[dict[str, Any]]) -> list[CellResult]:
    """parse_cells over a chunk of rows' values: what a worker process runs."""
    return [parse_cells(values) for values in chunk]


class Validator:
    def __init__(self, *, default_business: str | None, businesses: Businesses):
        self.default_business = default_business
        self.businesses = businesses
        self.seen = SeenNumbers()
        self.locations = Locations()

    def validate(
        self, row: int, values: dict[str, Any], original: Any, cells: CellResult | None = None
    ) -> tuple[ValidRow | None, list[RowError]]:
        """`cells`: parse_cells(values) already computed (by a worker process), or None."""
        parsed, cell_errors = cells if cells is not None else parse_cells(values)
        errors = [RowError(row, column, reason, original) for column, reason in cell_errors]
        if any(column == STRUCTURE for column, _ in cell_errors):
            for error in errors:
                error.column = "" if error.column == STRUCTURE else error.column
            return None, errors

        def fail(column: str, reason: str) -> None:
            errors.append(RowError(row, column, reason, original))

        # The business: businessId, businessName, or --business.
        business_id = parsed.get("businessId")
        business_name = parsed.get("businessName")
        business_given = "businessId" in values or "businessName" in values
        if business_id and self.businesses.name_of(business_id) is None:
            fail("businessId", UNKNOWN_BUSINESS_ID)
            business_id = None
        if business_name:
            ids = self.businesses.ids_named(business_name)
            if not ids:
                fail("businessName", UNKNOWN_BUSINESS_NAME)
            elif business_id:
                if business_id not in ids:
                    fail("businessName", BUSINESS_MISMATCH)
            elif len(ids) > 1:
                fail("businessName", AMBIGUOUS_BUSINESS_NAME.format(count=len(ids)))
            else:
                business_id = ids[0]
        if not business_id and not business_name and self.default_business:
            business_id = self.default_business
            business_given = True

        state = parsed.get("inventoryState", NOT_GIVEN)
        if (
            state == InventoryState.ASSIGNED
            and not business_id
            and "businessName" not in {e.column for e in errors}
        ):
            fail("inventoryState", ASSIGNED_NEEDS_BUSINESS)
        if state == InventoryState.AVAILABLE and business_id:
            fail("inventoryState", AVAILABLE_MEANS_POOL)

        number = parsed.get("number")
        if number and not errors:
            first = self.seen.first_row(int(number[1:]), row)
            if first is not None:
                fail("number", DUPLICATE_IN_FILE.format(number=number, row=first))
        if errors:
            return None, errors

        phone: dict[str, Any] = {}
        ten_dlc: dict[str, Any] = {}
        billing: dict[str, Any] = {}
        targets = {PHONE_NUMBER: phone, TEN_DLC: ten_dlc, BILLING: billing}
        for name, value in parsed.items():
            copied = _COPIED.get(name)
            if copied is not None and value is not NOT_GIVEN:
                targets[copied[0]][copied[1]] = value
        valid = ValidRow(
            row,
            number,
            business_id,
            business_given,
            phone,
            ten_dlc,
            billing,
            not _LOCATION_COLUMNS.isdisjoint(values),
            original,
        )
        return valid, []
