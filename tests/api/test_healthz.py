"""GET /healthz, the liveness probe: no auth, no rate limit, and no dependency touched.

It says whether this process can answer a request, nothing more: a liveness probe
that failed with the database would have every healthy web process restarted during
a database outage. Dependencies are /readyz's business (tests/api/test_readyz.py,
which also shows /healthz answering 200 while the database is down).
"""

from http import HTTPStatus

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
URL = "/healthz"


def test_healthy_is_200_json_without_auth():
    response = Client().get(URL)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


def test_trailing_slash_answers_too():
    assert Client().get(f"{URL}/").status_code == HTTPStatus.OK


def test_response_is_never_cached():
    response = Client().get(URL)

    assert "no-cache" in response["Cache-Control"]


def test_bad_authorization_header_is_ignored():
    response = Client().get(URL, HTTP_AUTHORIZATION="Bearer not.a-key")

    assert response.status_code == HTTPStatus.OK


def test_touches_neither_the_database_nor_the_cache(dead_cache, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get(URL)

    assert response.status_code == HTTPStatus.OK


def test_healthz_is_not_rate_limited(settings, staff_client):
    settings.API_RATE_LIMIT = "1/min"

    anonymous = [Client().get(URL).status_code for _ in range(5)]
    authenticated = [staff_client.get(URL).status_code for _ in range(5)]

    assert anonymous == authenticated == [HTTPStatus.OK] * 5
