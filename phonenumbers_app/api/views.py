"""Phone-number endpoints: parse the request, call a service, render the contract's shape."""

from __future__ import annotations

import uuid

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from businesses.selectors import business_resolve_for_caller
from core.api import ApiView, if_match_tags
from core.filtering import validate_together
from core.keyset import KeysetParams, keyset_envelope, parse_ordering
from core.openapi import (
    IDEMPOTENCY_KEY,
    IF_MATCH,
    PAGING,
    WRITE_PROBLEMS,
    filterset_parameters,
    problems,
)
from core.serializers import validated
from phonenumbers_app import selectors, services
from phonenumbers_app.api.inputs import (
    EmptyInput,
    PhoneNumberCreateInput,
    PhoneNumberPatchInput,
    WarmupPauseInput,
)
from phonenumbers_app.api.serializers import (
    PhoneNumberEventOutput,
    PhoneNumberEventPageOutput,
    PhoneNumberOutput,
    PhoneNumberPageOutput,
    PhoneNumberSummaryOutput,
    WarmupOutput,
)
from phonenumbers_app.filters import (
    PHONE_NUMBER_DEFAULT_ORDER,
    PHONE_NUMBER_SORT_FIELDS,
    PhoneNumberEventFilter,
    PhoneNumberFilter,
)
from phonenumbers_app.models import PhoneNumber

NUMBER_IMMUTABLE = "The number of a phone number cannot change; release it and create another."
ID_MISMATCH = "Must match the id in the path, or be omitted."
EVENT_ORDER = parse_ordering(
    "-createdAt",
    allowed={"createdAt": PHONE_NUMBER_SORT_FIELDS["createdAt"]},
    default="-createdAt",
)
TAG = ["Phone numbers"]
FIELD_WRITE_403 = {
    403: "`/problems/field-not-writable`: the body changes fields this API key may not write "
    '(their descriptions say "Staff only."); `errors` names each one and nothing is changed. '
    "A field sent with the value it already has is accepted."
}


def _visible_or_404(request: Request, id: uuid.UUID) -> PhoneNumber:
    phone_number = selectors.phone_number_visible_to(user=request.user).filter(pk=id).first()
    if phone_number is None:
        raise Http404
    return phone_number


def _representation(request: Request, id: uuid.UUID, status: int = 200, **headers) -> Response:
    """The full representation (with latest events and ETag) of a number the caller sees."""
    phone_number = selectors.phone_number_get(user=request.user, id=id)
    if phone_number is None:
        raise Http404
    return Response(
        PhoneNumberOutput(phone_number).data,
        status=status,
        headers={"ETag": phone_number.etag, **headers},
    )


class PhoneNumberCollectionApi(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="listPhoneNumbers",
        summary="List phone numbers",
        parameters=[
            *filterset_parameters(PhoneNumberFilter),
            OpenApiParameter(
                "orderBy",
                str,
                description="Comma-separated fields, `-` for descending, e.g. `-createdAt,name`. "
                f"Fields: {', '.join(PHONE_NUMBER_SORT_FIELDS)}.",
            ),
            *PAGING,
        ],
        responses={200: PhoneNumberPageOutput, **problems(400)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        ordering, queryset, paging = validate_together(
            lambda: parse_ordering(
                params.get("orderBy"),
                allowed=PHONE_NUMBER_SORT_FIELDS,
                default=PHONE_NUMBER_DEFAULT_ORDER,
            ),
            lambda: selectors.phone_number_list(user=request.user, params=params),
            lambda: KeysetParams(params),
        )
        return Response(
            keyset_envelope(
                queryset,
                paging,
                ordering=ordering,
                serialize=lambda rows: PhoneNumberSummaryOutput(rows, many=True).data,
                fetch=selectors.fetch_in_written_join_order,
            )
        )

    @extend_schema(
        tags=TAG,
        operation_id="createPhoneNumber",
        summary="Create a phone number",
        description="Creates a number, assigns an unassigned pool number, or (without "
        "`number`) claims one from the pool for the business.",
        request=PhoneNumberCreateInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: PhoneNumberOutput, **problems(*WRITE_PROBLEMS)},
    )
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
        phone_number = selectors.phone_number_for_representation(
            user=request.user, phone_number=phone_number
        )
        location = request.build_absolute_uri(
            reverse("phonenumbers_api:detail", kwargs={"id": phone_number.pk})
        )
        return Response(
            PhoneNumberOutput(phone_number).data,
            status=201,
            headers={"ETag": phone_number.etag, "Location": location},
        )


class PhoneNumberDetailApi(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="getPhoneNumber",
        summary="Get a phone number",
        responses={200: PhoneNumberOutput, **problems(404)},
    )
    def get(self, request: Request, id: uuid.UUID) -> Response:
        return _representation(request, id)

    @extend_schema(
        tags=TAG,
        operation_id="updatePhoneNumber",
        summary="Change some fields of a phone number",
        description="inventoryState and status changes must follow the transition table "
        "(409 lists the allowed next states). Every change writes an event. Fields whose "
        'description says "Staff only." need a staff API key to change (403 otherwise).',
        request=PhoneNumberPatchInput,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={
            200: PhoneNumberOutput,
            **problems(*WRITE_PROBLEMS, 403, 404, 412, descriptions=FIELD_WRITE_403),
        },
    )
    def patch(self, request: Request, id: uuid.UUID) -> Response:
        phone_number = _visible_or_404(request, id)
        data = dict(validated(PhoneNumberPatchInput, request.data))
        ten_dlc = data.pop("ten_dlc", None)
        billing = data.pop("billing", None)
        business = services.UNSET
        if "businessId" in data:
            business = self._business(request, data.pop("businessId"))
        services.phone_number_update(
            phone_number=phone_number,
            acting_user=request.user,
            fields=data,
            ten_dlc=ten_dlc,
            billing=billing,
            business=business,
            if_match=if_match_tags(request),
        )
        return _representation(request, id)

    @extend_schema(
        tags=TAG,
        operation_id="replacePhoneNumber",
        summary="Replace the label, owner and enabled flag of a phone number",
        description="The create body. `number` and `id`, if sent, must be the number's own; "
        "`enabled` defaults to true; `businessId` moves the number (null: back to the pool, "
        "with a staff API key).",
        request=PhoneNumberCreateInput,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={
            200: PhoneNumberOutput,
            **problems(*WRITE_PROBLEMS, 403, 404, 412, descriptions=FIELD_WRITE_403),
        },
    )
    def put(self, request: Request, id: uuid.UUID) -> Response:
        phone_number = _visible_or_404(request, id)
        data = validated(PhoneNumberCreateInput, request.data)
        errors = {}
        if "number" in data and data["number"] != phone_number.number:
            errors["number"] = [NUMBER_IMMUTABLE]
        if data.get("id") not in (None, phone_number.pk):
            errors["id"] = [ID_MISMATCH]
        if errors:
            raise ValidationError(errors)
        business = services.UNSET
        if "businessId" in data:
            business = self._business(request, data["businessId"])
        services.phone_number_update(
            phone_number=phone_number,
            acting_user=request.user,
            fields={"name": data["name"], "enabled": data["enabled"]},
            business=business,
            if_match=if_match_tags(request),
        )
        return _representation(request, id)

    @extend_schema(
        tags=TAG,
        operation_id="releasePhoneNumber",
        summary="Release a phone number",
        description="Sets inventoryState Released and providerReleasedAt; the row and its "
        "history stay. Releasing again is a no-op.",
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={204: None, **problems(*WRITE_PROBLEMS, 404, 412)},
    )
    def delete(self, request: Request, id: uuid.UUID) -> Response:
        phone_number = _visible_or_404(request, id)
        services.phone_number_release(
            phone_number=phone_number, acting_user=request.user, if_match=if_match_tags(request)
        )
        return Response(status=204)

    @staticmethod
    def _business(request: Request, business_id: uuid.UUID | None):
        if business_id is None:
            return None  # back to the pool; the service allows it for staff only
        return business_resolve_for_caller(user=request.user, business_id=business_id)


class PhoneNumberEventsApi(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="listPhoneNumberEvents",
        summary="List a phone number's events",
        description="Newest first. A caller without a staff key sees the events written "
        "while its businesses owned the number, staff members' actions as `Support`.",
        parameters=[*filterset_parameters(PhoneNumberEventFilter), *PAGING[:2]],
        responses={200: PhoneNumberEventPageOutput, **problems(400, 404)},
    )
    def get(self, request: Request, id: uuid.UUID) -> Response:
        phone_number = _visible_or_404(request, id)
        params = request.query_params
        queryset, paging = validate_together(
            lambda: selectors.phone_number_event_list(
                user=request.user, phone_number=phone_number, params=params
            ),
            lambda: KeysetParams(params),
        )
        return Response(
            keyset_envelope(
                queryset,
                paging,
                ordering=EVENT_ORDER,
                serialize=lambda rows: (
                    PhoneNumberEventOutput(
                        selectors.events_as_seen_by(user=request.user, events=rows), many=True
                    ).data
                ),
            )
        )


def _warmup(request: Request, phone_number: PhoneNumber) -> Response:
    phone_number.can_pause = services.warmup_can_pause(phone_number)
    phone_number.can_resume = services.warmup_can_resume(phone_number)
    phone_number.warmup_events = selectors.phone_number_warmup_events(
        user=request.user, phone_number=phone_number
    )
    return Response(WarmupOutput(phone_number).data, headers={"ETag": phone_number.etag})


class PhoneNumberWarmupApi(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="getPhoneNumberWarmup",
        summary="Get a phone number's warmup status",
        responses={200: WarmupOutput, **problems(404)},
    )
    def get(self, request: Request, id: uuid.UUID) -> Response:
        return _warmup(request, _visible_or_404(request, id))


class PhoneNumberWarmupPauseApi(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="pausePhoneNumberWarmup",
        summary="Pause a phone number's warmup",
        request=WarmupPauseInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: WarmupOutput, **problems(*WRITE_PROBLEMS, 404)},
    )
    def post(self, request: Request, id: uuid.UUID) -> Response:
        phone_number = _visible_or_404(request, id)
        data = validated(WarmupPauseInput, request.data)
        phone_number = services.phone_number_warmup_pause(
            phone_number=phone_number, acting_user=request.user, reason=data["reason"]
        )
        return _warmup(request, phone_number)


class PhoneNumberWarmupResumeApi(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="resumePhoneNumberWarmup",
        summary="Resume a phone number's paused warmup",
        request={"application/json": {"type": "object", "additionalProperties": False}},
        parameters=[IDEMPOTENCY_KEY],
        responses={200: WarmupOutput, **problems(*WRITE_PROBLEMS, 404)},
    )
    def post(self, request: Request, id: uuid.UUID) -> Response:
        phone_number = _visible_or_404(request, id)
        validated(EmptyInput, request.data)
        phone_number = services.phone_number_warmup_resume(
            phone_number=phone_number, acting_user=request.user
        )
        return _warmup(request, phone_number)
