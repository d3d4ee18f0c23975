"""Multi-row INSERT ... ON CONFLICT statements the ORM does not write, on PostgreSQL and SQLite.

The ORM's bulk_create cannot say which rows an ON CONFLICT DO NOTHING skipped, nor add to
counters on conflict. Both databases take the same SQL (SQLite >= 3.35 for RETURNING);
what differs is how values travel: UUIDs as 32 hex digits, dates and times as text on
SQLite. Table and column names come from the models, never from input.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

# PostgreSQL's protocol counts bind parameters in 16 bits.
POSTGRESQL_MAX_PARAMS = 65_535


class SqlRows:
    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.native = connection.vendor == "postgresql"
        self.ops = connection.ops
        self.quote = connection.ops.quote_name

    # --- values to the database and back ---
    def uuid(self, value: UUID) -> Any:
        return value if self.native else value.hex

    def as_uuid(self, value: Any) -> UUID:
        return value if isinstance(value, UUID) else UUID(value)

    def date(self, value: date) -> Any:
        return value if self.native else value.isoformat()

    def as_date(self, value: Any) -> date:
        return value if isinstance(value, date) else date.fromisoformat(value)

    def datetime(self, value: datetime) -> Any:
        return value if self.native else self.ops.adapt_datetimefield_value(value)

    # --- statements ---
    def _max_params(self) -> int:
        if self.native:
            return POSTGRESQL_MAX_PARAMS
        self.connection.ensure_connection()
        return self.connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)

    def _chunks(self, rows: Sequence[tuple], width: int):
        size = max(1, self._max_params() // width)
        for start in range(0, len(rows), size):
            yield rows[start : start + size]

    def _values(self, table: str, columns: Sequence[str], count: int) -> str:
        row = "(" + ", ".join(["%s"] * len(columns)) + ")"
        names = ", ".join(self.quote(c) for c in columns)
        return f"INSERT INTO {self.quote(table)} ({names}) VALUES " + ", ".join([row] * count)

    def insert_returning(
        self,
        model: type[Model],
        columns: Sequence[str],
        rows: Sequence[tuple],
        *,
        conflict: str,
        returning: Sequence[str],
    ) -> list[tuple]:
        """Insert `rows`; `ON CONFLICT <conflict>`; the `returning` columns of the rows
        that went in."""
        table = model._meta.db_table
        found: list[tuple] = []
        with self.connection.cursor() as cursor:
            for chunk in self._chunks(rows, len(columns)):
                sql = (
                    self._values(table, columns, len(chunk))
                    + f" ON CONFLICT {conflict} RETURNING "
                    + ", ".join(self.quote(c) for c in returning)
                )
                cursor.execute(sql, [value for row in chunk for value in row])
                found.extend(cursor.fetchall())
        return found

    def upsert_adding(
        self,
        model: type[Model],
        key: Sequence[str],
        rows: Sequence[tuple],
        *,
        adding: Sequence[str],
        replacing: Sequence[str] = (),
    ) -> None:
        """Insert `rows` (key columns, then `adding`, then `replacing`); a row whose key
        exists adds its `adding` values to the stored ones and replaces `replacing`."""
        table = self.quote(model._meta.db_table)
        columns = [*key, *adding, *replacing]
        updates = [
            f"{self.quote(c)} = {table}.{self.quote(c)} + excluded.{self.quote(c)}" for c in adding
        ]
        updates += [f"{self.quote(c)} = excluded.{self.quote(c)}" for c in replacing]
        target = ", ".join(self.quote(c) for c in key)
        with self.connection.cursor() as cursor:
            for chunk in self._chunks(rows, len(columns)):
                sql = (
                    self._values(model._meta.db_table, columns, len(chunk))
                    + f" ON CONFLICT ({target}) DO UPDATE SET "
                    + ", ".join(updates)
                )
                cursor.execute(sql, [value for row in chunk for value in row])
