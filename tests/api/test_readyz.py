"""GET /readyz, the readiness probe: 200 listing each dependency, 503 naming the one down.

Real dependencies throughout: a Redis address where nothing listens (down), a socket
that accepts and never answers (hung), and, for the database, a separate process
whose DATABASE_URL points where no database can answer (the test run's own database
connection cannot be taken down without taking the test down with it).
"""

import json
import os
import time
from http import HTTPStatus

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from core.throttling import CACHE_FAILURES
from tests.subprocesses import run_python

pytestmark = pytest.mark.django_db

URL = "/readyz"
LIVE_REDIS_URL = "redis://127.0.0.1:6379/9"


def redis_cache(url: str, options: dict) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": options,
        }
    }


def assert_not_ready(response, *, down: set[str], up: set[str]) -> dict:
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Content-Type"] == "application/problem+json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["type"] == "/problems/service-unavailable"
    assert body["status"] == HTTPStatus.SERVICE_UNAVAILABLE
    assert body["instance"] == URL
    assert body["checks"] == {**dict.fromkeys(down, "down"), **dict.fromkeys(up, "ok")}
    for name in down:
        assert name in body["detail"]
    return body


class TestReady:
    def test_everything_up_is_200_listing_each_dependency(self):
        response = Client().get(URL)

        assert response.status_code == HTTPStatus.OK, response.content
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert body["status"] == "ok"
        assert body["checks"] == {"database": "ok", "cache": "ok"}
        assert body["rateLimitCacheFailures"] == CACHE_FAILURES.count

    def test_with_a_live_redis_cache(self, settings):
        redis = pytest.importorskip("redis")
        try:
            redis.Redis.from_url(LIVE_REDIS_URL).ping()
        except redis.exceptions.RedisError:
            pytest.skip("Redis is not reachable at 127.0.0.1:6379")
        settings.CACHES = redis_cache(LIVE_REDIS_URL, settings.REDIS_CACHE_OPTIONS)

        response = Client().get(URL)

        assert response.status_code == HTTPStatus.OK, response.content
        assert response.json()["checks"] == {"database": "ok", "cache": "ok"}

    def test_no_auth_a_bad_key_ignored_never_cached_and_not_rate_limited(
        self, settings, staff_client
    ):
        settings.API_RATE_LIMIT = "1/min"

        statuses = [Client(HTTP_AUTHORIZATION="Bearer not.a-key").get(URL).status_code]
        statuses += [staff_client.get(URL).status_code for _ in range(3)]

        assert statuses == [HTTPStatus.OK] * 4
        assert "no-cache" in Client().get(URL)["Cache-Control"]

    def test_trailing_slash_answers_too(self):
        assert Client().get(f"{URL}/").status_code == HTTPStatus.OK


class TestCacheDown:
    def test_dead_redis_is_a_503_naming_the_cache_while_the_api_still_answers(
        self, dead_cache, staff_client, business
    ):
        before = CACHE_FAILURES.count

        not_ready = Client().get(URL)
        listed = staff_client.get("/phone-numbers")
        created = staff_client.post(
            "/phone-numbers",
            {"name": "Sales line", "number": "(415) 555-2671", "businessId": str(business.id)},
            format="json",
        )

        assert_not_ready(not_ready, down={"cache"}, up={"database"})
        assert listed.status_code == HTTPStatus.OK, listed.content
        assert created.status_code == HTTPStatus.OK, created.content
        assert CACHE_FAILURES.count == before + 2
        # The count /readyz shows is this process's.
        assert Client().get(URL).json()["rateLimitCacheFailures"] == before + 2

    def test_a_hung_cache_is_reported_within_the_deadline(self, settings, hanging_redis_url):
        # A read timeout far beyond the deadline: only the readiness deadline can answer in time.
        settings.CACHES = redis_cache(
            hanging_redis_url, {"socket_connect_timeout": 30, "socket_timeout": 30}
        )
        settings.READINESS_TIMEOUT_SECONDS = 0.5

        started = time.monotonic()
        response = Client().get(URL)
        elapsed = time.monotonic() - started

        assert_not_ready(response, down={"cache"}, up={"database"})
        assert elapsed < 1.5, f"/readyz took {elapsed:.2f} s"


PROBE = """
import json

import django

django.setup()

from django.test import Client

client = Client()
answers = {}
for path in ("/healthz", "/readyz"):
    response = client.get(path)
    answers[path] = [response.status_code, response.json()]
print(json.dumps(answers))
"""


def _redis_is_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(LIVE_REDIS_URL, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


@pytest.mark.parametrize(
    ("database_url", "with_redis"),
    [
        # Nothing listens on port 1: the connection is refused. Without REDIS_URL the cache
        # is a table in that database, so it is down too.
        ("postgres://postgres@127.0.0.1:1/nowhere", False),
        # A file SQLite cannot open: its directory does not exist.
        ("sqlite:////nonexistent-directory/db.sqlite3", False),
        # The database down, the Redis cache up: only the database is named.
        ("postgres://postgres@127.0.0.1:1/nowhere", True),
    ],
    ids=["postgres-down", "sqlite-down", "postgres-down-redis-up"],
)
def test_database_down_is_a_503_naming_it_while_healthz_stays_200(database_url, with_redis):
    if with_redis and not _redis_is_up():
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="testserver",
    )
    if with_redis:
        env["REDIS_URL"] = LIVE_REDIS_URL

    output = run_python(PROBE, env=env)

    answers = json.loads(output.strip().splitlines()[-1])
    assert answers["/healthz"] == [HTTPStatus.OK, {"status": "ok"}]
    status, body = answers["/readyz"]
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert body["type"] == "/problems/service-unavailable"
    expected = {"database": "down", "cache": "ok" if with_redis else "down"}
    assert body["checks"] == expected
    assert "database" in body["detail"]


PRODUCTION_REDIRECTS = """
import json

import django

django.setup()

from django.test import Client

client = Client()
print(json.dumps({path: client.get(path).status_code for path in %r}))
"""


def test_probes_are_exempt_from_the_https_redirect_in_production(tmp_path):
    """Load balancers probe the instance over plain HTTP: a redirect would fail the probe."""
    paths = ["/healthz", "/healthz/", "/readyz", "/readyz/", "/phone-numbers", "/healthzz"]
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="production-like-" + "x" * 50,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOWED_HOSTS="testserver",
        DEBUG="0",
    )
    env.pop("SECURE_SSL_REDIRECT", None)

    output = run_python(PRODUCTION_REDIRECTS % (paths,), env=env)

    statuses = json.loads(output.strip().splitlines()[-1])
    assert statuses["/healthz"] == statuses["/healthz/"] == HTTPStatus.OK
    # Not redirected: answered by the view (503 here, this database has no cache table).
    assert statuses["/readyz"] not in {HTTPStatus.MOVED_PERMANENTLY, HTTPStatus.FOUND}
    assert statuses["/readyz/"] == statuses["/readyz"]
    # Everything else still goes to HTTPS.
    assert statuses["/phone-numbers"] == HTTPStatus.MOVED_PERMANENTLY
    assert statuses["/healthzz"] == HTTPStatus.MOVED_PERMANENTLY


def test_probes_are_not_operations_of_the_api_schema():
    """Like /healthz, /readyz is for infrastructure, not integrations: README, not OpenAPI."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    assert not [path for path in paths if path.rstrip("/") in {"/healthz", "/readyz"}]
