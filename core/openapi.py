"""OpenAPI helpers: problem responses, keyset lists, response headers."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_list_serializer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from core.problems import JSON_CONTENT_TYPE, PROBLEM_CONTENT_TYPE
from core.serializers import ProblemOutput

_DESCRIPTIONS = {
    400: "Invalid request: `errors` lists each bad field.",
    401: "No API key, or a bad, expired or revoked one.",
    403: "The API key may not do this.",
    404: "Not found among what the API key can see.",
    406: "The Accept header does not allow JSON.",
    409: "Conflicts with the current state (see `type`).",
    412: "If-Match does not match the current ETag.",
    413: "Request body too large.",
    415: "The body is not JSON.",
    422: "Idempotency-Key reused with a different request.",
    429: "Rate limit exceeded; see Retry-After.",
}


def problems(*statuses: int, descriptions: dict[int, str] | None = None) -> dict:
    """Problem responses for `extend_schema(responses=...)`; 401 and 429 always apply.

    `descriptions`: what a status means for this operation, where it says more than the
    general one.
    """
    described = {**_DESCRIPTIONS, **(descriptions or {})}
    return {
        (status, content_type): OpenApiResponse(ProblemOutput, description=described[status])
        for status in sorted({*statuses, 401, 429})
        # problem+json, or plain JSON to a client that asks only for that
        # (core.problems.problem_content_type).
        for content_type in (PROBLEM_CONTENT_TYPE, JSON_CONTENT_TYPE)
    }


WRITE_PROBLEMS = (400, 409, 413, 415, 422)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "pattern": r"^[\x21-\x7e]{1,255}$"},
    OpenApiParameter.HEADER,
    description="Makes the write safe to retry: the first response for this key is replayed "
    "for 24 hours (with `Idempotent-Replayed: true`).",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The ETag from a previous read; the write is refused with 412 if the number "
    "changed since.",
)


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, told which operations are keyset lists.

    An operation is a list when its 200 response is a `many=True` serializer (e.g. an
    @action's), not only when it is the `list` action; its page component takes the
    name its pagination class gives (`page_component`), e.g. PhoneNumberPage.
    """

    def _is_list_view(self, serializer=None) -> bool:
        if serializer is None:
            responses = self.get_response_serializers()
            if isinstance(responses, dict):
                ok = [s for code, s in responses.items() if code in (200, "200")]
                if ok and is_list_serializer(ok[0]):
                    return True
        return super()._is_list_view(serializer)

    def get_description(self) -> str:
        # Only what `extend_schema(description=...)` says: never a class docstring (DRF's
        # ViewSetMixin's would otherwise describe every operation).
        return ""

    def get_paginated_name(self, serializer_name: str) -> str:
        paginator = self._get_paginator()
        return getattr(paginator, "page_component", None) or super().get_paginated_name(
            serializer_name
        )


def drop_trailing_slash_duplicates(endpoints: list) -> list:
    """Every path also answers with a trailing slash; the schema documents each once."""
    return [endpoint for endpoint in endpoints if not endpoint[0].endswith("/")]


# Response headers the generator cannot infer from the views.
_HEADERS = {
    "ETag": "Entity tag of the number; send it as If-Match to make a write conditional.",
    "Location": "URL of the created resource.",
    "Retry-After": "Seconds until the rate-limit window ends.",
    "WWW-Authenticate": "Bearer",
    "Idempotent-Replayed": "true when this is the stored response to an Idempotency-Key.",
}


def _header(name: str) -> dict:
    return {"schema": {"type": "string"}, "description": _HEADERS[name]}


def _strict_components(result: dict) -> None:
    """Request bodies refuse unknown fields, so their schemas say additionalProperties false."""
    schemas = result.get("components", {}).get("schemas", {})
    pending = [
        media["schema"]["$ref"]
        for path in result.get("paths", {}).values()
        for operation in path.values()
        for media in operation.get("requestBody", {}).get("content", {}).values()
        if "$ref" in media.get("schema", {})
    ]
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        schema = schemas[ref.rsplit("/", 1)[-1]]
        schema["additionalProperties"] = False
        for prop in schema.get("properties", {}).values():
            items = prop.get("items", {})  # a list of objects, e.g. orderBy
            for candidate in [prop, *prop.get("oneOf", []), *prop.get("allOf", []), items]:
                if "$ref" in candidate:
                    pending.append(candidate["$ref"])


# Responses that carry the number's ETag (by the component they return).
_ETAG_COMPONENTS = (
    "#/components/schemas/PhoneNumber",
    "#/components/schemas/PhoneNumberStatusResponse",
)


def add_response_headers_and_strict_bodies(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: what the views promise but cannot declare."""
    _strict_components(result)
    for path in result.get("paths", {}).values():
        for operation in path.values():
            parameters = operation.get("parameters", [])
            takes_key = any(p.get("name") == "Idempotency-Key" for p in parameters)
            for status, response in operation.get("responses", {}).items():
                headers = {}
                refs = {
                    media.get("schema", {}).get("$ref")
                    for media in response.get("content", {}).values()
                }
                if status == "429":
                    headers["Retry-After"] = _header("Retry-After")
                if status == "401":
                    headers["WWW-Authenticate"] = _header("WWW-Authenticate")
                if status == "201":
                    headers["Location"] = _header("Location")
                if status.startswith("2") and refs & set(_ETAG_COMPONENTS):
                    headers["ETag"] = _header("ETag")
                if takes_key and status[0] in "24":
                    headers["Idempotent-Replayed"] = _header("Idempotent-Replayed")
                if headers:
                    response["headers"] = headers
    return result
