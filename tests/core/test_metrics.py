"""/metrics: who may read it, what it says about requests, and what a scrape costs."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import PhoneNumberFactory
from tests.metrics import sample, samples, value

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789abcdef0123456789"
OUTSIDER = "203.0.113.7"


def scrape(**extra) -> object:
    return Client(**extra).get("/metrics")


def assert_hidden(response) -> None:
    """Answered exactly as a path that does not exist (save the path it names)."""
    unknown = Client().get("/no-such-page")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == unknown["Content-Type"]
    assert response.content.replace(b"/metrics", b"/no-such-page") == unknown.content


class TestAccess:
    def test_a_scrape_from_the_loopback_address_gets_the_exposition(self):
        response = scrape()  # the test client connects from 127.0.0.1
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"].startswith("text/plain")
        assert "inventory_http_request_duration_seconds" in response.content.decode()

    def test_ipv6_loopback_and_an_ipv4_client_on_a_dual_stack_socket_are_allowed(self):
        assert scrape(REMOTE_ADDR="::1").status_code == HTTPStatus.OK
        assert scrape(REMOTE_ADDR="::ffff:127.0.0.1").status_code == HTTPStatus.OK

    def test_an_address_outside_the_allowed_networks_gets_a_404_like_an_unknown_path(self):
        assert_hidden(scrape(REMOTE_ADDR=OUTSIDER))

    def test_the_allowed_networks_come_from_the_settings(self, settings):
        settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8", "2001:db8::/32"]
        assert scrape(REMOTE_ADDR="10.20.30.40").status_code == HTTPStatus.OK
        assert scrape(REMOTE_ADDR="2001:db8::5").status_code == HTTPStatus.OK
        assert_hidden(scrape(REMOTE_ADDR="127.0.0.1"))

    def test_the_right_token_opens_it_from_any_address(self, settings):
        settings.METRICS_TOKEN = TOKEN
        response = scrape(REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == HTTPStatus.OK

    @pytest.mark.parametrize(
        "authorization",
        [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer ", f"Basic {TOKEN}", TOKEN, None],
    )
    def test_a_wrong_or_missing_token_is_a_404(self, settings, authorization):
        settings.METRICS_TOKEN = TOKEN
        extra = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
        assert_hidden(scrape(REMOTE_ADDR=OUTSIDER, **extra))

    def test_without_a_token_configured_no_token_opens_it(self, settings):
        settings.METRICS_TOKEN = ""
        assert_hidden(scrape(REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION="Bearer "))
        assert_hidden(scrape(REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION="Bearer anything"))

    def test_a_request_forwarded_by_an_undeclared_proxy_is_not_judged_by_its_address(
        self, settings
    ):
        # NUM_PROXIES=0 yet X-Forwarded-For: a proxy on this host would make every
        # visitor look like 127.0.0.1. The token still works.
        settings.METRICS_TOKEN = TOKEN
        assert_hidden(scrape(HTTP_X_FORWARDED_FOR=OUTSIDER))
        forwarded = scrape(HTTP_X_FORWARDED_FOR=OUTSIDER, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert forwarded.status_code == HTTPStatus.OK

    def test_behind_declared_proxies_the_forwarded_client_address_is_judged(self, settings):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
        proxy = "192.0.2.1"
        assert scrape(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 200
        assert_hidden(scrape(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=OUTSIDER))

    def test_only_get_and_head_are_answered(self):
        assert Client().head("/metrics").status_code == HTTPStatus.OK
        assert Client().post("/metrics").status_code == HTTPStatus.NOT_FOUND


class TestExposition:
    def test_it_parses_and_names_the_apps_metrics(self):
        parsed = samples(scrape().content.decode())
        names = {name for name, _ in parsed}
        for expected in (
            "inventory_http_request_duration_seconds_bucket",
            "inventory_webhook_deliveries_due",
            "inventory_webhook_delivery_oldest_due_seconds",
            "process_cpu_seconds_total",
        ):
            assert expected in names

    def test_prometheus_asking_for_openmetrics_gets_it(self):
        response = Client().get("/metrics", HTTP_ACCEPT="application/openmetrics-text")
        assert response["Content-Type"].startswith("application/openmetrics-text")
        assert response.content.decode().rstrip().endswith("# EOF")

    def test_it_is_never_cached_and_not_rate_limited(self, settings):
        settings.API_RATE_LIMIT = "1/min"
        responses = [scrape() for _ in range(3)]
        assert [r.status_code for r in responses] == [HTTPStatus.OK] * 3
        assert "no-store" in responses[0]["Cache-Control"]
        assert "max-age=0" in responses[0]["Cache-Control"]

    def test_the_trailing_slash_form_answers_too(self):
        assert Client().get("/metrics/").status_code == HTTPStatus.OK

    def test_a_scrape_costs_one_query_and_sets_no_cookie(self, django_assert_num_queries):
        with django_assert_num_queries(1):  # the delivery queue's one aggregate
            response = scrape()
        assert response.status_code == HTTPStatus.OK
        assert not response.cookies


class TestRequestMetrics:
    def test_a_tenant_request_is_timed_under_its_route_template_and_status(
        self, member_client, business
    ):
        number = PhoneNumberFactory(business=business)
        labels = {"method": "GET", "route": "phone-numbers/<uuid:id>", "status": "200"}
        count = "inventory_http_request_duration_seconds_count"
        before = value(count, **labels)
        fast = value("inventory_http_request_duration_seconds_bucket", **labels, le="10.0")

        response = member_client.get(f"/phone-numbers/{number.pk}")

        assert response.status_code == HTTPStatus.OK
        assert value(count, **labels) == before + 1
        assert value("inventory_http_request_duration_seconds_bucket", **labels, le="10.0") == (
            fast + 1
        )
        missing = {**labels, "status": "404"}
        before_missing = value(count, **missing)
        member_client.get("/phone-numbers/0197a1d2-0000-7000-8000-000000000000")
        assert value(count, **missing) == before_missing + 1

    def test_a_path_no_route_matches_is_counted_under_one_label(self, client):
        labels = {"method": "GET", "route": "<unmatched>", "status": "404"}
        before = value("inventory_http_request_duration_seconds_count", **labels)
        client.get("/wp-login.php")
        client.get("/.env")
        assert value("inventory_http_request_duration_seconds_count", **labels) == before + 2

    def test_an_invented_method_is_counted_as_other(self, client):
        labels = {"method": "other", "route": "healthz"}
        before = value("inventory_http_request_db_queries_count", **labels)
        client.generic("BREW", "/healthz")
        assert value("inventory_http_request_db_queries_count", **labels) == before + 1

    def test_the_queries_a_request_ran_are_observed(self, member_client, business):
        PhoneNumberFactory.create_batch(3, business=business)
        labels = {"method": "GET", "route": "phone-numbers"}
        count, total = (
            value("inventory_http_request_db_queries_count", **labels),
            value("inventory_http_request_db_queries_sum", **labels),
        )

        with CaptureQueriesContext(connection) as queries:
            response = member_client.get("/phone-numbers")

        assert response.status_code == HTTPStatus.OK
        assert len(queries) > 0
        assert value("inventory_http_request_db_queries_count", **labels) == count + 1
        assert value("inventory_http_request_db_queries_sum", **labels) == total + len(queries)

    def test_the_scraped_exposition_shows_the_request_histograms(self, member_client):
        member_client.get("/phone-numbers")
        parsed = samples(scrape().content.decode())
        seen = sample(
            parsed,
            "inventory_http_request_duration_seconds_count",
            method="GET",
            route="phone-numbers",
            status="200",
        )
        assert seen is not None and seen >= 1
