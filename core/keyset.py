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
    """One page of `queryset` in `ordering`, after the position in `token`."""

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
        columns = [(f.field, desc, f.nullable) for f, desc in ordering.fields]
        columns.append(("pk", columns[-1][1] if columns else True, False))
        queryset = queryset.order_by(*ordering.order_by())
        if token:
            queryset = queryset.filter(self._after_position(columns, self._read(token)))
        rows = fetch(queryset[: size + 1])
        self.items = rows[:size]
        pk = queryset.model._meta.pk.attname
        self.next_token = (
            self._write(
                [_value(rows[size - 1], pk if name == "pk" else name) for name, _, _ in columns]
            )
            if len(rows) > size
            else None
        )

    @staticmethod
    def token_after(ordering: Ordering, row: Any) -> str:
        """A token that continues after `row` (for tools that start mid-way, e.g. benchmarks)."""
        page = KeysetPage.__new__(KeysetPage)
        page.ordering = ordering
        page.salt = f"{_SALT}:{row._meta.label_lower}"
        names = [field.field for field, _ in ordering.fields] + ["pk"]
        return page._write([getattr(row, name) for name in names])

    def _read(self, token: str) -> list[Any]:
        try:
            payload = signing.loads(token, salt=self.salt)
            order, values = payload["o"], [_decode(v) for v in payload["v"]]
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise ValidationError({"continuationToken": [BAD_TOKEN]}) from None
        if order != self.ordering.text:
            raise ValidationError({"continuationToken": [OTHER_ORDER.format(order=order)]})
        if len(values) != len(self.ordering.fields) + 1:
            raise ValidationError({"continuationToken": [BAD_TOKEN]})
        return values

    def _write(self, values: list[Any]) -> str:
        return signing.dumps(
            {"o": self.ordering.text, "v": [_encode(v) for v in values]},
            salt=self.salt,
            compress=True,
        )

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
