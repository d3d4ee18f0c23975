"""core.db.postgresql: Django's backend with timestamps parsed by psycopg's C code."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from django.db import connection
from psycopg.pq import Format

from core.db.postgresql.base import TIMESTAMPTZ_OID

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
UTC = datetime.UTC


def _select(sql: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def test_the_settings_use_it():
    assert connection.settings_dict["ENGINE"] == "core.db.postgresql"


def test_timestamps_load_as_django_loads_them():
    row = _select(
        "SELECT '2026-01-01 10:00:00+05'::timestamptz, "
        "'2026-06-30 23:59:59.123456+00'::timestamptz, "
        "'1999-12-31 22:30:00-02:30'::timestamptz, NULL::timestamptz"
    )

    assert row == (
        datetime.datetime(2026, 1, 1, 5, 0, tzinfo=UTC),
        datetime.datetime(2026, 6, 30, 23, 59, 59, 123456, tzinfo=UTC),
        datetime.datetime(2000, 1, 1, 1, 0, tzinfo=UTC),
        None,
    )
    assert row[0].tzinfo is UTC  # Django's timezone, not a fixed offset of zero


def test_timestamps_are_parsed_by_the_c_loader_when_psycopg_has_one():
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    fastest = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)

    parser = loader(TIMESTAMPTZ_OID, connection.connection)._parse.__self__

    assert loader.timezone is connection.timezone  # what Django's create_cursor compares
    assert type(parser) is fastest
    if psycopg.pq.__impl__ == "binary":
        assert fastest.__module__.startswith("psycopg_binary")
