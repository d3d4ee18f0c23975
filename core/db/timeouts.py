"""A bound on every statement a web request runs (PostgreSQL's statement_timeout).

No request may hold the database for seconds: a query that runs longer is cancelled by
the server, and the API answers 503 /problems/query-timeout (core/problems.py). Only
requests are bounded: migrations, imports and management commands never pass through
this middleware, so their connections keep the server's default (no limit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

# SQLSTATE query_canceled: the statement timeout fired (or an operator cancelled it).
QUERY_CANCELED = "57014"
_APPLIED = "_request_statement_timeout_ms"
T = TypeVar("T")


def statement_timeout_ms() -> int:
    """The bound in milliseconds; 0 means none."""
    return settings.DATABASE_STATEMENT_TIMEOUT_MS


class _BoundStatements:
    """An execute wrapper that bounds this request's statements before its first one runs.

    Lazy on purpose: a request that never queries (/healthz, a liveness probe) opens no
    connection, so a database that is down cannot make it hang.
    """

    def __init__(self, connection, timeout: int) -> None:
        self.connection = connection
        self.timeout = timeout
        self.done = False

    def __call__(self, execute, sql, params, many, context):
        if not self.done:
            self.done = True
            self._bound(context["cursor"].cursor)
        return execute(sql, params, many, context)

    def _bound(self, raw_cursor) -> None:
        """Outside a transaction the setting is kept by the connection, which later requests
        reuse (CONN_MAX_AGE), so it is sent once per connection and value. Inside one (a
        test's), a session SET would be undone by the rollback: SET LOCAL, every request."""
        connection, timeout = self.connection, self.timeout
        if connection.in_atomic_block:
            if timeout:
                raw_cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)", [str(timeout)]
                )
            return
        if getattr(connection, _APPLIED, 0) == timeout:
            return
        raw_cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(timeout)])
        setattr(connection, _APPLIED, timeout)


@receiver(connection_created)
def _new_connection_has_no_timeout(sender, connection, **kwargs) -> None:
    # A new connection starts with the server's default: forget what an old one had.
    setattr(connection, _APPLIED, 0)


def is_query_timeout(exc: BaseException) -> bool:
    """Whether `exc` is a database error raised because the statement was cancelled."""
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) == QUERY_CANCELED


class StatementTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor != "postgresql":
            return self.get_response(request)
        with connection.execute_wrapper(_BoundStatements(connection, statement_timeout_ms())):
            return self.get_response(request)


def within_time(ms: int, run: Callable[[], T], *, using: str = DEFAULT_DB_ALIAS) -> T | None:
    """`run()` with its statements cancelled after `ms` milliseconds, or None if they were.

    For reads whose answer is a nicety worth a bounded wait (an exact count): in a
    savepoint whose statement_timeout is `ms`, set back to what it was once `run` is done
    (a cancelled statement's savepoint is rolled back, which sets it back too). PostgreSQL
    only; elsewhere `run()` as it is.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return run()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        (previous,) = cursor.fetchone()
    try:
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(ms)])
            result = run()
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return result
    except OperationalError as error:
        if is_query_timeout(error):
            return None
        raise
