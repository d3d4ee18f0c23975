"""Keyset (cursor) paging for any ordering, with opaque, tamper-proof continuation tokens.

A page is `WHERE (ordering columns) come after the last row's values ORDER BY ...
LIMIT size + 1`, so a page deep in the table costs what the first page costs,
unlike OFFSET. The token is the last row's ordering values, signed so that a
tampered token is refused (400) instead of silently paging somewhere else.
Nulls sort last in both directions; the primary key breaks ties.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_datetime

from core.values import TooManyDigits, parse_integer_string

BAD_TOKEN = "Invalid continuationToken: pass back the value of a previous response unchanged."
OTHER_ORDER = "This continuationToken belongs to orderBy={order}; keep orderBy the same."
UNKNOWN_ORDER = "Unknown field {field!r}. Sortable fields: {fields}."
_SALT = "keyset-token"


@dataclass(frozen=True)
class SortField:
    """One column of an ordering: `api` is what callers write in `orderBy`."""

    api: str
    field: str
    nullable: bool = False


@dataclass(frozen=True)
class Ordering:
    fields: tuple[tuple[SortField, bool], ...]  # (field, descending)
    text: str

    def order_by(self) -> list:
        # NULLS LAST only where nulls exist: on a NOT NULL column it would stop
        # PostgreSQL from reading the order straight off a plain (col DESC) index.
        expressions = [
            (F(f.field).desc(nulls_last=True) if desc else F(f.field).asc(nulls_last=True))
            if f.nullable
            else (F(f.field).desc() if desc else F(f.field).asc())
            for f, desc in self.fields
        ]
        last_desc = self.fields[-1][1] if self.fields else True
        return [*expressions, "-pk" if last_desc else "pk"]


def parse_ordering(text: str | None, *, allowed: dict[str, SortField], default: str) -> Ordering:
    """ "-createdAt,name" → Ordering; unknown fields raise ValidationError on orderBy."""
    text = (text or "").strip() or default
    parts = []
    seen = set()
    for raw in text.split(","):
        raw = raw.strip()
        desc = raw.startswith("-")
        name = raw.lstrip("+-")
        if name not in allowed:
            raise ValidationError(
                {"orderBy": [UNKNOWN_ORDER.format(field=name, fields=", ".join(allowed))]}
            )
        if name not in seen:
            seen.add(name)
            parts.append((allowed[name], desc))
    return Ordering(
        fields=tuple(parts), text=",".join(("-" if d else "") + f.api for f, d in parts)
    )


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "t" in value:
        parsed = parse_datetime(value["t"])
        if parsed is None:
            raise ValueError("bad datetime")
        return parsed
    return value


def _after(field: str, value: Any, desc: bool, nullable: bool) -> Q | None:
    """Rows strictly after `value` in one column (nulls last); None when nothing is."""
    if value is None:
        return None
    after = Q(**{f"{field}__lt" if desc else f"{field}__gt": value})
    return after | Q(**{f"{field}__isnull": True}) if nullable else after


def _value(row: Any, name: str) -> Any:
    """A column of a fetched row: a model instance's attribute, or a mapping's key (a
    `fetch` may read rows as dicts)."""
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def _equal(field: str, value: Any) -> Q:
    return Q(**{f"{field}__isnull": True}) if value is None else Q(**{field: value})


class KeysetPage:
    """One page of `queryset` in `ordering`, after the position in `token` (or, for a
    token from `previous_token`, the page before it)."""

    def __init__(
        self,
        queryset: QuerySet,
        *,
        ordering: Ordering,
        size: int,
        token: str | None,
        fetch: Callable[[QuerySet], list] = list,
    ):
        self.ordering = ordering
        self.size = size
        # Tokens are signed per model, so one list's token is refused by another list.
        self.salt = f"{_SALT}:{queryset.model._meta.label_lower}"
        self._pk = queryset.model._meta.pk.attname
        columns = [(f.field, desc, f.nullable) for f, desc in ordering.fields]
        columns.append(("pk", columns[-1][1] if columns else True, False))
        self._columns = columns
        # Going back reads the ordering reversed, where nulls would come first: only
        # orderings without nullable columns offer it.
        self._can_go_back = not any(nullable for _, _, nullable in columns)
        ordered = queryset.order_by(*ordering.order_by())
        values, backward = self._read(token) if token else (None, False)
        if backward and self._can_go_back:
            rows, more_before = self._rows_before(queryset, values, fetch)
            if rows is None:  # fewer than a page before the position: the first page
                rows, more_before = fetch(ordered[: size + 1]), False
                more_after = len(rows) > size
            else:
                more_after = True  # the position's own row comes after this page
        else:
            if values is not None:
                ordered = ordered.filter(self._after_position(columns, values))
            rows = fetch(ordered[: size + 1])
            more_after, more_before = len(rows) > size, values is not None
        self.items = rows[:size]
        self.next_token = self._token_at(self.items[-1]) if more_after and self.items else None
        self.previous_token = (
            self._token_at(self.items[0], backward=True)
            if more_before and self.items and self._can_go_back
            else None
        )

    def _rows_before(
        self, queryset: QuerySet, values: list[Any], fetch
    ) -> tuple[list | None, bool]:
        """The page that ends just before the position, in the page's order, and whether
        rows come before it; None when fewer than a page do."""
        reversed_columns = [(name, not desc, nullable) for name, desc, nullable in self._columns]
        reversed_order = Ordering(
            fields=tuple((f, not desc) for f, desc in self.ordering.fields), text=""
        )
        before = queryset.order_by(*reversed_order.order_by()).filter(
            self._after_position(reversed_columns, values)
        )
        rows = fetch(before[: self.size + 1])
        if len(rows) <= self.size:
            return None, False
        return list(reversed(rows[: self.size])), True

    def _token_at(self, row: Any, *, backward: bool = False) -> str:
        values = [_value(row, self._pk if name == "pk" else name) for name, _, _ in self._columns]
        return self._write(values, backward=backward)

    @staticmethod
    def token_after(ordering: Ordering, row: Any) -> str:
        """A token that continues after `row` (for tools that start mid-way, e.g. benchmarks)."""
        page = KeysetPage.__new__(KeysetPage)
        page.ordering = ordering
        page.salt = f"{_SALT}:{row._meta.label_lower}"
        names = [field.field for field, _ in ordering.fields] + ["pk"]
        return page._write([getattr(row, name) for name in names])

    def _read(self, token: str) -> tuple[list[Any], bool]:
        """The position a token holds, and whether it asks for the page before it."""
        try:
            payload = signing.loads(token, salt=self.salt)
            order, values = payload["o"], [_decode(v) for v in payload["v"]]
            backward = payload.get("d") == "b"
        except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
            raise ValidationError({"continuationToken": [BAD_TOKEN]}) from None
        if order != self.ordering.text:
            raise ValidationError({"continuationToken": [OTHER_ORDER.format(order=order)]})
        if len(values) != len(self.ordering.fields) + 1:
            raise ValidationError({"continuationToken": [BAD_TOKEN]})
        return values, backward

    def _write(self, values: list[Any], *, backward: bool = False) -> str:
        payload = {"o": self.ordering.text, "v": [_encode(v) for v in values]}
        if backward:
            payload["d"] = "b"
        return signing.dumps(payload, salt=self.salt, compress=True)

    @staticmethod
    def _after_position(columns: list[tuple[str, bool, bool]], values: list[Any]) -> Q:
        # (a after x) OR (a = x AND b after y) OR (a = x AND b = y AND pk after z) ...
        terms = []
        prefix = Q()
        for (field, desc, nullable), value in zip(columns, values, strict=True):
            after = _after(field, value, desc, nullable)
            if after is not None:
                terms.append(prefix & after)
            prefix &= _equal(field, value)
        if not terms:
            return Q(pk__in=[])
        condition = terms[0]
        for term in terms[1:]:
            condition |= term
        first_field, first_desc, first_nullable = columns[0]
        if values[0] is not None and not first_nullable:
            # A redundant bound on the leading column: it lets PostgreSQL start the index
            # scan at the position instead of filtering every row before it.
            bound = f"{first_field}__lte" if first_desc else f"{first_field}__gte"
            condition &= Q(**{bound: values[0]})
        return condition


class KeysetParams:
    """pageSize, continuationToken and includeCount from a query string."""

    DEFAULT_SIZE = 50
    MAX_SIZE = 500
    BAD_SIZE = f"Must be an integer from 1 to {MAX_SIZE}."
    BAD_FLAG = "Must be true or false."

    def __init__(self, params) -> None:
        errors: dict[str, list[str]] = {}
        raw = params.get("pageSize")
        self.size = self.DEFAULT_SIZE
        if raw is not None:
            # ASCII digits only (not fullwidth digits, "+5" or "5_0"), length-checked first.
            try:
                self.size = parse_integer_string(raw) or 0
            except TooManyDigits:
                self.size = 0
            if not 1 <= self.size <= self.MAX_SIZE:
                errors["pageSize"] = [self.BAD_SIZE]
        self.token = params.get("continuationToken") or None
        flag = params.get("includeCount", "false").lower()
        if flag not in ("true", "false", "1", "0"):
            errors["includeCount"] = [self.BAD_FLAG]
        self.include_count = flag in ("true", "1")
        if errors:
            raise ValidationError(errors)
