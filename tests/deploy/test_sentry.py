"""Errors reach Sentry (a real sentry_sdk client, a fake ingest server) with the request
id and without secrets or personal data: what leaves the process is read byte by byte."""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections.abc import Iterator

import pytest
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test.client import FakePayload, RequestFactory

from accounts.services import api_key_create
from core.sentry import init_sentry, mask_text
from tests.celery_worker import running_worker
from tests.deploy.fake_sentry import FakeSentry, fake_sentry
from tests.factories import UserFactory
from tests.subprocesses import run_python

INGEST_PORT = 8731
LEAD = "+14155550123"
WEBHOOK_SECRET = "whsec_rpzTeYDEVihD1WG+aolZRZjhgg0kwUEens3wv32OUuE="
SESSION_COOKIE = "sessioncookievalue-0123456789"
BODY_MARKER = "body-marker-that-must-stay-home"


def _clear_request_context() -> None:
    try:
        from structlog.contextvars import clear_contextvars
    except ImportError:  # pragma: no cover
        return
    clear_contextvars()


@pytest.fixture
def traces_sample_rate() -> float:
    return 0.0


@pytest.fixture
def sentry(traces_sample_rate) -> Iterator[FakeSentry]:
    """Error reporting on, as SENTRY_DSN turns it on, towards a fake Sentry."""
    with fake_sentry(INGEST_PORT) as ingest:
        assert init_sentry(
            ingest.dsn,
            environment="test",
            traces_sample_rate=traces_sample_rate,
            shutdown_timeout=5,
        )
        try:
            yield ingest
        finally:
            sentry_sdk.get_client().close()
            sentry_sdk.get_global_scope().set_client(None)
            _clear_request_context()


def wsgi_request(
    method: str, path: str, query: str, body: bytes, **headers: str
) -> tuple[int, dict[str, str]]:
    """A request through Django's WSGI handler, as gunicorn makes it: Sentry reads the
    request (URL, headers) at that layer, which the test client leaves out."""
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD=method,
        QUERY_STRING=query,
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": FakePayload(body)},
        **headers,
    )
    answer: dict = {}

    def start_response(status: str, response_headers: list, exc_info=None) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    # As the test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, start_response)
        b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"]


@pytest.mark.urls("tests.deploy.failing_urls")
def test_a_failing_request_is_reported_with_its_request_id_and_nothing_secret(sentry, db):
    user = UserFactory(username="integration-user", email="integration@example.com")
    _, api_key = api_key_create(user=user, name="crm")
    sent_request_id = str(uuid.uuid4())
    body = json.dumps({"to": LEAD, "secret": WEBHOOK_SECRET, "note": BODY_MARKER}).encode()

    status, headers = wsgi_request(
        "POST",
        "/failing",
        "number=%2B14155550123&page=2",
        body,
        HTTP_AUTHORIZATION=f"Bearer {api_key}",
        HTTP_COOKIE=f"sessionid={SESSION_COOKIE}",
        HTTP_X_REQUEST_ID=sent_request_id,
    )
    sentry_sdk.flush(timeout=5)
    event = sentry.wait_for_event()

    assert status == 500
    assert event["tags"]["request_id"] == headers.get("X-Request-ID", sent_request_id)
    assert event["environment"] == "test"
    (error,) = event["exception"]["values"]
    assert error["type"] == "RuntimeError"
    assert error["value"] == "Could not text [phone number]"
    # The caller as an id when the request's context names one, never more.
    assert event["user"] == {"id": str(user.pk)}
    request = event["request"]
    assert request["url"].endswith("/failing")
    assert request["query_string"] == "number=[Filtered]&page=[Filtered]"
    assert "data" not in request
    assert "cookies" not in request
    assert request["method"] == "POST"
    assert request["headers"]["X-Request-Id"] == sent_request_id
    assert request["headers"]["Authorization"] == "[Filtered]"
    assert request["headers"]["Cookie"] == "[Filtered]"
    assert all("vars" not in frame for frame in error["stacktrace"]["frames"])
    sent = sentry.everything_sent()
    secret_part = api_key.partition(".")[2]
    personal = (user.username, user.email)
    for secret in (
        api_key,
        secret_part,
        WEBHOOK_SECRET,
        SESSION_COOKIE,
        BODY_MARKER,
        LEAD,
        *personal,
    ):
        assert secret not in sent
    assert "14155550123" not in sent
    # What happened before the failure (a log line, a breadcrumb) travels masked too.
    breadcrumbs = [crumb.get("message") for crumb in event["breadcrumbs"]["values"]]
    assert "Texting [phone number]" in breadcrumbs
    assert "Signed with whsec_[Filtered]" in breadcrumbs


@pytest.mark.parametrize("traces_sample_rate", [1.0])
def test_performance_traces_are_scrubbed_like_errors(sentry, db):
    status, _ = wsgi_request(
        "GET", "/healthz", "number=%2B14155550123", b"", HTTP_COOKIE=f"sessionid={SESSION_COOKIE}"
    )
    sentry_sdk.flush(timeout=5)

    (trace,) = sentry.items("transaction")
    assert status == 200
    assert trace["transaction"] == "/healthz"
    assert trace["request"]["query_string"] == "number=[Filtered]"
    assert "cookies" not in trace["request"]
    sent = sentry.everything_sent()
    assert "14155550123" not in sent
    assert SESSION_COOKIE not in sent


def test_nothing_is_reported_without_a_dsn():
    assert init_sentry("", environment="test") is False
    assert not sentry_sdk.get_client().is_active()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Authorization: Bearer abcd1234.Zm9vYmFyYmF6cXV4", "Authorization: Bearer [Filtered]"),
        (
            "key AbCd1234.0123456789abcdefghijABCDEFGHIJkl refused",
            "key AbCd1234.[Filtered] refused",
        ),
        (f"secret {WEBHOOK_SECRET} rotated", "secret whsec_[Filtered] rotated"),
        ("+442071838750 and %2B14155550123", "[phone number] and [phone number]"),
        # Ids, times and amounts stay readable.
        ("order 01a220e1-6455 at 2026-11-28T08:40:00Z for 1.00", None),
    ],
)
def test_secrets_and_numbers_are_masked_in_any_text(text, masked):
    assert mask_text(text) == (masked or text)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failing_task_on_a_worker_is_reported_without_its_arguments(sentry):
    with running_worker(
        env={
            "DJANGO_SETTINGS_MODULE": "tests.deploy.sentry_worker_settings",
            "SENTRY_DSN": sentry.dsn,
        }
    ) as worker:
        # By name, so nothing checks the arguments before the worker calls ping(LEAD).
        result = worker.send("core.tasks.ping", LEAD)
        with pytest.raises(TypeError):
            result.get(timeout=30)
        event = sentry.wait_for_event(timeout=20)

    (error,) = event["exception"]["values"]
    assert error["type"] == "TypeError"
    assert event["tags"]["celery_task_id"] == result.id
    assert event["extra"]["celery-job"]["task_name"] == "core.tasks.ping"
    assert LEAD not in sentry.everything_sent()


@pytest.mark.parametrize(
    ("settings_module", "dsn", "environment"),
    [
        ("config.settings.production", "http://public-key@127.0.0.1:8731/1", "production"),
        ("config.settings.local", "http://public-key@127.0.0.1:8731/1", "development"),
        ("config.settings.production", "", None),
        ("config.settings.test", "http://public-key@127.0.0.1:8731/1", None),
    ],
)
def test_the_settings_turn_reporting_on_with_a_dsn_and_name_their_environment(
    tmp_path, settings_module, dsn, environment
):
    """Production and local settings report when SENTRY_DSN is set; tests never do."""
    code = (
        "import django, sentry_sdk; django.setup(); c = sentry_sdk.get_client(); "
        "print(c.options['environment'] if c.is_active() else None)"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "inventory.example.com",
        "SENTRY_DSN": dsn,
    }

    printed = run_python(code, env=env).strip().splitlines()[-1]

    assert printed == str(environment)
