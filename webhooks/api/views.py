"""The /webhook-endpoints API: one viewset on a router; parse, call a service, render.

Tenancy is the selectors' (webhooks/selectors.py): a tenant's key sees its businesses'
endpoints only, and anything else is a 404 like a missing one. Global endpoints
(businessId null) are staff's. The signing secret appears in two answers only, the
create and the rotation; it is kept sealed when an Idempotency-Key stores the answer.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from businesses.selectors import business_resolve_for_caller
from core.api import ApiViewSet
from core.errors import Conflict
from core.filtering import StrictFilterBackend
from core.keyset import SortField
from core.openapi import IDEMPOTENCY_KEY, WRITE_PROBLEMS, problems
from core.pagination import KeysetPagination
from core.serializers import validated
from phonenumbers_app.errors import FieldNotWritable
from phonenumbers_app.field_ownership import STAFF_ONLY_VALUE
from phonenumbers_app.filters import StrictBooleanFilter
from webhooks import selectors, services
from webhooks.api.inputs import (
    RotateSecretInput,
    SendTestInput,
    WebhookEndpointCreateInput,
    WebhookEndpointPatchInput,
)
from webhooks.api.serializers import (
    WebhookDeliveryDetailOutput,
    WebhookDeliveryOutput,
    WebhookEndpointOutput,
    WebhookEndpointWithSecretOutput,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.representation import delivery_representation, endpoint_representation
from webhooks.secrets import SecretUnreadable, secret_decrypt, secret_encrypt

TAG = ["Webhooks"]
# Service field names as the API spells them (the services mostly raise them so already).
API_NAMES = {
    "event_types": "eventTypes",
    "event_type": "eventType",
    "grace_seconds": "graceSeconds",
}
SEALED = b"sealed:"
SEALED_PATTERN = re.compile(rb"sealed:([A-Za-z0-9_=-]+)")
SECRET_UNREADABLE = (
    "The stored answer to this Idempotency-Key holds a secret this server can no longer "
    "read (SECRET_KEY changed); rotate the endpoint's secret to get a new one."
)
SECRET_ONCE = (
    "The only answer, with rotate-secret's, that shows `secret`: keep it, it is not shown "
    "again. A retry with the same Idempotency-Key within 24 hours gets the same answer, "
    "secret included."
)
DELIVERY_ID = OpenApiParameter(
    "deliveryId", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The delivery's id."
)
RESEND_202 = "Queued: a worker sends it again now, with the same webhook-id."


class WebhookEndpointFilter(django_filters.FilterSet):
    businessId = django_filters.UUIDFilter(field_name="business_id", label="Business id")
    enabled = StrictBooleanFilter(label="Enabled")

    class Meta:
        model = WebhookEndpoint
        fields: list[str] = []


class WebhookDeliveryFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(
        choices=WebhookDelivery.State.choices, distinct=False, label="Delivery state"
    )

    class Meta:
        model = WebhookDelivery
        fields: list[str] = []


class EndpointPagination(KeysetPagination):
    sort_fields = {"createdAt": SortField("createdAt", "created_at")}
    default_order = "createdAt"
    page_component = "WebhookEndpointPage"


class DeliveryPagination(KeysetPagination):
    sort_fields = {"createdAt": SortField("createdAt", "created_at")}
    default_order = "-createdAt"
    page_component = "WebhookDeliveryPage"


@contextmanager
def api_field_names() -> Iterator[None]:
    """A service's ValidationError with its fields named as the API names them."""
    try:
        yield
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise DjangoValidationError(
            {API_NAMES.get(name, name): messages for name, messages in error.message_dict.items()}
        ) from None


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        operation_id="listWebhookEndpoints",
        summary="List webhook endpoints",
        description="A tenant's key lists its businesses' endpoints; a staff key every "
        "endpoint, global ones included. Oldest first.",
        responses={200: WebhookEndpointOutput(many=True), **problems(400)},
    ),
    create=extend_schema(
        tags=TAG,
        operation_id="createWebhookEndpoint",
        summary="Add a webhook endpoint",
        description="Events are POSTed to `url`, signed with the Standard Webhooks scheme "
        "(webhook-id, webhook-timestamp, webhook-signature) with the `secret` this answer "
        f"holds. {SECRET_ONCE} The catalog of event types and their payloads: "
        "GET /asyncapi.json.",
        request=WebhookEndpointCreateInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: WebhookEndpointWithSecretOutput,
            **problems(
                *WRITE_PROBLEMS,
                403,
                descriptions={403: "`businessId` null (a global endpoint) needs a staff key."},
            ),
        },
    ),
    retrieve=extend_schema(
        tags=TAG,
        operation_id="getWebhookEndpoint",
        summary="Get a webhook endpoint",
        responses={200: WebhookEndpointOutput, **problems(404)},
    ),
    partial_update=extend_schema(
        tags=TAG,
        operation_id="updateWebhookEndpoint",
        summary="Change a webhook endpoint",
        description="Changes the fields sent (`eventTypes` null: all types). Enabling a "
        "disabled endpoint resets its failure streak and sends what waited for it.",
        request=WebhookEndpointPatchInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: WebhookEndpointOutput, **problems(*WRITE_PROBLEMS, 404)},
    ),
    destroy=extend_schema(
        tags=TAG,
        operation_id="deleteWebhookEndpoint",
        summary="Delete a webhook endpoint",
        description="With its deliveries; nothing more is sent to it.",
        parameters=[IDEMPOTENCY_KEY],
        responses={204: None, **problems(*WRITE_PROBLEMS, 404)},
    ),
)
class WebhookEndpointViewSet(ApiViewSet):
    filter_backends = [StrictFilterBackend]
    filterset_class = WebhookEndpointFilter
    pagination_class = EndpointPagination
    serializer_class = WebhookEndpointOutput

    def get_queryset(self):
        return selectors.endpoint_list(user=self.request.user)

    def serialize_page(self, rows: list) -> list:
        if self.action == "deliveries":
            return [delivery_representation(delivery) for delivery in rows]
        return [endpoint_representation(endpoint) for endpoint in rows]

    # --- the endpoint ------------------------------------------------------------------

    def create(self, request: Request) -> Response:
        data = validated(WebhookEndpointCreateInput, request.data)
        business = self._business(data)
        with api_field_names():
            endpoint, secret = services.endpoint_create(
                acting_user=request.user,
                business=business,
                url=data["url"],
                event_types=data.get("eventTypes"),
                description=data.get("description", ""),
                enabled=data.get("enabled", True),
            )
        location = request.build_absolute_uri(
            reverse("webhooks_api:detail", kwargs={"id": endpoint.pk})
        )
        return Response(_with_secret(endpoint, secret), status=201, headers={"Location": location})

    def retrieve(self, request: Request, id: uuid.UUID) -> Response:
        return Response(endpoint_representation(self.get_object()))

    def partial_update(self, request: Request, id: uuid.UUID) -> Response:
        endpoint = self.get_object()
        data = validated(WebhookEndpointPatchInput, request.data)
        changes: dict[str, Any] = {
            name: data[field]
            for field, name in (
                ("url", "url"),
                ("eventTypes", "event_types"),
                ("description", "description"),
                ("enabled", "enabled"),
            )
            if field in data
        }
        with api_field_names():
            endpoint = services.endpoint_update(
                endpoint=endpoint, acting_user=request.user, **changes
            )
        return Response(endpoint_representation(endpoint))

    def destroy(self, request: Request, id: uuid.UUID) -> Response:
        services.endpoint_delete(endpoint=self.get_object(), acting_user=request.user)
        return Response(status=204)

    @extend_schema(
        tags=TAG,
        operation_id="rotateWebhookEndpointSecret",
        summary="Rotate a webhook endpoint's secret",
        description="A new secret signs from now on; the previous one signs too (a second "
        "signature in webhook-signature) for `graceSeconds`, so receivers can switch without "
        "missing a message. The answer is the only one that shows the new `secret`.",
        request=RotateSecretInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: WebhookEndpointWithSecretOutput, **problems(*WRITE_PROBLEMS, 404)},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request: Request, id: uuid.UUID) -> Response:
        endpoint = self.get_object()
        data = validated(RotateSecretInput, request.data)
        with api_field_names():
            endpoint, secret = services.endpoint_rotate_secret(
                endpoint=endpoint,
                acting_user=request.user,
                grace_seconds=data.get("graceSeconds", services.DEFAULT_GRACE_SECONDS),
            )
        return Response(_with_secret(endpoint, secret))

    @extend_schema(
        tags=TAG,
        operation_id="testWebhookEndpoint",
        summary="Send a webhook endpoint a sample event",
        description="Queues a sample event (made-up data, never a real number) for this "
        "endpoint only, through the outbox like any other: 202 with the delivery; its "
        "Location shows how the sending went.",
        request=SendTestInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={202: WebhookDeliveryOutput, **problems(*WRITE_PROBLEMS, 404)},
    )
    @action(detail=True, methods=["post"], url_path="test", url_name="test")
    def send_test(self, request: Request, id: uuid.UUID) -> Response:
        endpoint = self.get_object()
        data = validated(SendTestInput, request.data)
        with api_field_names():
            delivery = services.endpoint_send_test(
                endpoint=endpoint, acting_user=request.user, event_type=data.get("eventType")
            )
        location = request.build_absolute_uri(
            reverse("webhooks_api:delivery", kwargs={"id": endpoint.pk, "deliveryId": delivery.pk})
        )
        return Response(
            delivery_representation(delivery), status=202, headers={"Location": location}
        )

    # --- its deliveries ----------------------------------------------------------------

    @extend_schema(
        tags=TAG,
        operation_id="listWebhookDeliveries",
        summary="List a webhook endpoint's deliveries",
        description="Newest first: each event sent (or to send) to the endpoint, its state, "
        "attempts, last answer and next retry.",
        responses={200: WebhookDeliveryOutput(many=True), **problems(400, 404)},
    )
    @action(
        detail=True,
        url_name="deliveries",
        filterset_class=WebhookDeliveryFilter,
        pagination_class=DeliveryPagination,
        serializer_class=WebhookDeliveryOutput,
    )
    def deliveries(self, request: Request, id: uuid.UUID) -> Response:
        return self.keyset_page(selectors.delivery_list(endpoint=self.get_object()))

    @extend_schema(
        tags=TAG,
        operation_id="getWebhookDelivery",
        summary="Get a delivery, with its payload and attempts",
        parameters=[DELIVERY_ID],
        responses={200: WebhookDeliveryDetailOutput, **problems(404)},
    )
    @action(
        detail=True,
        url_path="deliveries/<uuid:deliveryId>",
        url_name="delivery",
        filter_backends=[],
        pagination_class=None,
        serializer_class=WebhookDeliveryDetailOutput,
    )
    def delivery(self, request: Request, id: uuid.UUID, deliveryId: uuid.UUID) -> Response:
        delivery = self._delivery(deliveryId)
        attempts = selectors.delivery_attempts(delivery)
        return Response(delivery_representation(delivery, with_attempts=attempts))

    @extend_schema(
        tags=TAG,
        operation_id="retryWebhookDelivery",
        summary="Send a delivery again",
        description="Sends it again now with the same webhook-id (receivers deduplicate on "
        "it), whatever its state; a given-up delivery gets the full run of retries again.",
        request=None,
        parameters=[DELIVERY_ID, IDEMPOTENCY_KEY],
        responses={
            202: OpenApiResponse(WebhookDeliveryOutput, description=RESEND_202),
            **problems(*WRITE_PROBLEMS, 404),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="deliveries/<uuid:deliveryId>/retry",
        url_name="delivery-retry",
        filter_backends=[],
        pagination_class=None,
        serializer_class=WebhookDeliveryOutput,
    )
    def delivery_retry(self, request: Request, id: uuid.UUID, deliveryId: uuid.UUID) -> Response:
        delivery = self._delivery(deliveryId)
        resent = services.delivery_resend(delivery=delivery, acting_user=request.user)
        resent.message = delivery.message  # loaded already: no second read
        return Response(delivery_representation(resent), status=202)

    # --- helpers -----------------------------------------------------------------------

    def _delivery(self, delivery_id: uuid.UUID) -> WebhookDelivery:
        """A delivery of an endpoint the caller sees; another endpoint's is a 404, even
        one the caller could see through its own endpoint's id."""
        endpoint = self.get_object()
        try:
            return selectors.delivery_get(endpoint=endpoint, delivery_id=delivery_id)
        except WebhookDelivery.DoesNotExist:
            raise Http404 from None

    def _business(self, data: dict[str, Any]):
        """The endpoint's business by the one rule of businessId (businesses.selectors);
        an explicit null asks for a global endpoint, which only staff may make."""
        user = self.request.user
        if "businessId" in data and data["businessId"] is None and not user.is_staff:
            raise FieldNotWritable(errors={"businessId": [STAFF_ONLY_VALUE.format(value="null")]})
        return business_resolve_for_caller(user=user, business_id=data.get("businessId"))

    # --- the secret in stored answers (core.api: Idempotency-Key) ----------------------

    def idempotency_body(self, response) -> bytes:
        # The answer is stored to be replayed; its secret would lie there readable by
        # anyone with the database. Sealed like the endpoint's own copy (webhooks/secrets).
        content = bytes(response.content)
        data = getattr(response, "data", None)
        secret = data.get("secret") if isinstance(data, dict) else None
        if not secret:
            return content
        return content.replace(secret.encode(), SEALED + secret_encrypt(secret).encode())

    def idempotency_replay(self, response: HttpResponse) -> HttpResponse:
        def unseal(match: re.Match) -> bytes:
            try:
                return secret_decrypt(match.group(1).decode()).encode()
            except SecretUnreadable:
                raise Conflict(SECRET_UNREADABLE) from None

        response.content = SEALED_PATTERN.sub(unseal, response.content)
        return response


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> dict[str, Any]:
    return {**endpoint_representation(endpoint), "secret": secret}
