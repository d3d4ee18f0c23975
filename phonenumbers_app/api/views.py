"""Phone-number endpoints: one viewset on a router; parse, call a service, render."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from businesses.selectors import business_resolve_for_caller
from core.api import ApiView, ApiViewSet, if_match_tags
from core.filtering import StrictFilterBackend
from core.openapi import IDEMPOTENCY_KEY, IF_MATCH, WRITE_PROBLEMS, problems
from core.pagination import KeysetPagination
from core.serializers import validated
from phonenumbers_app import selectors, services
from phonenumbers_app.api.inputs import (
    EmptyInput,
    PhoneNumberCreateInput,
    PhoneNumberPatchInput,
    RequestDataOptionsInput,
    WarmupPauseInput,
)
from phonenumbers_app.api.list_options import ListOptions
from phonenumbers_app.api.serializers import (
    PhoneNumberEventWithChangesOutput,
    PhoneNumberOutput,
    PhoneNumberSummaryOutput,
    PhoneNumberTableRowOutput,
    PhoneNumberTableRowPageOutput,
)
from phonenumbers_app.api.status import (
    WINDOW_PARAMETERS,
    PhoneNumberStatusOutput,
    window_from_query,
)
from phonenumbers_app.filters import (
    PHONE_NUMBER_DEFAULT_ORDER,
    PHONE_NUMBER_SORT_FIELDS,
    PhoneNumberEventFilter,
    PhoneNumberFilter,
)
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.numbers import InvalidNumber, normalize_number
from warmup import clock
from warmup import status as warmup_status

NUMBER_IMMUTABLE = "The number of a phone number cannot change; release it and create another."
ID_MISMATCH = "Must match the id in the path, or be omitted."
TAG = ["Phone numbers"]
STATUS_DESCRIPTION = (
    "The seed product's published `PhoneNumberStatusResponse`, computed from the warmup "
    "engine's state, the plan's limits, the capacity counters and the daily stats of the "
    "number's current owner (`windowDays`, or `startDate`/`endDate`, US Eastern days); "
    "beside it, ours: the warmup fields, `canPause`/`canResume`, warmup `events`, `plan`, "
    "`planDay`, `planDays`, `limits`, `lastAction`, `sendingBlockedReason` and `window`."
)
FIELD_WRITE_403 = {
    403: "`/problems/field-not-writable`: the body changes fields this API key may not write "
    '(their descriptions say "Staff only."); `errors` names each one and nothing is changed. '
    "A field sent with the value it already has is accepted."
}


class PhoneNumberPagination(KeysetPagination):
    sort_fields = PHONE_NUMBER_SORT_FIELDS
    default_order = PHONE_NUMBER_DEFAULT_ORDER
    page_component = "PhoneNumberPage"


class PhoneNumberEventPagination(KeysetPagination):
    sort_fields = {"createdAt": PHONE_NUMBER_SORT_FIELDS["createdAt"]}
    default_order = "-createdAt"
    page_component = "PhoneNumberEventPage"
    count = False


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        operation_id="listPhoneNumbers",
        summary="List phone numbers",
        responses={200: PhoneNumberSummaryOutput(many=True), **problems(400)},
    ),
    create=extend_schema(
        tags=TAG,
        operation_id="createPhoneNumber",
        summary="Create a phone number",
        description="Creates a number, assigns an unassigned pool number, or (without "
        "`number`) claims one from the pool for the business. Answers 200, as the seed "
        "product's published phone-numbers document says, with `Location` and `ETag`.",
        request=PhoneNumberCreateInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: PhoneNumberOutput, **problems(*WRITE_PROBLEMS)},
    ),
    retrieve=extend_schema(
        tags=TAG,
        operation_id="getPhoneNumber",
        summary="Get a phone number",
        responses={200: PhoneNumberOutput, **problems(404)},
    ),
    partial_update=extend_schema(
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
    ),
    update=extend_schema(
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
    ),
    destroy=extend_schema(
        tags=TAG,
        operation_id="releasePhoneNumber",
        summary="Release a phone number",
        description="Sets inventoryState Released at once; the row and its history stay. "
        "Releasing again is a no-op. A number of a provider account configured here, with "
        "the provider's id, is then released at the provider by a background job: its "
        "providerReleasedAt stays null until the provider confirms (a refusal shows as its "
        "providerError). Any other number's providerReleasedAt is set at once.",
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={204: None, **problems(*WRITE_PROBLEMS, 404, 412)},
    ),
)
class PhoneNumberViewSet(ApiViewSet):
    filter_backends = [StrictFilterBackend]
    filterset_class = PhoneNumberFilter
    pagination_class = PhoneNumberPagination
    serializer_class = PhoneNumberSummaryOutput
    # How a page of numbers is read (selectors decide, e.g. ids first, then the joins).
    fetch_page = staticmethod(selectors.phone_number_page_rows)

    def get_queryset(self):
        if self.action in ("list", "organization"):
            return selectors.phone_number_list(user=self.request.user)
        return selectors.phone_number_visible_to(user=self.request.user)

    def create(self, request: Request) -> Response:
        data = validated(PhoneNumberCreateInput, request.data)
        business = self._resolve_business(data.get("businessId"))
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
            status=200,  # the seed product's document (a generated client expects it)
            headers={"ETag": phone_number.etag, "Location": location},
        )

    def retrieve(self, request: Request, id: uuid.UUID) -> Response:
        return self._representation(id)

    def partial_update(self, request: Request, id: uuid.UUID) -> Response:
        phone_number = self.get_object()
        data = dict(validated(PhoneNumberPatchInput, request.data))
        ten_dlc = data.pop("ten_dlc", None)
        billing = data.pop("billing", None)
        business = services.UNSET
        if "businessId" in data:
            business = self._business(data.pop("businessId"))
        services.phone_number_update(
            phone_number=phone_number,
            acting_user=request.user,
            fields=data,
            ten_dlc=ten_dlc,
            billing=billing,
            business=business,
            if_match=if_match_tags(request),
        )
        return self._representation(id)

    def update(self, request: Request, id: uuid.UUID) -> Response:
        phone_number = self.get_object()
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
            business = self._business(data["businessId"])
        services.phone_number_update(
            phone_number=phone_number,
            acting_user=request.user,
            fields={"name": data["name"], "enabled": data["enabled"]},
            business=business,
            if_match=if_match_tags(request),
        )
        return self._representation(id)

    def destroy(self, request: Request, id: uuid.UUID) -> Response:
        services.phone_number_release(
            phone_number=self.get_object(),
            acting_user=request.user,
            if_match=if_match_tags(request),
        )
        return Response(status=204)

    @extend_schema(
        tags=TAG,
        operation_id="listOrganizationPhoneNumbers",
        summary="List phone numbers (the seed product's list request)",
        description="GET /phone-numbers with the request in a `RequestDataOptions` body, as "
        "the seed product's `POST /phone-numbers/all/organization`: `orderBy` and `filters` "
        "take the fields GET /phone-numbers offers (`organizationId` is `businessId`), "
        "`rangeFilters` createdAt and modifiedAt with inclusive bounds. Items are "
        "`PhoneNumberTableRow`s. A continuationToken continues the same list in either "
        "request shape, with the same ordering.",
        request=RequestDataOptionsInput,
        responses={200: PhoneNumberTableRowPageOutput, **problems(400)},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="all/organization",
        url_name="organization",
        serializer_class=PhoneNumberTableRowOutput,
    )
    def organization(self, request: Request) -> Response:
        options = ListOptions(validated(RequestDataOptionsInput, request.data))
        self.list_params = options.params
        try:
            return self.keyset_page(self.get_queryset())
        except DjangoValidationError as exc:
            raise ValidationError(options.in_body_terms(exc.message_dict)) from None

    @extend_schema(
        tags=TAG,
        operation_id="listPhoneNumberEvents",
        summary="List a phone number's events",
        description="Newest first, each with its `changes`: before → after per field. A "
        "caller without a staff key sees the events written while its businesses owned the "
        "number, staff members' actions as `Support`.",
        responses={200: PhoneNumberEventWithChangesOutput(many=True), **problems(400, 404)},
    )
    @action(
        detail=True,
        url_name="events",
        filterset_class=PhoneNumberEventFilter,
        pagination_class=PhoneNumberEventPagination,
        serializer_class=PhoneNumberEventWithChangesOutput,
        fetch_page=None,
    )
    def events(self, request: Request, id: uuid.UUID) -> Response:
        return self.keyset_page(
            selectors.phone_number_event_list(user=request.user, phone_number=self.get_object())
        )

    @extend_schema(
        tags=TAG,
        operation_id="getPhoneNumberWarmup",
        summary="Get a phone number's warmup status",
        description=STATUS_DESCRIPTION,
        parameters=WINDOW_PARAMETERS,
        responses={200: PhoneNumberStatusOutput, **problems(400, 404)},
    )
    @action(detail=True, url_name="warmup")
    def warmup(self, request: Request, id: uuid.UUID) -> Response:
        window = window_from_query(request.query_params)
        phone_number = selectors.phone_number_for_status(user=request.user, id=id)
        if phone_number is None:
            raise Http404
        return status_response(request, phone_number, window)

    @extend_schema(
        tags=TAG,
        operation_id="pausePhoneNumberWarmup",
        summary="Pause a phone number's warmup",
        request=WarmupPauseInput,
        parameters=[IDEMPOTENCY_KEY],
        description="Answers the warmup status (of the default window).",
        responses={200: PhoneNumberStatusOutput, **problems(*WRITE_PROBLEMS, 404)},
    )
    @action(detail=True, methods=["post"], url_path="warmup/pause", url_name="warmup-pause")
    def warmup_pause(self, request: Request, id: uuid.UUID) -> Response:
        phone_number = self.get_object()
        data = validated(WarmupPauseInput, request.data)
        phone_number = services.phone_number_warmup_pause(
            phone_number=phone_number, acting_user=request.user, reason=data["reason"]
        )
        return self._warmup(phone_number)

    @extend_schema(
        tags=TAG,
        operation_id="resumePhoneNumberWarmup",
        summary="Resume a phone number's paused warmup",
        request={"application/json": {"type": "object", "additionalProperties": False}},
        parameters=[IDEMPOTENCY_KEY],
        description="Answers the warmup status (of the default window).",
        responses={200: PhoneNumberStatusOutput, **problems(*WRITE_PROBLEMS, 404)},
    )
    @action(detail=True, methods=["post"], url_path="warmup/resume", url_name="warmup-resume")
    def warmup_resume(self, request: Request, id: uuid.UUID) -> Response:
        phone_number = self.get_object()
        validated(EmptyInput, request.data)
        phone_number = services.phone_number_warmup_resume(
            phone_number=phone_number, acting_user=request.user
        )
        return self._warmup(phone_number)

    def serialize_page(self, rows: list) -> list:
        if self.action == "events":
            rows = selectors.events_as_seen_by(user=self.request.user, events=rows)
        return super().serialize_page(rows)

    def _representation(self, id: uuid.UUID) -> Response:
        """The full representation (with latest events and ETag) of a number the caller sees."""
        phone_number = selectors.phone_number_get(user=self.request.user, id=id)
        if phone_number is None:
            raise Http404
        return Response(PhoneNumberOutput(phone_number).data, headers={"ETag": phone_number.etag})

    def _business(self, business_id: uuid.UUID | None):
        if business_id is None:
            return None  # back to the pool; the service allows it for staff only
        return self._resolve_business(business_id)

    def _resolve_business(self, business_id: uuid.UUID | None):
        try:
            return business_resolve_for_caller(user=self.request.user, business_id=business_id)
        except DjangoValidationError as error:
            # Named as the caller named it: a client of the published document sent
            # organizationId and looks for its error there.
            body = self.request.data
            if isinstance(body, dict) and "organizationId" in body and "businessId" not in body:
                raise DjangoValidationError(
                    {"organizationId": error.message_dict["businessId"]}
                ) from None
            raise

    def _warmup(self, phone_number: PhoneNumber) -> Response:
        """The status answer after a pause or resume (the query string is not read)."""
        window = warmup_status.stats_window(today=clock.eastern_day(timezone.now()))
        return status_response(self.request, phone_number, window)


class PhoneNumberStatusView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="getPhoneNumberStatus",
        summary="Get a phone number's status, by its number",
        description=STATUS_DESCRIPTION + " The number is E.164 (URL-encode + as %2B); "
        "another format is read as the API reads `number`. A number that is not one is a 400; "
        "one the API key does not see, a 404. Staff reading a number that was released and "
        "created again get the unreleased one.",
        parameters=[
            OpenApiParameter(
                "phoneNumber",
                str,
                OpenApiParameter.PATH,
                description="The number, e.g. +14155552671 (as %2B14155552671).",
            ),
            *WINDOW_PARAMETERS,
        ],
        responses={200: PhoneNumberStatusOutput, **problems(400, 404)},
    )
    def get(self, request: Request, phoneNumber: str) -> Response:
        errors = {}
        try:
            window = window_from_query(request.query_params)
        except ValidationError as exc:
            errors.update(exc.detail)
        try:
            number = normalize_number(phoneNumber)
        except InvalidNumber as exc:
            errors["phoneNumber"] = [str(exc)]
        if errors:
            raise ValidationError(errors)
        phone_number = selectors.phone_number_for_status_by_number(user=request.user, number=number)
        if phone_number is None:
            raise Http404
        return status_response(request, phone_number, window)


def status_response(
    request: Request, phone_number: PhoneNumber, window: warmup_status.StatsWindow
) -> Response:
    """A number's warmup status answer (PhoneNumberStatusOutput), with its ETag."""
    phone_number.can_pause = services.warmup_can_pause(phone_number)
    phone_number.can_resume = services.warmup_can_resume(phone_number)
    phone_number.warmup_events = selectors.phone_number_warmup_events(
        user=request.user, phone_number=phone_number
    )
    phone_number.status_answer = warmup_status.phone_number_status(
        phone_number, window=window, now=timezone.now()
    )
    return Response(PhoneNumberStatusOutput(phone_number).data, headers={"ETag": phone_number.etag})
