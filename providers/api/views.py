"""The providers API: finding numbers to buy (any API key: tenants may look), and
buying them (staff keys only). Thin doors to providers.accounts and providers.buying."""

from __future__ import annotations

import logging

import phonenumbers
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiView
from core.openapi import IDEMPOTENCY_KEY, WRITE_PROBLEMS, problems
from core.problems import problem_body, problem_content_type
from core.serializers import validated
from providers import buying
from providers.api.answers import availability_answer, order_answer, search_answer
from providers.api.serializers import (
    AvailabilityInput,
    AvailabilityOutput,
    OrderInput,
    OrderOutput,
    SearchInput,
    SearchOutput,
)
from providers.base import ProviderError, ProviderNotConfigured, SearchQuery
from providers.models import NumberOrder
from providers.offers import availability_check, offers_search

logger = logging.getLogger(__name__)

TAG = ["PhoneNumbers"]
ORDERS_TAG = ["Number orders"]
# How long a client should wait before asking again after a provider's passing failure.
RETRY_AFTER_SECONDS = 30
PROVIDER_PROBLEMS = {
    502: "The provider refused or failed the request (see `detail`).",
    503: "No provider account is configured, or the provider is not answering; see Retry-After.",
}


class IsStaff(BasePermission):
    message = "Only staff API keys may buy numbers or read orders."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_staff)


def provider_problem(request: Request, exc: Exception) -> Response:
    """A provider's failure as a problem: 503 (with Retry-After) when it may pass or no
    account is configured, 502 when the provider refused. Never the provider's secrets:
    only its message, which the adapters keep free of them."""
    if isinstance(exc, ProviderNotConfigured):
        status, slug, detail = 503, "provider-unavailable", str(exc)
    elif getattr(exc, "retryable", False):
        status, slug, detail = 503, "provider-unavailable", f"The provider did not answer: {exc}"
    else:
        status, slug, detail = 502, "provider-error", f"The provider refused: {exc}"
    logger.warning("Provider problem on %s: %s", request.path, detail)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    body = problem_body(
        status=status, problem_type=slug, detail=detail, instance=request.get_full_path()
    )
    if getattr(exc, "code", None):
        body["providerCode"] = exc.code
    return Response(
        body, status=status, headers=headers, content_type=problem_content_type(request)
    )


def search_query(data: dict) -> SearchQuery:
    where = data.get("location") or {}
    capabilities = data.get("capabilities") or {}
    area_code = data.get("areaCode")
    number = data.get("phoneNumber")
    if not area_code and number and number.startswith("+1"):
        area_code = number[2:5]
    locality = data.get("locality") or where.get("canonicalCity") or None
    if not locality and where.get("location"):
        locality = where["location"].split(",")[0].strip() or None
    region = data.get("region") or where.get("canonicalState") or where.get("state") or None
    # No country named: the phone number's, or the area code's own (US or CA), else US.
    country = where.get("countryCode") or (_country_of_number(number) if number else None)
    return SearchQuery(
        area_code=area_code,
        locality=locality,
        region=region,
        pattern=data.get("contains"),
        country_code=(country or _country_of_area_code(area_code)).upper(),
        sms=capabilities.get("sms", True),
        voice=capabilities.get("voice", False),
        quantity=data.get("quantity") or 10,
    )


def _country_of_number(number: str) -> str | None:
    return phonenumbers.region_code_for_number(phonenumbers.parse(number, None))


def _country_of_area_code(area_code: str | None) -> str:
    if not area_code:
        return "US"
    return _country_of_number(f"+1{area_code}2345678") or "US"


class SearchView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="PhoneNumbers_Search",
        summary="Search purchasable organization phone numbers",
        description="Numbers the provider (DEFAULT_PROVIDER) offers for sale now, with "
        "their location and price: by area code (or a phoneNumber's), locality and state "
        "(ours, or the published `location`), digits the number contains, capabilities; "
        "at most `quantity` (default 10). Any API key may search; nothing is reserved.",
        request=SearchInput,
        responses={200: SearchOutput, **problems(400, 502, 503, descriptions=PROVIDER_PROBLEMS)},
    )
    def post(self, request: Request) -> Response:
        data = validated(SearchInput, request.data)
        query = search_query(data)
        try:
            offers, provider = offers_search(query)
        except (ProviderError, ProviderNotConfigured) as exc:
            return provider_problem(request, exc)
        return Response(search_answer(offers, provider))


class AvailabilityView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="PhoneNumbers_IsAvailableForPurchase",
        summary="Check phone number purchase availability",
        description="Whether the provider (DEFAULT_PROVIDER) sells the number now, and its "
        "monthly price. A number this inventory holds already is not available (`reason` "
        "says why). Any API key may ask; nothing is reserved.",
        request=AvailabilityInput,
        responses={
            200: AvailabilityOutput,
            **problems(400, 502, 503, descriptions=PROVIDER_PROBLEMS),
        },
    )
    def post(self, request: Request) -> Response:
        number = validated(AvailabilityInput, request.data)["phoneNumber"]
        try:
            availability, provider = availability_check(number)
        except (ProviderError, ProviderNotConfigured) as exc:
            return provider_problem(request, exc)
        return Response(availability_answer(availability, provider))


ORDER_ID = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The order's id."
)


def _order_response(order: NumberOrder, status: int = 200, headers=None) -> Response:
    items = list(order.items.order_by("created_at", "number"))
    return Response(order_answer(order, items), status=status, headers=headers)


class OrdersView(ApiView):
    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(
        tags=ORDERS_TAG,
        operation_id="createNumberOrder",
        summary="Buy numbers (staff)",
        description="Buys `quantity` numbers in an area code, or the listed numbers, at a "
        "provider (default DEFAULT_PROVIDER), for a business or for the pool. Answers 202 "
        "at once with the order; a job searches and orders in batches. Bought numbers "
        "enter the inventory as Provisioning (Pending verification) and become Active "
        "(Assigned, or Available in the pool) or FailedProvisioning with the provider's "
        "reason when the provider says so. GET the Location to follow it.",
        request=OrderInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={202: OrderOutput, **problems(*WRITE_PROBLEMS, 403)},
    )
    def post(self, request: Request) -> Response:
        data = validated(OrderInput, request.data)
        ask = buying.order_validate(
            provider=data.get("provider"),
            area_code=data.get("areaCode"),
            numbers=data.get("numbers"),
            quantity=data.get("quantity"),
            business=data.get("businessId"),
        )
        order = buying.order_request(ask=ask, acting_user=request.user)
        location = request.build_absolute_uri(
            reverse("providers_api:order", kwargs={"id": order.pk})
        )
        return _order_response(order, status=202, headers={"Location": location})


class OrderView(ApiView):
    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(
        tags=ORDERS_TAG,
        operation_id="getNumberOrder",
        summary="Get a number order (staff)",
        description="The order's progress: requested, bought, active, failed and pending "
        "counts, and each number with its status, inventory id and the provider's reason "
        "when it failed.",
        parameters=[ORDER_ID],
        responses={200: OrderOutput, **problems(403, 404)},
    )
    def get(self, request: Request, id) -> Response:
        return _order_response(get_object_or_404(NumberOrder, pk=id))
