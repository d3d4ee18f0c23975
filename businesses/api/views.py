from __future__ import annotations

import uuid

from django.urls import reverse
from rest_framework.generics import GenericAPIView, get_object_or_404
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from businesses import selectors, services
from businesses.api.serializers import BusinessCreateInput, BusinessOutput
from core.pagination import ContinuationTokenPagination
from core.serializers import validated


class IsStaffForWrites(BasePermission):
    message = "Only staff API keys may create businesses."

    def has_permission(self, request, view) -> bool:
        return request.method in ("GET", "HEAD", "OPTIONS") or bool(request.user.is_staff)


class BusinessCollectionApi(GenericAPIView):
    permission_classes = [IsAuthenticated, IsStaffForWrites]
    pagination_class = ContinuationTokenPagination

    def get_queryset(self):
        return selectors.business_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(BusinessOutput(page, many=True).data)

    def post(self, request: Request) -> Response:
        data = validated(BusinessCreateInput, request.data)
        business = services.business_create(name=data["name"], acting_user=request.user)
        location = request.build_absolute_uri(
            reverse("businesses_api:detail", kwargs={"id": business.pk})
        )
        return Response(BusinessOutput(business).data, status=201, headers={"Location": location})


class BusinessDetailApi(GenericAPIView):
    def get(self, request: Request, id: uuid.UUID) -> Response:
        business = get_object_or_404(selectors.business_list(user=request.user), pk=id)
        return Response(BusinessOutput(business).data)
