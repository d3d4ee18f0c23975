"""The base of every API view: rate limit, idempotency keys, entity tags, keyset lists."""

from __future__ import annotations

from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import parse_etags
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSetMixin

from core.filtering import validate_together
from core.idempotency import HEADER, idempotency_begin, idempotency_complete
from core.pagination import list_params

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class _Replay(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


class ApiView(APIView):
    # APIView with the API's cross-cutting rules (a comment, not a docstring: the
    # OpenAPI generator would show a docstring as every operation's description).
    # - The rate limit is checked right after authentication, before permissions,
    #   so that refused requests count too.
    # - Writes with an `Idempotency-Key` header are run once per key and caller; a
    #   retry gets the first response again (see core.idempotency).

    def initial(self, request: Request, *args, **kwargs) -> None:
        self.format_kwarg = self.get_format_suffix(**kwargs)
        negotiated = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = negotiated
        request.version, request.versioning_scheme = self.determine_version(
            request, *args, **kwargs
        )
        try:
            self.perform_authentication(request)
        except exceptions.AuthenticationFailed:
            # Count failed keys too (per client IP), or guessing keys would be free.
            self.check_throttles(request)
            raise
        self.check_throttles(request)
        self.check_permissions(request)
        self._idempotency_record = None
        key = request.headers.get(HEADER)
        # Only for a method this view answers: an unsupported one is a 405 however often
        # it is sent, not a replayed 405 or a 422 for the key's "different request".
        if key is not None and request.method in WRITE_METHODS and self._handles(request):
            outcome = idempotency_begin(
                user=request.user,
                key=key,
                method=request.method,
                path=request.get_full_path(),
                body=request.body,
                if_match=request.headers.get("If-Match"),
            )
            if isinstance(outcome, HttpResponse):
                raise _Replay(self.idempotency_replay(outcome))
            self._idempotency_record = outcome

    def _handles(self, request: Request) -> bool:
        method = request.method.lower()
        return method in self.http_method_names and hasattr(self, method)

    def handle_exception(self, exc: Exception):
        if isinstance(exc, _Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record = getattr(self, "_idempotency_record", None)
        if record is not None:
            self._idempotency_record = None
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            idempotency_complete(
                record=record, response=response, body=self.idempotency_body(response)
            )
        return response

    def idempotency_body(self, response) -> bytes:
        """The body kept to replay for an Idempotency-Key. A view whose answers carry a
        secret keeps it sealed here (the table of stored answers is not a vault) and opens
        it in `idempotency_replay`."""
        return bytes(response.content)

    def idempotency_replay(self, response: HttpResponse) -> HttpResponse:
        """The stored answer as it is replayed (see `idempotency_body`)."""
        return response


class ApiViewSet(ViewSetMixin, ApiView, GenericAPIView):
    # A GenericViewSet with ApiView's rules, for resources served on a router.
    # - Objects are looked up by `id` (a UUID in the path) in `get_queryset()`, which
    #   scopes them to the caller: someone else's object is a 404, like a missing one.
    # - Filters apply to lists only: a detail URL's query string is ignored.
    # - `list` validates filters, ordering and paging together, so one 400 names every
    #   bad parameter; `fetch_page` (from a selector) reads a page's rows.

    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_converter = "uuid"
    fetch_page = None

    def get_object(self) -> Model:
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg]}
        obj = get_object_or_404(self.get_queryset(), **lookup)
        self.check_object_permissions(self.request, obj)
        return obj

    def list(self, request: Request, *args, **kwargs) -> Response:
        return self.keyset_page(self.get_queryset())

    def keyset_page(self, queryset) -> Response:
        """A page of `queryset`, filtered: bad filters, ordering and paging in one 400."""
        queryset, _ = validate_together(
            lambda: self.filter_queryset(queryset),
            lambda: self.paginator.parse(list_params(self.request, self)),
        )
        rows = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.serialize_page(rows))

    def serialize_page(self, rows: list) -> list:
        return self.get_serializer(rows, many=True).data


def if_match_tags(request: Request) -> list[str] | None:
    """The entity tags of an If-Match header, or None when there is none.

    A header that is not a list of entity tags matches no version (412), as a stale
    tag would: the client asked for a condition, so the write must not go ahead.
    """
    header = request.headers.get("If-Match")
    if header is None:
        return None
    return parse_etags(header) or ([header.strip()] if header.strip() else [])
