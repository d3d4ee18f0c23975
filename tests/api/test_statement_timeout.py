"""Every web request's SQL is bounded by DATABASE_STATEMENT_TIMEOUT_MS on PostgreSQL; a
statement that runs past it answers 503 /problems/query-timeout, never a 500."""

from http import HTTPStatus

import pytest
from django.db import connection, transaction
from django.urls import include, path
from rest_framework.response import Response

from core.api import ApiView
from phonenumbers_app.models import PhoneNumber
from tests.conftest import client_for
from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


class SlowApi(ApiView):
    """A request whose one query takes a second: the bound must stop it."""

    def get(self, request):
        # A savepoint, so the test's own transaction stays usable after the cancel.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")
        return Response({})


urlpatterns = [path("slow", SlowApi.as_view()), path("", include("config.urls"))]


def show_statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.mark.urls(__name__)
def test_a_query_past_the_bound_answers_503_query_timeout(staff_client, settings):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 50

    response = staff_client.get("/slow")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/query-timeout"
    assert body["instance"] == "/slow"


@pytest.mark.urls(__name__)
def test_the_problem_type_is_documented(client):
    response = client.get("/problems/query-timeout")

    assert response.status_code == HTTPStatus.OK
    assert b"The request took too long" in response.content


def test_a_request_runs_under_the_configured_bound(staff_client, settings):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 4000
    PhoneNumberFactory()

    response = staff_client.get("/phone-numbers")

    assert response.status_code == HTTPStatus.OK
    assert show_statement_timeout() == "4s"


def test_work_outside_requests_is_not_bounded():
    # Migrations, imports and commands use connections no request has bounded.
    assert show_statement_timeout() == "0"
    assert PhoneNumber.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_connection_keeps_the_bound_until_it_changes(settings):
    # As in production (no test transaction): set once per connection and value.
    client = client_for(UserFactory(username="timeout-staff", is_staff=True))
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 3000
    assert client.get("/phone-numbers").status_code == HTTPStatus.OK
    assert show_statement_timeout() == "3s"

    settings.DATABASE_STATEMENT_TIMEOUT_MS = 0
    assert client.get("/phone-numbers").status_code == HTTPStatus.OK
    assert show_statement_timeout() == "0"


def test_a_request_that_runs_no_query_sends_no_bound(client, settings, django_assert_num_queries):
    # /healthz is a liveness probe: it must not touch (or wait for) the database.
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 5000

    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == HTTPStatus.OK
