"""Multi-row INSERT ... ON CONFLICT statements the ORM does not write, on PostgreSQL and SQLite.

The ORM's bulk_create cannot say which rows an ON CONFLICT DO NOTHING skipped, nor add to
counters on conflict. Both databases take the same SQL (SQLite >= 3.35 for RETURNING);
what differs is how values travel (dates and times as text on SQLite). Table and column
names come from the models, never from input.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.expressions import RawSQL


class SqlRows:
    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.native = connection.vendor == "postgresql"
        self.ops = connection.ops
        self.quote = connection.ops.quote_name

    # --- values to the database and back ---
    # UUIDs travel as 32 hex digits both ways: SQLite stores them so, PostgreSQL's uuid
    # type reads them, and strings hash and sort in C where UUID objects do not.
    def as_hex(self, value: Any) -> str:
        return value.hex if isinstance(value, UUID) else value

    def date(self, value: date) -> Any:
        return value if self.native else value.isoformat()

    def as_date(self, value: Any) -> date:
        return value if isinstance(value, date) else date.fromisoformat(value)

    def datetime(self, value: datetime) -> Any:
        return value if self.native else self.ops.adapt_datetimefield_value(value)

    # --- statements ---
    def _max_params(self) -> int:
        self.connection.ensure_connection()
        return self.connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)

    def _chunks(self, rows: Sequence[dict], width: int):
        """SQLite: as many rows per statement as its limit on parameters allows (32,766
        by default since 3.32, so a 1,000-item batch is one statement)."""
        size = max(1, self._max_params() // width)
        for start in range(0, len(rows), size):
            yield rows[start : start + size]

    def _insert(
        self,
        model: type[Model],
        columns: Sequence[str],
        rows: Sequence[dict[str, Any]],
        defaults: dict[str, Any] | None = None,
    ):
        """(`INSERT INTO table (columns) <rows>`, its parameters), one per chunk of rows.
        A row may leave out the columns of `defaults`.

        PostgreSQL takes the rows as one JSON parameter (json_to_recordset): psycopg
        would otherwise find and quote ten thousand placeholders, or the elements of
        a dozen arrays, one by one in Python (0.1-0.3 s for a 1,000-row batch), where
        orjson writes the document in a millisecond.
        """
        defaults = defaults or {}
        q = self.quote
        names = ", ".join(q(c) for c in columns)
        head = f"INSERT INTO {q(model._meta.db_table)} ({names}) "
        if self.native:
            fields = {f.column: f for f in model._meta.concrete_fields}
            types = ", ".join(f"{q(c)} {fields[c].db_type(self.connection)}" for c in columns)
            values = ", ".join(f"COALESCE({q(c)}, %s)" if c in defaults else q(c) for c in columns)
            sql = head + f"SELECT {values} FROM json_to_recordset(%s::json) AS x({types})"
            params = [defaults[c] for c in columns if c in defaults]
            yield sql, [*params, orjson.dumps(rows).decode()]
            return
        placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for chunk in self._chunks(rows, len(columns)):
            sql = head + "VALUES " + ", ".join([placeholders] * len(chunk))
            yield sql, [row.get(c, defaults.get(c)) for row in chunk for c in columns]

    def insert_returning(
        self,
        model: type[Model],
        columns: Sequence[str],
        rows: Sequence[dict[str, Any]],
        *,
        conflict: str,
        returning: Sequence[str],
    ) -> list[tuple]:
        """Insert `rows`; `ON CONFLICT <conflict>`; the `returning` columns of the rows
        that went in."""
        found: list[tuple] = []
        tail = f" ON CONFLICT {conflict} RETURNING " + ", ".join(self.quote(c) for c in returning)
        with self.connection.cursor() as cursor:
            for sql, params in self._insert(model, columns, rows):
                cursor.execute(sql + tail, params)
                found.extend(cursor.fetchall())
        return found

    def upsert_adding(
        self,
        model: type[Model],
        key: Sequence[str],
        rows: Sequence[dict[str, Any]],
        *,
        adding: Sequence[str],
        replacing: Sequence[str] = (),
    ) -> None:
        """Insert `rows`; a row whose key exists adds its `adding` values to the stored
        ones (a row may leave out those it does not add to) and replaces `replacing`."""
        table = self.quote(model._meta.db_table)
        columns = [*key, *adding, *replacing]
        updates = [
            f"{self.quote(c)} = {table}.{self.quote(c)} + excluded.{self.quote(c)}" for c in adding
        ]
        updates += [f"{self.quote(c)} = excluded.{self.quote(c)}" for c in replacing]
        target = ", ".join(self.quote(c) for c in key)
        tail = f" ON CONFLICT ({target}) DO UPDATE SET " + ", ".join(updates)
        with self.connection.cursor() as cursor:
            for sql, params in self._insert(model, columns, rows, dict.fromkeys(adding, 0)):
                cursor.execute(sql + tail, params)

    def update(
        self,
        model: type[Model],
        key: str,
        columns: Sequence[str],
        rows: Sequence[dict[str, Any]],
        *,
        also: str = "",
        also_params: Sequence[Any] = (),
    ) -> None:
        """Set `columns` of the rows whose `key` each of `rows` names; `also` is more of
        the SET list (e.g. `version = version + 1`), with `also_params`.

        PostgreSQL: one statement joining the rows as one JSON parameter; SQLite: one
        statement executed per row (SQLite has no UPDATE ... FROM before 3.33, and its
        per-statement cost is a function call)."""
        if not rows:
            return
        q = self.quote
        table = q(model._meta.db_table)
        extra = f", {also}" if also else ""
        with self.connection.cursor() as cursor:
            if self.native:
                fields = {f.column: f for f in model._meta.concrete_fields}
                names = [key, *columns]
                types = ", ".join(f"{q(c)} {fields[c].db_type(self.connection)}" for c in names)
                sets = ", ".join(f"{q(c)} = x.{q(c)}" for c in columns)
                cursor.execute(
                    f"UPDATE {table} SET {sets}{extra} "
                    f"FROM json_to_recordset(%s::json) AS x({types}) "
                    f"WHERE {table}.{q(key)} = x.{q(key)}",
                    [*also_params, orjson.dumps(rows).decode()],
                )
                return
            sets = ", ".join(f"{q(c)} = %s" for c in columns)
            cursor.executemany(
                f"UPDATE {table} SET {sets}{extra} WHERE {q(key)} = %s",
                [[*(row[c] for c in columns), *also_params, row[key]] for row in rows],
            )

    def insert(self, model: type[Model], columns: Sequence[str], rows: Sequence[dict]) -> None:
        """Insert `rows` (values already as the database takes them, see the methods above)."""
        with self.connection.cursor() as cursor:
            for sql, params in self._insert(model, columns, rows):
                cursor.execute(sql, params)


def values_in(values: Collection[Any], db_type: str, *, using: str = "default") -> Any:
    """The right-hand side of an `__in` filter on many values.

    On PostgreSQL, one JSON parameter unpacked by the server (`IN (SELECT ...)`): a
    thousand-value list is a thousand placeholders that psycopg finds and quotes in
    Python, 20-40 ms per query. SQLite takes the list as it is.
    """
    if connections[using].vendor != "postgresql":
        return list(values)
    document = orjson.dumps([str(value) for value in values]).decode()
    return RawSQL(f"SELECT value::{db_type} FROM json_array_elements_text(%s::json)", [document])
