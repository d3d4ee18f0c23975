"""Phone-number endpoints: parse the request, call a service, render the contract's shape."""

from __future__ import annotations

import uuid

from django.http import Http404
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from businesses.selectors import business_resolve_for_caller
from core.serializers import validated
from phonenumbers_app import selectors, services
from phonenumbers_app.api.serializers import PhoneNumberCreateInput, PhoneNumberOutput


def _render(request: Request, phone_number_id: uuid.UUID) -> dict:
    phone_number = selectors.phone_number_get(user=request.user, id=phone_number_id)
    if phone_number is None:
        raise Http404
    return PhoneNumberOutput(phone_number).data


class PhoneNumberCollectionApi(APIView):
    def post(self, request: Request) -> Response:
        data = validated(PhoneNumberCreateInput, request.data)
        business = business_resolve_for_caller(
            user=request.user, business_id=data.get("businessId")
        )
        phone_number = services.phone_number_create(
            acting_user=request.user,
            name=data["name"],
            number=data.get("number"),
            business=business,
            enabled=data["enabled"],
            id=data.get("id"),
        )
        location = request.build_absolute_uri(
            reverse("phonenumbers_api:detail", kwargs={"id": phone_number.pk})
        )
        return Response(
            _render(request, phone_number.pk), status=201, headers={"Location": location}
        )


class PhoneNumberDetailApi(APIView):
    def get(self, request: Request, id: uuid.UUID) -> Response:
        return Response(_render(request, id))
