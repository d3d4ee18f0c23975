"""Querysets compiled to SQL once per shape, then run with new values bound.

The selection's read is the same statement every time but for a few values (the business,
the campaign, the random starting points). Compiling it through the ORM cost about 1.7 ms
a rule, more than PostgreSQL took to run it; so each shape is built once with *sentinels*
where the values go, compiled, and the sentinels' positions among the parameters become
the slots that a run fills (core/db/rows_by_pk.py does the same for reads by key).

Values come back as `values_list()` would give them: the backend's and the fields'
converters are applied, so SQLite and PostgreSQL rows look alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Field, Model, QuerySet

from core.db.rows_by_pk import converted


@dataclass(frozen=True)
class Slot:
    """A value a compiled statement takes: its sentinel while compiling, and the field
    that prepares its values for the database."""

    name: str
    sentinel: Any
    field: Field


@dataclass(frozen=True)
class Compiled:
    sql: str
    # Per parameter: a slot's name, or None for a constant kept in `constants`.
    params: tuple[str | None, ...]
    constants: tuple[Any, ...]
    fields: Mapping[str, Field]
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]


def compile_union(
    parts: Sequence[QuerySet | Sequence[QuerySet]],
    slots: Sequence[Slot],
    *,
    using: str,
    outer: str = "{union}",
    limits: Sequence[int | None] | None = None,
) -> Compiled:
    """One statement of `parts` (values_list querysets of the same columns, each maybe
    sliced and ordered), each row tagged with its part's index as a first column:
    SELECT 0 AS part, p0.* FROM (...) AS p0 UNION ALL SELECT 1 AS part, ... ; placed in
    `outer` (e.g. to look up other tables' columns once for the union's rows).

    A part may be a sequence of querysets read one after the other, with `limits[i]`
    rows at most of them all: the database reads the later ones only while the earlier
    ones leave the limit unmet."""
    connection = connections[using]
    prepared = {
        _key(slot.field.get_db_prep_value(slot.sentinel, connection, prepared=False)): slot.name
        for slot in slots
    }
    pieces, names, constants = [], [], []
    converters = ()
    for index, part in enumerate(parts):
        chain = [part] if isinstance(part, QuerySet) else list(part)
        sqls = []
        for link, queryset in enumerate(chain):
            compiler = queryset.query.get_compiler(using)
            sql, params = compiler.as_sql()
            if not converters:
                selected = [e for e, _, _ in compiler.select[: compiler.col_count]]
                converters = tuple(
                    (position + 1, functions, expression)
                    for position, (functions, expression) in compiler.get_converters(
                        selected
                    ).items()
                )
            sqls.append(f"SELECT * FROM ({sql}) AS p{index}_{link}")
            for value in params:
                name = prepared.get(_key(value))
                names.append(name)
                constants.append(None if name else value)
        limit = limits[index] if limits else None
        body = " UNION ALL ".join(sqls)
        bounded = f" LIMIT {int(limit)}" if limit is not None else ""
        pieces.append(
            f"SELECT * FROM (SELECT {index} AS part, p{index}.* FROM ({body}) AS p{index}"
            f"{bounded}) AS q{index}"
        )
    return Compiled(
        sql=outer.format(union=" UNION ALL ".join(pieces)),
        params=tuple(names),
        constants=tuple(constants),
        fields={slot.name: slot.field for slot in slots},
        converters=converters,
    )


def run(compiled: Compiled, values: Mapping[str, Any], *, using: str) -> list[tuple]:
    """The statement's rows with `values` in its slots: (part, *columns)."""
    connection = connections[using]
    prepared = {
        name: compiled.fields[name].get_db_prep_value(value, connection, prepared=False)
        for name, value in values.items()
    }
    params = [
        prepared[name] if name is not None else constant
        for name, constant in zip(compiled.params, compiled.constants, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    return converted(rows, compiled.converters, connection)


def _key(value: Any) -> Any:
    # Sentinels are matched by value and type: a constant True must not match 1.
    return (type(value), value)


def instances(model: type[Model], compiled: Compiled, values: Mapping[str, Any], *, using: str):
    """The rows of a one-part statement of `model`'s concrete fields (attnames, in their
    order, then any annotations) as instances (annotations set as attributes)."""
    names = [field.attname for field in model._meta.concrete_fields]
    found = []
    for _part, *row in run(compiled, values, using=using):
        instance = model.from_db(using, names, row[: len(names)])
        found.append((instance, row[len(names) :]))
    return found
