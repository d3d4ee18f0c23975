from __future__ import annotations

import uuid

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from businesses import selectors, services
from businesses.api.serializers import BusinessInput, BusinessOutput, BusinessPageOutput
from businesses.models import Business
from core.api import ApiView
from core.keyset import KeysetParams, SortField, keyset_envelope, parse_ordering
from core.openapi import IDEMPOTENCY_KEY, PAGING, WRITE_PROBLEMS, problems
from core.serializers import validated

TAG = ["Businesses"]
ORDERING = parse_ordering(
    "-createdAt", allowed={"createdAt": SortField("createdAt", "created_at")}, default="-createdAt"
)


class IsStaffForWrites(BasePermission):
    message = "Only staff API keys may create, change or delete businesses."

    def has_permission(self, request, view) -> bool:
        return request.method in ("GET", "HEAD", "OPTIONS") or bool(request.user.is_staff)


def _visible_or_404(request: Request, id: uuid.UUID) -> Business:
    business = selectors.business_list(user=request.user).filter(pk=id).first()
    if business is None:
        raise Http404
    return business


class BusinessCollectionApi(ApiView):
    permission_classes = [IsAuthenticated, IsStaffForWrites]

    @extend_schema(
        tags=TAG,
        operation_id="listBusinesses",
        summary="List the businesses the API key can act on",
        parameters=PAGING,
        responses={200: BusinessPageOutput, **problems(400)},
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.business_list(user=request.user)
        return Response(
            keyset_envelope(
                queryset,
                KeysetParams(request.query_params),
                ordering=ORDERING,
                serialize=lambda rows: BusinessOutput(rows, many=True).data,
            )
        )

    @extend_schema(
        tags=TAG,
        operation_id="createBusiness",
        summary="Create a business (staff)",
        request=BusinessInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: BusinessOutput, **problems(*WRITE_PROBLEMS, 403)},
    )
    def post(self, request: Request) -> Response:
        data = validated(BusinessInput, request.data)
        business = services.business_create(name=data["name"], acting_user=request.user)
        location = request.build_absolute_uri(
            reverse("businesses_api:detail", kwargs={"id": business.pk})
        )
        return Response(BusinessOutput(business).data, status=201, headers={"Location": location})


class BusinessDetailApi(ApiView):
    permission_classes = [IsAuthenticated, IsStaffForWrites]

    @extend_schema(
        tags=TAG,
        operation_id="getBusiness",
        summary="Get a business",
        responses={200: BusinessOutput, **problems(404)},
    )
    def get(self, request: Request, id: uuid.UUID) -> Response:
        return Response(BusinessOutput(_visible_or_404(request, id)).data)

    @extend_schema(
        tags=TAG,
        operation_id="updateBusiness",
        summary="Rename a business (staff)",
        request=BusinessInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: BusinessOutput, **problems(*WRITE_PROBLEMS, 403, 404)},
    )
    def patch(self, request: Request, id: uuid.UUID) -> Response:
        business = _visible_or_404(request, id)
        data = validated(BusinessInput, request.data)
        business = services.business_update(
            business=business, name=data["name"], acting_user=request.user
        )
        return Response(BusinessOutput(business).data)

    @extend_schema(
        tags=TAG,
        operation_id="deleteBusiness",
        summary="Delete a business without phone numbers (staff)",
        parameters=[IDEMPOTENCY_KEY],
        responses={204: None, **problems(*WRITE_PROBLEMS, 403, 404)},
    )
    def delete(self, request: Request, id: uuid.UUID) -> Response:
        services.business_delete(business=_visible_or_404(request, id), acting_user=request.user)
        return Response(status=204)
