"""The indexes the phone-number tables carry: every one costs every insert (and bulk
imports most), so none may repeat what another already serves."""

import json
import re

import pytest
from django.db import connection, models

from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc

pytestmark = pytest.mark.django_db

TABLES = [m._meta.db_table for m in (PhoneNumber, TenDlc, Billing, PhoneNumberEvent)]


# Django's SQLite introspection cannot read these tables' SQL (their CHECK constraints),
# so the index definitions are read from the catalogue and their columns from the SQL.
CATALOGUE = {
    "postgresql": "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
    "sqlite": "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS "
    "NOT NULL AND tbl_name IN (SELECT value FROM json_each(%s))",
}
COLUMNS = re.compile(r" ON \S+ (?:USING \w+ )?\((?P<columns>[^()]+)\)(?: WHERE (?P<where>.+))?$")


def indexes() -> dict[str, dict]:
    """name → {table, unique, columns (None for expressions), where (or None)}."""
    tables = TABLES if connection.vendor == "postgresql" else json.dumps(TABLES)
    with connection.cursor() as cursor:
        cursor.execute(CATALOGUE[connection.vendor], [tables])
        rows = cursor.fetchall()
    found = {}
    for name, table, definition in rows:
        match = COLUMNS.search(definition)
        found[name] = {
            "table": table,
            "unique": definition.startswith("CREATE UNIQUE"),
            "columns": [c.strip().strip('"') for c in match["columns"].split(",")]
            if match
            else None,
            "where": match["where"] if match else None,
        }
    return found


def test_single_column_indexes_covered_by_a_composite_are_gone():
    covered = {
        ("phonenumbers_app_phonenumber", "business_id"),  # phone_number_business_idx
        ("phonenumbers_app_phonenumber", "created_at"),  # phone_number_created_idx
        ("phonenumbers_app_phonenumberevent", "phone_number_id"),  # event_timeline_idx
    }
    plain = {
        (info["table"], info["columns"][0])
        for info in indexes().values()
        if info["columns"] and len(info["columns"]) == 1 and not info["where"]
    }
    assert not covered & plain


def test_the_constraints_sharing_those_columns_are_still_there():
    found = indexes()
    assert found["phone_number_one_default_per_business"]["unique"]
    assert found["phone_number_unique_unreleased"]["unique"]
    assert found["phone_number_business_idx"]["columns"][0] == "business_id"
    assert found["event_timeline_idx"]["columns"][0] == "phone_number_id"


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("phone_number_user_idx", "user_id"),
        ("billing_business_idx", "business_id"),
        ("billing_user_idx", "user_id"),
        ("event_actor_idx", "actor_id"),
    ],
)
def test_nullable_foreign_keys_are_indexed_without_their_nulls(name, column):
    index = indexes()[name]
    assert index["columns"] == [column]
    assert index["where"].replace('"', "").strip("()") == f"{column} IS NOT NULL"


@pytest.mark.postgres
def test_no_index_uses_a_pattern_operator_class_on_postgresql():
    # No LIKE twin of any column: the number's first digits (area code) and last ones
    # are searched as ranges, which plain b-trees answer.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexdef LIKE '%%pattern_ops%%'",
            [TABLES],
        )
        found = {name for (name,) in cursor.fetchall()}
    assert found == set()


def declared_names(model) -> set[str]:
    """Indexes `model` declares: Meta indexes, unique constraints and the indexes
    Django makes for db_index=True fields."""
    names = {index.name for index in model._meta.indexes}
    names |= {
        constraint.name
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
    }
    table = model._meta.db_table
    with connection.schema_editor() as editor:
        names |= {
            editor._create_index_name(table, [field.column], suffix="")
            for field in model._meta.local_fields
            if field.db_index and not field.unique and not field.primary_key
        }
    return names


@pytest.mark.postgres
def test_every_index_on_postgresql_is_declared_in_the_models():
    # No index may exist only in a migration's SQL: Meta is the one list to read.
    for model in (PhoneNumber, TenDlc, Billing, PhoneNumberEvent):
        table = model._meta.db_table
        present = {
            name
            for name, info in indexes().items()
            if info["table"] == table and name != f"{table}_pkey"
        }
        assert present == declared_names(model), table


@pytest.mark.parametrize(
    "name",
    [
        "phone_number_status_idx",
        "phone_number_provider_idx",
        "phone_number_warmup_idx",
        "phone_number_health_idx",
        "phone_number_number_trgm",
        "event_type_idx",
    ],
)
def test_indexes_no_query_reads_are_gone(name):
    assert name not in indexes()


def test_sort_indexes_end_with_the_id_that_breaks_ties():
    found = indexes()
    for name in (
        "phone_number_number_idx",
        "phone_number_name_idx",
        "phone_number_modified_asc_idx",
        "phone_number_health_score_idx",
        "phone_number_progress_idx",
    ):
        assert found[name]["columns"][-1] == "id", name


def test_sqlite_builds_the_portable_indexes_and_skips_postgresql_kinds():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's index set")
    found = indexes()
    assert found["phone_number_name_idx"]["columns"] == ["name", "id"]
    for name in ("phone_number_number_suffix_idx", "phone_number_name_trgm"):
        assert name not in found
