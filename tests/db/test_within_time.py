"""core.db.timeouts.within_time: a read that may give up, leaving the request's bound as it was."""

import pytest
from django.db import connection

from core.db.timeouts import within_time

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's"
    ),
]


def _timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        return cursor.fetchone()[0]


def _sleep(seconds: float) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_sleep(%s)", [seconds])
        return cursor.fetchone()[0]


def test_a_read_within_the_time_answers_and_the_bound_is_set_back():
    before = _timeout()

    assert within_time(500, lambda: _sleep(0)) == 1
    assert _timeout() == before


def test_a_read_past_the_time_is_cancelled_and_nothing_else_is():
    before = _timeout()

    assert within_time(20, lambda: _sleep(1)) is None
    assert _timeout() == before
    assert _sleep(0) == 1  # the transaction goes on
