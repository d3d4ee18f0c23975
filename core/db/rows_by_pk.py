"""Columns of rows looked up by primary key, with the SQL compiled once per shape.

The ORM compiles a query on every evaluation: for a page of 50 numbers with their
10DLC and billing columns that took 2 ms, as long as PostgreSQL took to run it. A list
reads its page's rows by primary key with the same statement every time, differing only
in how many keys it passes; this module compiles that statement through the ORM once
per model, columns, key count and database, then only binds the keys.

Values come back as the ORM's `values_list()` would give them (the backend's and the
fields' converters are applied), so callers see no difference between vendors.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.db import connections, models


@dataclass(frozen=True)
class _Statement:
    sql: str
    # position -> (converter functions, expression), as SQLCompiler.get_converters gives.
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]


def values_by_pk(
    model: type[models.Model], columns: Sequence[str], pks: Sequence[Any], *, using: str
) -> list[tuple]:
    """`values_list(*columns)` of the rows of `model` whose primary keys are `pks`.

    Rows come in no particular order; a missing key has no row. `columns` are ORM paths
    (joins through one-to-one and foreign keys included), as values_list takes them.
    """
    if not pks:
        return []
    connection = connections[using]
    statement = _statement(model._meta.label, tuple(columns), len(pks), using)
    pk = model._meta.pk
    params = [pk.get_db_prep_value(value, connection, prepared=False) for value in pks]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        rows = cursor.fetchall()
    return converted(rows, statement.converters, connection)


def converted(rows: list[tuple], converters, connection) -> list[tuple]:
    """`rows` with the backend's and the fields' converters applied, as values_list()
    gives them (`converters`: (position, functions, expression), as the compiler's)."""
    if not converters:
        return rows
    result = []
    for row in rows:
        values = list(row)
        for position, functions, expression in converters:
            value = values[position]
            for function in functions:
                value = function(value, expression, connection)
            values[position] = value
        result.append(tuple(values))
    return result


@lru_cache(maxsize=1024)
def _statement(label: str, columns: tuple[str, ...], count: int, using: str) -> _Statement:
    model = apps.get_model(label)
    placeholders = [_placeholder(model._meta.pk, i) for i in range(count)]
    queryset = model._base_manager.using(using).filter(pk__in=placeholders).values_list(*columns)
    compiler = queryset.query.get_compiler(using)
    sql, params = compiler.as_sql()
    connection = connections[using]
    expected = [
        model._meta.pk.get_db_prep_value(value, connection, prepared=False)
        for value in placeholders
    ]
    if list(params) != expected:  # the statement must take the keys and nothing else
        raise RuntimeError(f"{label}: cannot reuse {columns!r} by primary key")
    selected = [expression for expression, _, _ in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(selected)
    return _Statement(
        sql=sql,
        converters=tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in converters.items()
        ),
    )


def _placeholder(pk: models.Field, i: int) -> Any:
    # Distinct values (the ORM drops repeated ones from an IN list) of the key's type.
    if isinstance(pk, models.UUIDField):
        return uuid.UUID(int=i + 1)
    if isinstance(pk, models.IntegerField | models.AutoField):
        return i + 1
    raise TypeError(f"values_by_pk takes UUID or integer primary keys, not {type(pk).__name__}")
