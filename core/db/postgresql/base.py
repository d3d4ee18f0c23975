"""Django's PostgreSQL backend, reading timestamps with psycopg's C parser.

Django registers its own `timestamptz` loader on every connection, a subclass of
psycopg's pure-Python one (Django ticket #36960, psycopg issue #1273: the C loader
cannot be subclassed). Measured here: 350 timestamps, a 50-number page of the list,
cost 4.5 ms to load that way against 1.0 ms with the C parser. This backend keeps
Django's loader class, with its `timezone` (which Django's create_cursor compares),
and parses with the C loader when psycopg has one; what it returns is unchanged.

Set as the ENGINE of a PostgreSQL database in config/settings/base.py.
"""

from __future__ import annotations

import datetime
from functools import cache

import psycopg
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg import adapt
from psycopg.pq import Format

TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid
# psycopg's own map holds its fastest loader: the C one where the binary package is
# installed, the Python one otherwise (then this backend changes nothing).
_PARSER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


@cache
def tz_loader(tz: datetime.tzinfo | None) -> type[BaseTzLoader]:
    """Django's loader for `tz` (an aware datetime in `tz`, naive when None), parsing in C."""

    class TzLoader(BaseTzLoader):
        timezone = tz

        def __init__(self, oid: int, context: adapt.AdaptContext | None = None) -> None:
            super().__init__(oid, context)
            self._parse = _PARSER(oid, context).load

        def load(self, data):
            return self._parse(data).replace(tzinfo=tz)

    return TzLoader


@cache
def _adapters(template: adapt.AdaptersMap, tz: datetime.tzinfo | None) -> adapt.AdaptersMap:
    adapters = adapt.AdaptersMap(template)
    adapters.register_loader("timestamptz", tz_loader(tz))
    return adapters


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        template = params.get("context")
        if template is not None:
            params["context"] = _adapters(template, self.timezone)
        return params
