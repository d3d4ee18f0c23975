"""Every request's id and its one log line (core/request_id.py, core/request_logs.py).

Lines are read as production writes them: each record formatted by the production JSON
formatter (config/logs.py) and parsed back.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator

import pytest
from django.urls import resolve
from rest_framework.test import APIClient

from accounts.models import UserAPIKey
from businesses.models import Membership
from config.logs import production_json_formatter
from core.request_id import current_request_id
from tests.factories import BusinessFactory, UserFactory

pytestmark = pytest.mark.django_db

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
PASSWORD = "a-staff-password-never-logged-7"


class JsonLines(logging.Handler):
    """Every record as the production formatter writes it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(production_json_formatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def events(self, name: str | None = None) -> list[dict]:
        parsed = [json.loads(line) for line in self.lines]
        return [line for line in parsed if name is None or line["event"] == name]

    def request_line(self) -> dict:
        """The one line the request wrote (request_finished, or request_failed)."""
        lines = [e for e in self.events() if e["event"] in ("request_finished", "request_failed")]
        assert len(lines) == 1, lines
        return lines[0]

    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def logs() -> Iterator[JsonLines]:
    handler = JsonLines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


class TestRequestId:
    def test_a_request_without_one_gets_a_new_id_in_its_response_and_its_line(
        self, member_client, logs
    ):
        response = member_client.get("/phone-numbers")

        request_id = response["X-Request-ID"]
        assert UUID.fullmatch(request_id)
        assert logs.request_line()["request_id"] == request_id

    def test_a_sane_id_from_upstream_is_kept(self, member_client, logs):
        response = member_client.get("/phone-numbers", HTTP_X_REQUEST_ID="lb-7f3a:9.2_x")

        assert response["X-Request-ID"] == "lb-7f3a:9.2_x"
        assert logs.request_line()["request_id"] == "lb-7f3a:9.2_x"

    @pytest.mark.parametrize(
        "sent",
        [
            "a" * 129,
            "two words",
            'x", "user_id": "forged',
            "line\nbreak",
            "é",
            "",
        ],
    )
    def test_any_other_value_is_replaced_by_a_new_id(self, member_client, logs, sent):
        response = member_client.get("/phone-numbers", HTTP_X_REQUEST_ID=sent)

        assert UUID.fullmatch(response["X-Request-ID"])
        assert logs.request_line()["request_id"] == response["X-Request-ID"]
        if sent:
            assert sent not in logs.text()

    def test_every_kind_of_response_returns_it(self, client, member_client, admin_client):
        answers = {
            "API 2xx": member_client.get("/phone-numbers"),
            "API 401 problem": APIClient().get("/phone-numbers"),
            "API 404 problem": member_client.get(f"/phone-numbers/{uuid.uuid4()}"),
            "page": admin_client.get("/ops/"),
            "admin": admin_client.get("/admin/"),
            "login redirect": client.get("/ops/"),
            "unknown path": client.get("/no-such-page"),
            "liveness": client.get("/healthz"),
        }

        assert {
            name: UUID.fullmatch(r.get("X-Request-ID", "")) is not None
            for name, r in answers.items()
        } == dict.fromkeys(answers, True)
        assert answers["API 401 problem"]["Content-Type"].startswith("application/problem+json")

    @pytest.mark.urls("tests.core.request_logs_urls")
    def test_a_page_that_fails_answers_500_with_it_and_logs_one_failure_line(self, client, logs):
        client.raise_request_exception = False

        response = client.get("/test/page-that-fails?token=abc", HTTP_X_REQUEST_ID="trace-500")

        assert response.status_code == 500
        assert response["X-Request-ID"] == "trace-500"
        line = logs.request_line()
        assert line["event"] == "request_failed"
        assert (line["status"], line["route"], line["path"]) == (
            500,
            "test/page-that-fails",
            "/test/page-that-fails",
        )
        assert line["level"] == "error"
        assert "RuntimeError: a page failed" in line["exception"]

    @pytest.mark.urls("tests.core.request_logs_urls")
    def test_an_api_view_that_fails_answers_a_500_problem_with_it(self, logs):
        response = APIClient().get("/test/api-that-fails", HTTP_X_REQUEST_ID="trace-api")

        assert response.status_code == 500
        assert response["Content-Type"].startswith("application/problem+json")
        assert response["X-Request-ID"] == "trace-api"
        line = logs.request_line()
        assert (line["event"], line["status"], line["level"]) == ("request_finished", 500, "error")
        # The traceback's own line belongs to the same request.
        failure = logs.events("Unhandled error in API view")
        assert failure[0]["request_id"] == "trace-api"

    @pytest.mark.urls("tests.core.request_logs_urls")
    def test_lines_logged_while_a_tenant_is_served_name_the_caller(
        self, member_client, member, business, logs
    ):
        response = member_client.get("/test/api-that-fails")

        assert response.status_code == 500
        (failure,) = logs.events("Unhandled error in API view")
        # Bound when the key is authenticated: the view's own lines (and an error sent to
        # Sentry) say whose request failed, not only the request's last line.
        assert (failure["user_id"], failure["business_id"]) == (str(member.pk), str(business.pk))

    @pytest.mark.urls("tests.core.request_logs_urls")
    def test_code_serving_the_request_reads_it_and_nothing_outside_a_request(self, client):
        seen = client.get("/test/request-id", HTTP_X_REQUEST_ID="trace-view").json()

        assert seen == {"requestId": "trace-view"}
        assert current_request_id() is None


class TestTheRequestLine:
    def test_a_tenant_request_names_its_user_business_route_and_time(
        self, member_client, member, business, logs
    ):
        response = member_client.get("/phone-numbers?pageSize=5&search=secret-search")

        assert response.status_code == 200
        line = logs.request_line()
        assert line["event"] == "request_finished"
        assert line["level"] == "info"
        assert line["method"] == "GET"
        assert line["route"] == resolve("/phone-numbers").route
        assert line["path"] == "/phone-numbers"
        assert "secret-search" not in logs.text()
        assert line["status"] == 200
        assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
        assert line["user_id"] == str(member.pk)
        assert line["business_id"] == str(business.pk)
        assert line["ip"] == "127.0.0.1"
        assert line["logger"] == "django_structlog.middlewares.request"
        assert line["timestamp"].endswith("Z")

    def test_a_staff_request_has_no_business_and_a_4xx_is_a_warning(
        self, staff_client, staff_user, logs
    ):
        missing = uuid.uuid4()

        response = staff_client.get(f"/phone-numbers/{missing}")

        assert response.status_code == 404
        line = logs.request_line()
        assert (line["status"], line["level"]) == (404, "warning")
        assert line["user_id"] == str(staff_user.pk)
        assert line["business_id"] is None
        # The route is the pattern, never the id: one value for every number.
        assert str(missing) not in line["route"]
        assert line["route"] == resolve(f"/phone-numbers/{missing}").route

    def test_a_tenant_of_several_businesses_has_no_single_business(
        self, member_client, member, other_business, logs
    ):
        Membership.objects.create(user=member, business=other_business)

        member_client.get("/phone-numbers")

        assert logs.request_line()["business_id"] is None

    def test_a_staff_page_names_the_operator(self, admin_client, admin_user, logs):
        admin_client.get("/ops/numbers/")

        line = logs.request_line()
        assert (line["route"], line["status"], line["user_id"]) == (
            "ops/numbers/",
            200,
            str(admin_user.pk),
        )

    def test_an_anonymous_request_has_no_user(self, client, logs):
        client.get("/healthz")

        line = logs.request_line()
        assert (line["user_id"], line["business_id"], line["status"]) == (None, None, 200)

    def test_the_address_is_the_one_the_rate_limit_uses(self, client, settings, logs):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}

        client.get("/healthz", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.9")

        assert logs.request_line()["ip"] == "10.0.0.9"

    def test_the_start_is_a_debug_line_without_query_string_or_headers(self, client, logs):
        client.get("/healthz?password=hunter2222", HTTP_USER_AGENT="agent/1.0")

        [started] = logs.events("request_started")
        assert started["level"] == "debug"
        assert started["request"] == "GET /healthz"
        assert "hunter2222" not in logs.text()
        assert "agent/1.0" not in logs.text()


class TestNoSecretsInTheLines:
    def test_an_api_key_used_by_a_caller_is_not_logged(self, member, logs):
        from accounts.services import api_key_create

        _, key = api_key_create(user=member, name="caller")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

        client.get("/phone-numbers")
        APIClient().get("/phone-numbers", HTTP_AUTHORIZATION=f"Bearer {key}x")

        assert key not in logs.text()
        assert key.partition(".")[2] not in logs.text()

    def test_creating_an_api_key_in_the_admin_logs_no_key(self, client, logs):
        staff = UserFactory(username="keeper", is_staff=True, is_superuser=True)
        client.force_login(staff)

        response = client.post(
            "/admin/accounts/userapikey/add/",
            {"name": "integration", "user": staff.pk},
            follow=True,
        )

        assert response.status_code == 200
        key_prefix = UserAPIKey.objects.get(name="integration").prefix
        shown = re.search(rf"{key_prefix}\.[A-Za-z0-9]{{32}}", response.content.decode())
        assert shown, "the admin shows the new key once"
        assert shown.group(0) not in logs.text()
        assert logs.events("request_finished")

    def test_a_login_logs_no_password(self, client, logs):
        user = UserFactory(username="operator", is_staff=True)
        user.set_password(PASSWORD)
        user.save()

        client.post("/admin/login/", {"username": "operator", "password": PASSWORD + "x"})
        client.post("/admin/login/", {"username": "operator", "password": PASSWORD})

        assert logs.events("request_finished")
        assert PASSWORD not in logs.text()

    def test_creating_a_webhook_endpoint_logs_no_secret(self, member_client, logs):
        response = member_client.post(
            "/webhook-endpoints", {"url": "https://hooks.example.com/in"}, format="json"
        )

        assert response.status_code == 201
        secret = response.json()["secret"]
        assert secret.startswith("whsec_")
        assert secret not in logs.text()
        assert secret[len("whsec_") :] not in logs.text()


def test_a_business_of_its_own_is_read_with_the_key_in_one_statement(
    member, business, django_assert_num_queries
):
    """The request line's business costs the API no query of its own."""
    from accounts.authentication import BearerAPIKeyAuthentication
    from accounts.services import api_key_create

    _, key = api_key_create(user=member, name="counted")
    other = BusinessFactory()
    with django_assert_num_queries(1):
        user = BearerAPIKeyAuthentication()._authenticate_key(key)
    assert user.api_key_business_id == business.pk
    assert other.pk != business.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.core.request_logs_urls")
def test_a_task_sent_by_a_request_logs_its_run_with_the_request_id(client):
    from tests.celery_worker import running_worker
    from tests.core import request_logs_urls

    with running_worker(env={"LOG_FORMAT": "json"}) as worker:
        request_logs_urls.WORKER.update(broker_url=worker.broker_url, queue=worker.queue)
        response = client.get("/test/send-ping", HTTP_X_REQUEST_ID="req-to-task-1")
        task_id = response.json()["taskId"]
        assert celery_app_result(task_id).get(timeout=30) == "pong"

    lines = [json.loads(line) for line in worker.lines if line.startswith("{")]
    succeeded = [line for line in lines if line["event"] == "task_succeeded"]
    assert len(succeeded) == 1, worker.output()
    [done] = succeeded
    assert done["request_id"] == "req-to-task-1"
    assert done["task_id"] == task_id
    assert done["task"] == "core.tasks.ping"
    assert done["level"] == "info"
    assert isinstance(done["duration_ms"], int)
    # The worker's own lines (Celery's, stdlib) come out as JSON too.
    assert any(line["logger"].startswith("celery") for line in lines), worker.output()


def celery_app_result(task_id: str):
    from celery.result import AsyncResult

    return AsyncResult(task_id)
