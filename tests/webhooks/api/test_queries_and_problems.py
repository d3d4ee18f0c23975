"""Query counts that do not grow with the rows, and the problems every operation documents."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.rate_windows import start_of_a_fresh_window
from webhooks.models import WebhookAttempt
from webhooks.services import endpoint_create, endpoint_send_test

pytestmark = pytest.mark.django_db

URL = "/webhook-endpoints"
MISSING = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def queries(client, path: str) -> int:
    """Queries of the answer itself: not the key's look-up nor the rate limit's counter
    (in the database cache in tests), which every request makes alike."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == HTTPStatus.OK, response.content
    shared = ("cache_entries", "accounts_userapikey", "SAVEPOINT")
    return len([q for q in captured if not any(s in q["sql"] for s in shared)])


class TestQueryCounts:
    def test_the_list_reads_as_many_queries_for_six_endpoints_as_for_two(
        self, member_client, member, business
    ):
        for i in range(2):
            endpoint_create(acting_user=member, business=business, url=f"https://{i}.ex.com")
        two = queries(member_client, f"{URL}?includeCount=true")
        for i in range(4):
            endpoint_create(acting_user=member, business=business, url=f"https://x{i}.ex.com")

        assert queries(member_client, f"{URL}?includeCount=true") == two == 2  # page, count

    def test_the_deliveries_read_as_many_queries_for_six_as_for_two(
        self, member_client, member, endpoint
    ):
        for _ in range(2):
            endpoint_send_test(endpoint=endpoint, acting_user=member)
        path = f"{URL}/{endpoint.pk}/deliveries?includeCount=true"
        two = queries(member_client, path)
        for _ in range(4):
            endpoint_send_test(endpoint=endpoint, acting_user=member)

        assert queries(member_client, path) == two == 3  # endpoint, page, count

    def test_a_delivery_reads_as_many_queries_with_five_attempts_as_with_one(
        self, member_client, member, endpoint
    ):
        delivery = endpoint_send_test(endpoint=endpoint, acting_user=member)
        WebhookAttempt.objects.create(delivery=delivery, status_code=500)
        path = f"{URL}/{endpoint.pk}/deliveries/{delivery.pk}"
        one = queries(member_client, path)
        for _ in range(4):
            WebhookAttempt.objects.create(delivery=delivery, attempted_at=timezone.now())

        assert queries(member_client, path) == one == 3  # endpoint, delivery, attempts

    def test_an_endpoint_is_read_in_one_query(self, member_client, endpoint):
        assert queries(member_client, f"{URL}/{endpoint.pk}") == 1


# Every operation, with a body it accepts ({id} and {deliveryId} filled in below).
EVERY_OPERATION = [
    ("get", URL, None),
    ("post", URL, {"url": "https://h.example.com"}),
    ("get", URL + "/{id}", None),
    ("patch", URL + "/{id}", {"description": "x"}),
    ("delete", URL + "/{id}", None),
    ("post", URL + "/{id}/rotate-secret", {}),
    ("post", URL + "/{id}/test", {}),
    ("get", URL + "/{id}/deliveries", None),
    ("get", URL + "/{id}/deliveries/{deliveryId}", None),
    ("post", URL + "/{id}/deliveries/{deliveryId}/retry", None),
]


@pytest.fixture
def delivery(endpoint, member):
    return endpoint_send_test(endpoint=endpoint, acting_user=member)


def _url(path: str, delivery, id=None) -> str:
    return path.replace("{id}", str(id or delivery.endpoint_id)).replace(
        "{deliveryId}", str(delivery.pk)
    )


def _send(client, method: str, url: str, body, **headers):
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, body, format="json", **headers)


# operationId -> (method, path, success status, its component).
OPERATIONS = {
    "listWebhookEndpoints": ("get", URL, 200, "WebhookEndpointPage"),
    "createWebhookEndpoint": ("post", URL, 201, "WebhookEndpointWithSecret"),
    "getWebhookEndpoint": ("get", URL + "/{id}", 200, "WebhookEndpoint"),
    "updateWebhookEndpoint": ("patch", URL + "/{id}", 200, "WebhookEndpoint"),
    "deleteWebhookEndpoint": ("delete", URL + "/{id}", 204, None),
    "rotateWebhookEndpointSecret": (
        "post",
        URL + "/{id}/rotate-secret",
        200,
        "WebhookEndpointWithSecret",
    ),
    "testWebhookEndpoint": ("post", URL + "/{id}/test", 202, "WebhookDelivery"),
    "listWebhookDeliveries": ("get", URL + "/{id}/deliveries", 200, "WebhookDeliveryPage"),
    "getWebhookDelivery": (
        "get",
        URL + "/{id}/deliveries/{deliveryId}",
        200,
        "WebhookDeliveryDetail",
    ),
    "retryWebhookDelivery": (
        "post",
        URL + "/{id}/deliveries/{deliveryId}/retry",
        202,
        "WebhookDelivery",
    ),
}


class TestDocumentedProblems:
    """Produced once each; the autouse check (conftest) validates every answer."""

    @pytest.mark.parametrize("operation_id", list(OPERATIONS))
    def test_each_operation_is_documented_with_its_success_answer(self, conformance, operation_id):
        method, path, status, component = OPERATIONS[operation_id]
        operation = conformance.operation(method, path)

        assert operation["operationId"] == operation_id
        assert operation["tags"] == ["Webhooks"]
        ok = operation["responses"][str(status)]
        if component is None:
            assert not ok.get("content")
        else:
            schema = ok["content"]["application/json"]["schema"]
            assert schema == {"$ref": f"#/components/schemas/{component}"}

    def test_only_the_answers_that_make_a_secret_document_it(self, openapi):
        schemas = openapi["components"]["schemas"]
        with_secret = {
            f"{method} {path}"
            for path, item in openapi["paths"].items()
            for method, operation in item.items()
            for response in operation.get("responses", {}).values()
            for media in response.get("content", {}).values()
            if "secret"
            in schemas.get(media["schema"].get("$ref", "").rsplit("/", 1)[-1], {}).get(
                "properties", {}
            )
        }
        assert with_secret == {f"post {URL}", f"post {URL}/{{id}}/rotate-secret"}

    @pytest.mark.parametrize(("method", "path", "body"), EVERY_OPERATION)
    def test_without_a_key_is_a_401(self, delivery, method, path, body):
        response = _send(APIClient(), method, _url(path, delivery), body)

        assert response.status_code == HTTPStatus.UNAUTHORIZED

    @pytest.mark.parametrize(
        ("method", "path", "body"), [op for op in EVERY_OPERATION if "{id}" in op[1]]
    )
    def test_a_missing_endpoint_is_a_404(self, staff_client, delivery, method, path, body):
        response = _send(staff_client, method, _url(path, delivery, MISSING), body)

        assert response.status_code == HTTPStatus.NOT_FOUND

    @pytest.mark.parametrize(
        ("method", "path", "body"), [op for op in EVERY_OPERATION if op[0] != "get"]
    )
    def test_bad_and_reused_idempotency_keys(self, staff_client, delivery, method, path, body):
        url = _url(path, delivery)
        bad = _send(staff_client, method, url, body, HTTP_IDEMPOTENCY_KEY="not ascii é")
        assert bad.status_code == HTTPStatus.BAD_REQUEST
        _send(staff_client, method, url, body, HTTP_IDEMPOTENCY_KEY="key-1")
        reused = _send(staff_client, method, url + "?x=1", body, HTTP_IDEMPOTENCY_KEY="key-1")
        assert reused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY, reused.content

    @pytest.mark.parametrize(("method", "path", "body"), EVERY_OPERATION)
    def test_over_the_rate_limit_is_a_429(
        self, staff_client, settings, delivery, method, path, body
    ):
        settings.API_RATE_LIMIT = "1/min"
        cache.clear()
        start_of_a_fresh_window()
        url = _url(path, delivery)

        _send(staff_client, method, url, body)
        response = _send(staff_client, method, url, body)

        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert int(response["Retry-After"]) >= 1

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("post", URL, {"url": "https://h.example.com", "eventTypes": None, "enabled": False}),
            ("post", URL, {"url": "https://h.example.com", "businessId": None, "description": "d"}),
            (
                "patch",
                URL + "/{id}",
                {"eventTypes": ["phone_number.created"], "url": "https://x.io"},
            ),
            ("post", URL + "/{id}/rotate-secret", {"graceSeconds": 0}),
            ("post", URL + "/{id}/test", {"eventType": "webhook_endpoint.disabled"}),
        ],
    )
    def test_accepted_bodies_are_documented(
        self, staff_client, conformance, delivery, method, path, body
    ):
        conformance.request_body(method, path, body)
        response = _send(staff_client, method, _url(path, delivery), body)

        assert 200 <= response.status_code < 300, response.content
