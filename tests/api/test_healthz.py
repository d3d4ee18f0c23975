"""GET /healthz for load balancers: no auth, no rate limit, 503 when the database is down."""

from http import HTTPStatus

import pytest
from django.db import OperationalError, connection
from django.test import Client

pytestmark = pytest.mark.django_db
URL = "/healthz"


def test_healthy_is_200_json_without_auth():
    response = Client().get(URL)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


def test_response_is_never_cached():
    response = Client().get(URL)

    assert "no-cache" in response["Cache-Control"]


def test_bad_authorization_header_is_ignored():
    response = Client().get(URL, HTTP_AUTHORIZATION="Bearer not.a-key")

    assert response.status_code == HTTPStatus.OK


def test_database_outage_is_a_503_problem(monkeypatch):
    # A real outage cannot be produced inside the test database (the test run holds its
    # connection and transaction), so the database's cursor fails for this one request.
    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", down)
        response = Client().get(URL)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/service-unavailable"
    assert body["status"] == HTTPStatus.SERVICE_UNAVAILABLE
    assert body["instance"] == URL
    assert "no-cache" in response["Cache-Control"]
    # The patch was for that request only: the database answers again.
    assert Client().get(URL).status_code == HTTPStatus.OK


def test_healthz_is_not_rate_limited(settings, staff_client):
    settings.API_RATE_LIMIT = "1/min"

    anonymous = [Client().get(URL).status_code for _ in range(5)]
    authenticated = [staff_client.get(URL).status_code for _ in range(5)]

    assert anonymous == authenticated == [HTTPStatus.OK] * 5
