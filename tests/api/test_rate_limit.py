"""API_RATE_LIMIT per caller, counted in the shared cache: the request over the limit is a 429."""

import json
import logging
import os
import secrets
import time
from collections import Counter
from functools import partial
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from businesses.models import Business
from core.throttling import CACHE_FAILURES
from tests.concurrently import all_at_once
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.rate_windows import start_of_a_fresh_window
from tests.subprocesses import run_python

pytestmark = pytest.mark.django_db

URL = "/phone-numbers"
PERIOD = 60  # "/min"
REDIS_URL = "redis://127.0.0.1:6379/15"


def user_counter_key(user, window: int) -> str:
    """The cache key core.throttling.CallerRateThrottle counts an API key's user under."""
    return f"ratelimit:user:{user.pk}:{PERIOD}:{window}"


def assert_rate_limited(response) -> None:
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/rate-limited"
    assert body["status"] == HTTPStatus.TOO_MANY_REQUESTS
    retry_after = response["Retry-After"]
    assert retry_after.isdigit(), retry_after  # whole seconds
    assert 1 <= int(retry_after) <= PERIOD


@pytest.fixture
def three_per_minute(settings) -> int:
    settings.API_RATE_LIMIT = "3/min"
    return start_of_a_fresh_window()


def fresh_ip() -> str:
    """An address no earlier run has counted (with REDIS_URL set, counts outlive a test)."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def anonymous(ip: str, **headers) -> APIClient:
    return APIClient(REMOTE_ADDR=ip, **headers)


class TestLimit:
    def test_fourth_request_in_the_window_is_a_429_problem_with_retry_after(
        self, staff_client, three_per_minute
    ):
        statuses = [staff_client.get(URL).status_code for _ in range(3)]
        refused = staff_client.get(URL)

        assert statuses == [HTTPStatus.OK] * 3
        assert_rate_limited(refused)

    def test_retry_after_counts_to_the_end_of_the_window(self, staff_client, three_per_minute):
        for _ in range(3):
            staff_client.get(URL)

        before = time.time()
        refused = staff_client.get(URL)

        left_in_window = PERIOD - before % PERIOD
        assert int(refused["Retry-After"]) in {int(left_in_window), int(left_in_window) + 1}

    def test_refused_write_writes_nothing(self, staff_client, three_per_minute, unchanged_db):
        for _ in range(3):
            staff_client.get(URL)

        with unchanged_db():
            refused = staff_client.post("/businesses", {"name": "Acme"}, format="json")

        assert_rate_limited(refused)
        assert not Business.objects.exists()

    def test_requests_under_the_default_limit_pass(self, staff_client, settings):
        assert settings.API_RATE_LIMIT == "300/min"
        start_of_a_fresh_window()

        statuses = {staff_client.get(URL).status_code for _ in range(10)}

        assert statuses == {HTTPStatus.OK}


class TestWhoIsCounted:
    def test_each_caller_has_its_own_count(self, staff_client, member_client, three_per_minute):
        for _ in range(3):
            staff_client.get(URL)
        assert_rate_limited(staff_client.get(URL))

        assert member_client.get(URL).status_code == HTTPStatus.OK

    def test_anonymous_requests_are_counted_per_ip(self, three_per_minute):
        client = anonymous(fresh_ip())
        statuses = [client.get(URL).status_code for _ in range(3)]

        assert statuses == [HTTPStatus.UNAUTHORIZED] * 3
        assert_rate_limited(client.get(URL))
        assert anonymous(fresh_ip()).get(URL).status_code == HTTPStatus.UNAUTHORIZED

    def test_anonymous_count_is_not_the_count_of_a_caller_on_the_same_ip(
        self, staff_client, three_per_minute
    ):
        ip = fresh_ip()
        client = anonymous(ip)
        for _ in range(3):
            client.get(URL)
        assert_rate_limited(client.get(URL))

        assert staff_client.get(URL, REMOTE_ADDR=ip).status_code == HTTPStatus.OK

    def test_requests_with_a_wrong_api_key_are_counted_per_ip(self, three_per_minute):
        """Guessing API keys must be rate limited like any other anonymous request."""
        client = anonymous(fresh_ip(), HTTP_AUTHORIZATION="Bearer guess.wrong-secret")
        statuses = [client.get(URL).status_code for _ in range(3)]

        assert statuses == [HTTPStatus.UNAUTHORIZED] * 3
        assert_rate_limited(client.get(URL))

    def test_a_client_chosen_forwarded_for_does_not_give_a_fresh_count(self, three_per_minute):
        """Behind the proxy every request comes from its address; the client may send its
        own X-Forwarded-For, which the proxy appends the real client address to."""
        proxy, client_ip = fresh_ip(), fresh_ip()
        statuses = [
            anonymous(proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, {client_ip}").get(URL).status_code
            for i in range(4)
        ]

        assert statuses == [HTTPStatus.UNAUTHORIZED] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]


class TestSharedCount:
    def test_count_is_kept_in_the_database_cache_table(self, staff_user, staff_client, settings):
        if os.environ.get("REDIS_URL"):
            pytest.skip("REDIS_URL is set: the configured cache is Redis, not the database")
        assert settings.CACHES["default"]["BACKEND"] == "core.cache.AtomicDatabaseCache"
        assert settings.CACHES["default"]["LOCATION"] == "cache_entries"
        window = start_of_a_fresh_window()

        for _ in range(3):
            assert staff_client.get(URL).status_code == HTTPStatus.OK

        key = user_counter_key(staff_user, window)
        with connection.cursor() as cursor:
            cursor.execute("SELECT cache_key FROM cache_entries")
            stored = [row[0] for row in cursor.fetchall()]
        assert [k for k in stored if k.endswith(key)] == [cache.make_key(key)]
        assert cache.get(key) == 3

    def test_count_in_redis_is_shared_with_another_process(
        self, staff_user, staff_client, settings
    ):
        redis = pytest.importorskip("redis")
        server = redis.Redis.from_url(REDIS_URL)
        try:
            server.ping()
        except redis.exceptions.RedisError:
            pytest.skip("Redis is not reachable at 127.0.0.1:6379")
        server.flushdb()
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
            }
        }
        settings.API_RATE_LIMIT = "5/min"
        try:
            window = start_of_a_fresh_window(margin=15)
            assert staff_client.get(URL).status_code == HTTPStatus.OK

            # Another process (another web worker) runs the real throttle five times for this
            # caller: it sees this process's request, so only four more fit under the limit.
            allowed = spend_in_another_process(staff_user.pk, requests=5)

            assert allowed == [True, True, True, True, False]
            assert cache.get(user_counter_key(staff_user, window)) == 6
            assert_rate_limited(staff_client.get(URL))
        finally:
            server.flushdb()
            server.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_of_one_caller_are_all_counted(settings):
    """Ten requests at once from separate connections (web workers) against a limit of five."""
    settings.API_RATE_LIMIT = "5/min"
    caller = UserFactory(username="burst", is_staff=True)
    clients = [client_for(caller) for _ in range(10)]

    start_of_a_fresh_window(margin=10)
    statuses = all_at_once([partial(status_of_get, c) for c in clients])

    assert Counter(statuses) == {HTTPStatus.OK: 5, HTTPStatus.TOO_MANY_REQUESTS: 5}


def status_of_get(client) -> int:
    return client.get(URL).status_code


SPEND = """
import sys
from types import SimpleNamespace

import django

django.setup()

from django.conf import settings

from core.throttling import CallerRateThrottle

assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache"), settings.CACHES
caller = SimpleNamespace(pk=sys.argv[1], is_authenticated=True)
request = SimpleNamespace(user=caller, META={}, headers={})
throttle = CallerRateThrottle()
print(",".join(str(throttle.allow_request(request, None)) for _ in range(int(sys.argv[2]))))
"""


def spend_in_another_process(user_pk, *, requests: int) -> list[bool]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "REDIS_URL": REDIS_URL,
        "API_RATE_LIMIT": "5/min",
    }
    output = run_python(SPEND, str(user_pk), str(requests), env=env)
    return [value == "True" for value in output.strip().split(",")]


class TestCacheDown:
    """A cache that fails must not take the API down with it: requests pass, unthrottled."""

    def test_api_calls_succeed_and_are_counted_when_redis_is_down(
        self, staff_client, dead_cache, settings
    ):
        settings.API_RATE_LIMIT = "1/min"  # would refuse the second request if it counted
        before = CACHE_FAILURES.count

        listed = [staff_client.get(URL).status_code for _ in range(3)]
        created = staff_client.post("/businesses", {"name": "Acme"}, format="json")

        assert listed == [HTTPStatus.OK] * 3
        assert created.status_code == HTTPStatus.CREATED, created.content
        assert CACHE_FAILURES.count == before + 4

    def test_failed_keys_are_answered_401_not_500(self, dead_cache):
        client = anonymous(fresh_ip(), HTTP_AUTHORIZATION="Bearer guess.wrong-secret")

        assert client.get(URL).status_code == HTTPStatus.UNAUTHORIZED
        assert anonymous(fresh_ip()).get(URL).status_code == HTTPStatus.UNAUTHORIZED

    def test_one_warning_per_interval_not_one_per_request(
        self, staff_client, dead_cache, caplog, monkeypatch
    ):
        monkeypatch.setattr(CACHE_FAILURES, "warn_every", 3600.0)
        CACHE_FAILURES.forget_last_warning()
        with caplog.at_level(logging.WARNING, logger="core.throttling"):
            for _ in range(5):
                assert staff_client.get(URL).status_code == HTTPStatus.OK

        warnings = [r for r in caplog.records if r.name == "core.throttling"]
        assert len(warnings) == 1
        assert warnings[0].levelno == logging.WARNING
        assert "ConnectionError" in warnings[0].getMessage()

        # Once the interval has passed, the next failure warns again with how many it kept quiet.
        monkeypatch.setattr(CACHE_FAILURES, "warn_every", 0.0)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="core.throttling"):
            assert staff_client.get(URL).status_code == HTTPStatus.OK
        (again,) = [r for r in caplog.records if r.name == "core.throttling"]
        assert "4 more" in again.getMessage()

    def test_a_hanging_redis_does_not_stall_requests(
        self, staff_client, settings, hanging_redis_url
    ):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": hanging_redis_url,
                "OPTIONS": settings.REDIS_CACHE_OPTIONS,
            }
        }
        before = CACHE_FAILURES.count

        started = time.monotonic()
        response = staff_client.get(URL)
        elapsed = time.monotonic() - started

        assert response.status_code == HTTPStatus.OK
        assert elapsed < 1.5, f"a hung Redis held the request for {elapsed:.2f} s"
        assert CACHE_FAILURES.count == before + 1

    def test_redis_gives_up_within_a_fraction_of_a_second(self):
        """What REDIS_URL configures: connect and read timeouts well under a second."""
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        env["REDIS_URL"] = "redis://127.0.0.1:6379/9"
        code = (
            "import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.CACHES['default']))"
        )
        configured = json.loads(run_python(code, env=env))

        assert configured["BACKEND"].endswith("RedisCache")
        assert configured["LOCATION"] == "redis://127.0.0.1:6379/9"
        assert 0 < configured["OPTIONS"]["socket_connect_timeout"] < 1
        assert 0 < configured["OPTIONS"]["socket_timeout"] < 1
