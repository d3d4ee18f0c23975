"""RFC 9457 problem details for every error the API returns.

One exception handler renders DRF's exceptions, Django's Http404/PermissionDenied/
ValidationError and our DomainErrors as `application/problem+json`; handler404 and
handler500 do the same for errors raised outside DRF views.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings

from core.db.timeouts import is_query_timeout
from core.errors import DomainError
from core.parsers import MAX_DEPTH as MAX_JSON_DEPTH

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
JSON_CONTENT_TYPE = "application/json"
PROBLEM_BASE = "/problems/"

# slug -> (title, what it means and what to do). Served as documentation at /problems/<slug>.
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "validation-error": (
        "Your request is not valid",
        "One or more fields are missing or have bad values. `errors` maps each field "
        "(camelCase, dotted for nested fields) to its messages. Fix them and retry.",
    ),
    "malformed-request": (
        "The request body could not be read",
        f"The body is not valid JSON, or nests more than {MAX_JSON_DEPTH} levels deep. Send a "
        "JSON object with Content-Type application/json.",
    ),
    "unauthenticated": (
        "Authentication required",
        "Send a valid, unrevoked API key as `Authorization: Bearer <key>`.",
    ),
    "webhook-signature-invalid": (
        "The webhook could not be verified",
        "Webhooks at /webhooks/<provider> must be signed by the provider: Telnyx and the "
        "simulated provider with Ed25519 over `{timestamp}|{raw body}` (headers "
        "`telnyx-signature-ed25519` and `telnyx-timestamp`, the timestamp within "
        "PROVIDER_WEBHOOK_TOLERANCE_SECONDS of our clock), Twilio with `X-Twilio-Signature` "
        "over the URL it called and the form it sent. The signature was missing, did not "
        "match, or the timestamp was too old or too far ahead; nothing was stored. Check the "
        "public key or auth token configured here, the server's clock, and (Twilio) "
        "TWILIO_WEBHOOK_BASE_URL when a proxy changes the URL.",
    ),
    "forbidden": (
        "Not allowed",
        "Your API key is valid but may not perform this operation (for example, "
        "staff-only operations).",
    ),
    "field-not-writable": (
        "Field not writable with this key",
        "The request changes fields your API key may not write: inventory, provider, 10DLC, "
        "billing and warmup facts need a staff key (the README's API section lists who may "
        "write each field). `errors` maps each refused field to the reason; nothing was "
        "changed. Sending a field with the value it already has is not a change and is "
        "accepted.",
    ),
    "not-found": (
        "Not found",
        "Nothing with this id exists among the resources your key can see.",
    ),
    "method-not-allowed": (
        "Method not allowed",
        "This path does not support that HTTP method; the Allow header lists those it does.",
    ),
    "not-acceptable": ("Not acceptable", "The API answers with JSON only."),
    "payload-too-large": (
        "Request body too large",
        "The body is larger than the server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB "
        "by default). Send less data per request.",
    ),
    "unsupported-media-type": (
        "Unsupported media type",
        "Request bodies must be JSON, sent with Content-Type application/json.",
    ),
    "rate-limited": (
        "Too many requests",
        "You have sent too many requests. Wait for the number of seconds in Retry-After.",
    ),
    "conflict": (
        "Conflict with the current state",
        "The request is valid but conflicts with the current state of the resource.",
    ),
    "number-exists": (
        "The phone number already exists",
        "A non-released phone number with this E.164 value exists and cannot be created "
        "or claimed again. `inventoryState` says what state it is in.",
    ),
    "id-taken": (
        "The id is already taken",
        "A resource with the client-chosen id exists. Choose another id or omit it.",
    ),
    "inventory-exhausted": (
        "Inventory exhausted",
        "No unassigned, enabled, Available number is left in the pool to claim. "
        "Create the number explicitly with `number`, or add inventory.",
    ),
    "invalid-transition": (
        "State change not allowed",
        "inventoryState or status cannot move from its current value to the one requested. "
        "`allowed` lists the states it can move to next; Released is terminal.",
    ),
    "number-released": (
        "The phone number is released",
        "A released number keeps its history but cannot be changed. Create the number again "
        "to use it: that makes a new row.",
    ),
    "precondition-failed": (
        "The resource has changed",
        "If-Match named an ETag that is no longer current: someone changed the resource "
        "since you read it. GET it again, re-apply your change and retry with the new ETag.",
    ),
    "warmup-conflict": (
        "Warmup cannot do that now",
        "Warmup can be paused only while enabled and running, and resumed only while paused. "
        "GET .../warmup tells canPause and canResume.",
    ),
    "business-not-empty": (
        "The business still has phone numbers",
        "A business with phone numbers (released ones included, for their history) cannot "
        "be deleted.",
    ),
    "idempotency-key-reused": (
        "Idempotency-Key reused for a different request",
        "An Idempotency-Key identifies one request. Sending it again with a different method, "
        "path or body is refused; use a new key for a new request.",
    ),
    "idempotency-key-in-use": (
        "A request with this Idempotency-Key is in progress",
        "The first request with this key has not finished. Retry shortly to get its response.",
    ),
    "service-unavailable": (
        "Service unavailable",
        "A dependency (the database or the cache) is not answering; `checks` names each "
        "dependency's state where the response has it. Retry later.",
    ),
    "query-timeout": (
        "The request took too long",
        "The database did not answer within the time a request may take (a few seconds; "
        "DATABASE_STATEMENT_TIMEOUT_MS on the server), so the request was stopped and "
        "nothing was changed. Narrow it (filters, a smaller pageSize, no includeCount) or "
        "retry later.",
    ),
    "provider-error": (
        "The provider refused the request",
        "The telecom provider (Telnyx, Twilio or the simulated one) refused the request; "
        "`detail` gives its reason and `providerCode` its own error code when it sent one. "
        "Retrying the same request will not help.",
    ),
    "provider-unavailable": (
        "The provider is not available",
        "No account of the provider is configured here, or the provider did not answer "
        "(a timeout, its own failure, a rate limit). Retry after Retry-After seconds.",
    ),
    "server-error": (
        "Internal server error",
        "Something failed on our side. The request may be retried; if it keeps failing, "
        "contact support with the time of the request.",
    ),
}

_STATUS_TYPES = {
    400: "malformed-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "payload-too-large",
    409: "conflict",
    415: "unsupported-media-type",
    429: "rate-limited",
    500: "server-error",
    503: "service-unavailable",
}


def problem_body(
    *,
    status: int,
    problem_type: str | None = None,
    title: str | None = None,
    detail: str,
    instance: str,
    **extensions: Any,
) -> dict[str, Any]:
    slug = problem_type or _STATUS_TYPES.get(status)
    if slug in PROBLEM_TYPES:
        type_uri = PROBLEM_BASE + slug
        title = title or PROBLEM_TYPES[slug][0]
    else:
        type_uri = "about:blank"
        title = title or HTTPStatus(status).phrase
    return {
        "type": type_uri,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extensions,
    }


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into {"field.sub": ["message", ...]}."""
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(key, int):  # an item of a list (DRF keys a list's errors by index)
                flat.update(flatten_errors(value, f"{prefix}[{key}]"))
                continue
            name = api_settings.NON_FIELD_ERRORS_KEY if key == "non_field_errors" else str(key)
            flat.update(flatten_errors(value, f"{prefix}.{name}" if prefix else name))
        return flat
    if isinstance(detail, list | tuple):
        if all(not isinstance(item, Mapping | list | tuple) for item in detail):
            return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            flat.update(flatten_errors(item, f"{prefix}[{index}]"))
        return flat
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(detail)]}


def _validation_detail(errors: dict[str, list[str]]) -> str:
    fields = ", ".join(errors)
    first = next(iter(errors.values()))[0] if errors else ""
    if len(errors) == 1:
        return f"{fields}: {first}"
    return f"{len(errors)} fields are invalid: {fields}."


def problem_content_type(request: HttpRequest | None) -> str:
    """`application/problem+json`, unless the client asks for `application/json` and
    not for it: the same body then comes as plain JSON (clients generated from the seed
    product's document, which declares its errors as application/json, send that)."""
    request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    if request is None or "HTTP_ACCEPT" not in request.META:
        return PROBLEM_CONTENT_TYPE
    if request.accepts(PROBLEM_CONTENT_TYPE) or not request.accepts(JSON_CONTENT_TYPE):
        return PROBLEM_CONTENT_TYPE
    return JSON_CONTENT_TYPE


def _problem_response(
    body: dict[str, Any], request: HttpRequest | None, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        body, status=body["status"], headers=headers, content_type=problem_content_type(request)
    )


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""

    if isinstance(exc, DomainError):
        return _problem_response(
            problem_body(
                status=exc.status,
                problem_type=exc.problem_type,
                title=exc.title,
                detail=exc.detail,
                instance=instance,
                **exc.extensions,
            ),
            request,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"body": exc.messages}
        )
    elif isinstance(exc, RequestDataTooBig):
        exc = exceptions.APIException(str(exc))
        exc.status_code = 413
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        return _problem_response(
            problem_body(
                status=400,
                problem_type="validation-error",
                detail=_validation_detail(errors),
                instance=instance,
                errors=errors,
            ),
            request,
        )
    if isinstance(exc, exceptions.APIException):
        headers: dict[str, str] = {}
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            exc.status_code = 401
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) + (exc.wait % 1 > 0))
        if isinstance(exc, exceptions.MethodNotAllowed) and context.get("view") is not None:
            headers["Allow"] = ", ".join(context["view"].allowed_methods)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return _problem_response(
            problem_body(status=exc.status_code, detail=str(detail), instance=instance),
            request,
            headers=headers,
        )

    if isinstance(exc, OperationalError) and is_query_timeout(exc):
        logger.warning("Statement timeout in %s", instance)
        return _problem_response(
            problem_body(
                status=503,
                problem_type="query-timeout",
                detail="The database did not answer in time; the request was stopped.",
                instance=instance,
            ),
            request,
        )
    logger.exception("Unhandled error in API view", exc_info=exc)
    return _problem_response(
        problem_body(
            status=500,
            detail="An unexpected error occurred. It has been logged.",
            instance=instance,
        ),
        request,
    )


def problem_json_response(request: HttpRequest, status: int, detail: str) -> JsonResponse:
    return JsonResponse(
        problem_body(status=status, detail=detail, instance=request.get_full_path()),
        status=status,
        content_type=problem_content_type(request),
    )


# Pages for people (admin, operator pages) keep Django's HTML error pages.
HTML_PATH_PREFIXES = ("/admin/", "/ops/")


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(HTML_PATH_PREFIXES):
        return defaults.bad_request(request, exception)
    return problem_json_response(
        request, 400, "The request could not be accepted (bad Host header?)."
    )


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(HTML_PATH_PREFIXES):
        return defaults.permission_denied(request, exception)
    return problem_json_response(request, 403, "You may not access this resource.")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(HTML_PATH_PREFIXES):
        return defaults.page_not_found(request, exception)
    return problem_json_response(request, 404, f"No resource at {request.path}.")


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(HTML_PATH_PREFIXES):
        return defaults.server_error(request)
    return problem_json_response(request, 500, "An unexpected error occurred. It has been logged.")
