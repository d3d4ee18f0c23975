"""Business endpoints: one viewset on a router; staff write, everyone reads their own."""

from __future__ import annotations

import uuid

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from businesses import selectors, services
from businesses.api.serializers import BusinessInput, BusinessOutput
from core.api import ApiViewSet
from core.keyset import SortField
from core.openapi import IDEMPOTENCY_KEY, WRITE_PROBLEMS, problems
from core.pagination import KeysetPagination
from core.serializers import validated

TAG = ["Businesses"]


class IsStaffForWrites(BasePermission):
    message = "Only staff API keys may create, change or delete businesses."

    def has_permission(self, request, view) -> bool:
        return request.method in ("GET", "HEAD", "OPTIONS") or bool(request.user.is_staff)


class BusinessPagination(KeysetPagination):
    sort_fields = {"createdAt": SortField("createdAt", "created_at")}
    default_order = "-createdAt"
    page_component = "BusinessPage"


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        operation_id="listBusinesses",
        summary="List the businesses the API key can act on",
        responses={200: BusinessOutput(many=True), **problems(400)},
    ),
    create=extend_schema(
        tags=TAG,
        operation_id="createBusiness",
        summary="Create a business (staff)",
        request=BusinessInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: BusinessOutput, **problems(*WRITE_PROBLEMS, 403)},
    ),
    retrieve=extend_schema(
        tags=TAG,
        operation_id="getBusiness",
        summary="Get a business",
        responses={200: BusinessOutput, **problems(404)},
    ),
    partial_update=extend_schema(
        tags=TAG,
        operation_id="updateBusiness",
        summary="Rename a business (staff)",
        request=BusinessInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: BusinessOutput, **problems(*WRITE_PROBLEMS, 403, 404)},
    ),
    destroy=extend_schema(
        tags=TAG,
        operation_id="deleteBusiness",
        summary="Delete a business without phone numbers (staff)",
        parameters=[IDEMPOTENCY_KEY],
        responses={204: None, **problems(*WRITE_PROBLEMS, 403, 404)},
    ),
)
class BusinessViewSet(ApiViewSet):
    # No filter backend: the list takes paging parameters only, and ignores others.
    permission_classes = [IsAuthenticated, IsStaffForWrites]
    pagination_class = BusinessPagination
    serializer_class = BusinessOutput

    def get_queryset(self):
        return selectors.business_list(user=self.request.user)

    def create(self, request: Request) -> Response:
        data = validated(BusinessInput, request.data)
        business = services.business_create(name=data["name"], acting_user=request.user)
        location = request.build_absolute_uri(
            reverse("businesses_api:detail", kwargs={"id": business.pk})
        )
        return Response(BusinessOutput(business).data, status=201, headers={"Location": location})

    def retrieve(self, request: Request, id: uuid.UUID) -> Response:
        return Response(BusinessOutput(self.get_object()).data)

    def partial_update(self, request: Request, id: uuid.UUID) -> Response:
        business = self.get_object()
        data = validated(BusinessInput, request.data)
        business = services.business_update(
            business=business, name=data["name"], acting_user=request.user
        )
        return Response(BusinessOutput(business).data)

    def destroy(self, request: Request, id: uuid.UUID) -> Response:
        services.business_delete(business=self.get_object(), acting_user=request.user)
        return Response(status=204)
