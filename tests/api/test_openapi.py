"""The OpenAPI schema: valid OpenAPI 3.1, documents the contract, and real traffic conforms.

Real responses are checked against the schema by tests/api/conftest.py, for every
request of every test in tests/api (their status, content type and body). Here: the
document itself, the operations' documented responses, request bodies the API accepts,
the 429 of every operation, /docs, and that the check of every response runs.
"""

from __future__ import annotations

import copy
import json
import re
from html.parser import HTMLParser

import jsonschema
import pytest
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.views import serve
from django.core.cache import cache
from django.test import Client, RequestFactory
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from core.serializers import INTEGER_STRING_PATTERN
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import (
    InventoryState,
    PhoneNumberStatus,
    WarmupHealthState,
)
from tests.api import conftest as api_conftest
from tests.api.conformance import SCHEMA_URI, Conformance, registry, validator
from tests.factories import PhoneNumberFactory
from tests.rate_windows import start_of_a_fresh_window

PROBLEM = "application/problem+json"
JSON = "application/json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
BEARER = {"type": "http", "scheme": "bearer"}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

NUMBERS = "/phone-numbers"
ORGANIZATION = "/phone-numbers/all/organization"
NUMBER = "/phone-numbers/{id}"
EVENTS = "/phone-numbers/{id}/events"
WARMUP = "/phone-numbers/{id}/warmup"
PAUSE = "/phone-numbers/{id}/warmup/pause"
RESUME = "/phone-numbers/{id}/warmup/resume"
STATUS = "/phone-numbers/{phoneNumber}/status"
BUSINESSES = "/businesses"
BUSINESS = "/businesses/{id}"
OUTCOMES = "/message-outcomes"

# operationId -> (method, path, success status, success body component, error statuses
# that must be documented besides 401 and 429, which every operation documents).
OPERATIONS = {
    "listPhoneNumbers": ("get", NUMBERS, 200, "PhoneNumberPage", {400}),
    "listOrganizationPhoneNumbers": (
        "post",
        ORGANIZATION,
        200,
        "PagedResultOfPhoneNumberTableRow",
        {400},
    ),
    "createPhoneNumber": ("post", NUMBERS, 200, "PhoneNumber", {400, 409, 413, 415, 422}),
    "getPhoneNumber": ("get", NUMBER, 200, "PhoneNumber", {404}),
    "updatePhoneNumber": ("patch", NUMBER, 200, "PhoneNumber", {400, 403, 404, 409, 412}),
    "replacePhoneNumber": ("put", NUMBER, 200, "PhoneNumber", {400, 403, 404, 409, 412}),
    "releasePhoneNumber": ("delete", NUMBER, 204, None, {404, 412}),
    "listPhoneNumberEvents": ("get", EVENTS, 200, "PhoneNumberEventPage", {400, 404}),
    "getPhoneNumberWarmup": ("get", WARMUP, 200, "PhoneNumberStatusResponse", {400, 404}),
    "getPhoneNumberStatus": ("get", STATUS, 200, "PhoneNumberStatusResponse", {400, 404}),
    "pausePhoneNumberWarmup": (
        "post",
        PAUSE,
        200,
        "PhoneNumberStatusResponse",
        {400, 404, 409},
    ),
    "resumePhoneNumberWarmup": (
        "post",
        RESUME,
        200,
        "PhoneNumberStatusResponse",
        {400, 404, 409},
    ),
    "listBusinesses": ("get", BUSINESSES, 200, "BusinessPage", {400}),
    "createBusiness": ("post", BUSINESSES, 201, "Business", {400, 403}),
    "getBusiness": ("get", BUSINESS, 200, "Business", {404}),
    "updateBusiness": ("patch", BUSINESS, 200, "Business", {400, 403, 404}),
    "deleteBusiness": ("delete", BUSINESS, 204, None, {403, 404, 409}),
    "recordMessageOutcomes": (
        "post",
        OUTCOMES,
        200,
        "MessageOutcomeBatchResult",
        {400, 409, 413, 415, 422},
    ),
}
# Header parameters keep their HTTP spelling; everything else the API names is camelCase.
CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z0-9]*$")


def _numbers_url(id, suffix: str = "") -> str:
    return f"/phone-numbers/{id}{suffix}"


@pytest.fixture
def assigned(db, business) -> PhoneNumber:
    """A number of `business`, warming up (so its warmup can be paused)."""
    return PhoneNumberFactory(
        business=business,
        warmup_enabled=True,
        warmup_state=WarmupHealthState.WARMING,
        health_status=WarmupHealthState.HEALTHY,
        warmup_health_score=87,
        warmup_progress_percent=40,
    )


def _collect(node, key: str) -> list:
    """Every value of `key` anywhere in a JSON document."""
    found = []
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key:
                found.append(value)
            found.extend(_collect(value, key))
    elif isinstance(node, list):
        for item in node:
            found.extend(_collect(item, key))
    return found


def _resolve_all(openapi: dict, node):
    """`node` with every local $ref replaced by its target (the schemas have no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = openapi
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return _resolve_all(openapi, {**copy.deepcopy(target), **rest})
        return {key: _resolve_all(openapi, value) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve_all(openapi, item) for item in node]
    return node


def _operations(openapi: dict):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method, path, operation


# --- The document ---------------------------------------------------------------------


class TestSchemaDocument:
    def test_generated_schema_is_valid_openapi_3_1(self, openapi):
        assert openapi["openapi"].startswith("3.1.")
        # The OpenAPI Initiative's JSON Schema for OAS 3.1 documents, as drf-spectacular
        # bundles it (openapi-spec-validator is not a dependency of this project).
        validate_schema(openapi)

    def test_every_component_schema_is_valid_json_schema_2020_12(self, openapi):
        for name, schema in openapi["components"]["schemas"].items():
            try:
                jsonschema.Draft202012Validator.check_schema(schema)
            except jsonschema.SchemaError as exc:  # pragma: no cover - the failure message
                pytest.fail(f"components.schemas.{name}: {exc.message}")

    def test_every_ref_resolves(self, openapi):
        resolver = registry(openapi).resolver()
        refs = set(_collect(openapi, "$ref"))
        assert refs
        for ref in refs:
            assert ref.startswith("#/components/"), ref
            resolver.lookup(SCHEMA_URI + ref)  # raises if it does not resolve

    def test_served_schema_is_the_generated_one_and_valid(self, openapi, db):
        response = Client().get("/openapi.json", HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        served = json.loads(response.content)
        validate_schema(served)
        assert served == openapi

    def test_openapi_json_is_json_without_an_accept_header(self, db):
        response = Client().get("/openapi.json")
        assert response.status_code == 200
        assert "json" in response["Content-Type"]
        json.loads(response.content)

    def test_operations_have_the_documented_ids(self, openapi):
        ids = {}
        for method, path, operation in _operations(openapi):
            assert operation["operationId"] not in ids, operation["operationId"]
            ids[operation["operationId"]] = (method, path)
        for operation_id, (method, path, *_) in OPERATIONS.items():
            assert ids.get(operation_id) == (method, path), operation_id

    def test_every_path_is_documented_once(self, openapi):
        paths = list(openapi["paths"])
        assert not [path for path in paths if path.endswith("/") and path != "/"]
        assert len({path.rstrip("/") for path in paths}) == len(paths)

    def test_bearer_scheme_is_applied_to_every_api_operation(self, openapi):
        schemes = openapi["components"]["securitySchemes"]
        bearer = [name for name, scheme in schemes.items() if scheme == {**scheme, **BEARER}]
        assert len(bearer) == 1, schemes
        for method, path, operation in _operations(openapi):
            security = operation.get("security", openapi.get("security"))
            # Exactly the bearer key: no `{}` entry that would make the key optional.
            assert security == [{bearer[0]: []}], f"{method.upper()} {path}: {security}"

    def test_property_and_parameter_names_are_camel_case(self, openapi):
        for name, schema in openapi["components"]["schemas"].items():
            for prop in _collect(schema, "properties"):
                bad = [key for key in prop if not CAMEL_CASE.match(key)]
                assert not bad, f"{name}: {bad}"
        for method, path, operation in _operations(openapi):
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("query", "path"):
                    assert CAMEL_CASE.match(parameter["name"]), (method, path, parameter["name"])

    @pytest.mark.parametrize(
        ("component", "vocabulary"),
        [
            ("InventoryStateEnum", InventoryState),
            ("PhoneNumberStatusEnum", PhoneNumberStatus),
            ("WarmupHealthStateEnum", WarmupHealthState),
        ],
    )
    def test_vocabularies_are_the_seeds_strings(self, openapi, component, vocabulary):
        schema = openapi["components"]["schemas"][component]
        assert schema["type"] == "string"
        assert schema["enum"] == list(vocabulary.values)

    @pytest.mark.parametrize(
        ("component", "field", "vocabulary", "nullable"),
        [
            ("PhoneNumber", "inventoryState", InventoryState, False),
            ("PhoneNumber", "status", PhoneNumberStatus, False),
            ("PhoneNumber", "warmupState", WarmupHealthState, True),
            ("PhoneNumber", "healthStatus", WarmupHealthState, True),
            ("PhoneNumberSummary", "inventoryState", InventoryState, False),
            ("PhoneNumberStatusResponse", "warmupState", WarmupHealthState, True),
            ("PhoneNumberStatusResponse", "healthStatus", WarmupHealthState, True),
            ("PatchedPhoneNumberPatch", "inventoryState", InventoryState, False),
            ("PatchedPhoneNumberPatch", "status", PhoneNumberStatus, False),
            ("PatchedPhoneNumberPatch", "warmupState", WarmupHealthState, True),
            ("PatchedPhoneNumberPatch", "healthStatus", WarmupHealthState, True),
        ],
    )
    def test_vocabulary_fields_accept_exactly_the_seeds_strings(
        self, openapi, component, field, vocabulary, nullable
    ):
        prop = openapi["components"]["schemas"][component]["properties"][field]
        field_validator = validator(openapi, prop)
        for value in vocabulary.values:
            assert field_validator.is_valid(value), value
        for bad in ("Bogus", vocabulary.values[0].lower(), "", 1):
            assert not field_validator.is_valid(bad), bad
        assert field_validator.is_valid(None) is nullable
        allowed = {v for e in _collect(_resolve_all(openapi, prop), "enum") for v in e}
        assert allowed - {None} == set(vocabulary.values)

    @pytest.mark.parametrize(
        ("component", "field", "nullable"),
        [
            ("PhoneNumber", "modifiedAt", True),
            ("PhoneNumber", "teamId", True),
            ("PhoneNumber", "campaignId", True),
            ("PhoneNumber", "business", True),
            ("PhoneNumber", "warmupNextActionAt", True),
            ("PhoneNumber", "createdAt", False),
            ("PhoneNumber", "name", False),
            ("PhoneNumber", "id", False),
            ("PhoneNumberSummary", "modifiedAt", True),
            ("PhoneNumberSummary", "teamId", True),
            ("Routing", "teamId", True),
            ("TenDlc", "brandId", True),
            ("Billing", "monthlyAmount", True),
            ("PhoneNumberPage", "totalCount", True),
            ("PhoneNumberPage", "continuationToken", True),
            ("Business", "modifiedAt", True),
            ("Business", "createdAt", False),
            ("PatchedPhoneNumberPatch", "teamId", True),
        ],
    )
    def test_nullable_fields_are_nullable(self, openapi, component, field, nullable):
        schema = openapi["components"]["schemas"][component]
        assert field in schema["properties"], f"{component}.{field}"
        prop = validator(openapi, schema["properties"][field])
        assert prop.is_valid(None) is nullable, f"{component}.{field}"
        if component not in ("PatchedPhoneNumberPatch",):
            assert field in schema.get("required", []), f"{component}.{field} always present"

    @pytest.mark.parametrize(
        "component", ["PhoneNumber", "PhoneNumberSummary", "PhoneNumberStatusResponse"]
    )
    @pytest.mark.parametrize("field", ["warmupHealthScore", "warmupProgressPercent"])
    def test_integer_metrics_are_integer_strings(self, openapi, component, field):
        prop = openapi["components"]["schemas"][component]["properties"][field]
        assert prop["type"] == "string"
        assert prop["pattern"] == INTEGER_STRING_PATTERN == r"^-?(?:0|[1-9]\d*)$"
        metric = validator(openapi, prop)
        assert metric.is_valid("42")
        assert metric.is_valid("0")
        for bad in (42, "042", "4.2", "", None):
            assert not metric.is_valid(bad), bad

    @pytest.mark.parametrize("operation_id", list(OPERATIONS))
    def test_operation_documents_its_success_and_problem_responses(
        self, openapi, operation_id, conformance
    ):
        method, path, success, component, errors = OPERATIONS[operation_id]
        operation = conformance.operation(method, path)
        assert operation["operationId"] == operation_id
        responses = operation["responses"]
        ok = responses[str(success)]
        if component is None:
            assert not ok.get("content")
        else:
            assert ok["content"] == {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}
            }
        # problem+json, or the same body as plain JSON to a client asking only for that.
        problem_content = {PROBLEM: {"schema": PROBLEM_REF}, JSON: {"schema": PROBLEM_REF}}
        for status in sorted({*errors, 401, 429}):
            assert str(status) in responses, f"{operation_id} does not document {status}"
            assert responses[str(status)]["content"] == problem_content
            assert responses[str(status)]["description"]
        for code, documented in responses.items():
            if code.startswith(("4", "5")):
                assert list(documented.get("content", {})) == [PROBLEM, JSON], (operation_id, code)

    def test_problem_schema_is_rfc_9457(self, openapi):
        problem = openapi["components"]["schemas"]["Problem"]
        assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
        assert problem["properties"]["status"]["type"] == "integer"
        # Problem types add members (e.g. `allowed`, `inventoryState`): not closed.
        assert problem.get("additionalProperties", True) is not False


# --- /docs ------------------------------------------------------------------------------


# Swagger UI's init script: the page's own second request (no inline script under the CSP).
INIT_SCRIPT = "/docs?script="


class _Assets(HTMLParser):
    """The static files the page loads (its init script aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.init_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "src" and value == INIT_SCRIPT:
                self.init_script = True
            elif name in ("src", "href") and value:
                self.urls.append(value)


@pytest.mark.django_db
class TestDocs:
    def test_swagger_ui_loads_only_from_this_servers_static_files(self):
        response = Client().get("/docs")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        assert not re.findall(r"https?://", page), "the page refers to another host"
        assert not re.findall(r"""(?:src|href)\s*=\s*["']//""", page)
        parser = _Assets()
        parser.feed(page)
        assert parser.urls
        assert all(url.startswith("/static/") for url in parser.urls), parser.urls
        names = {url.rsplit("/", 1)[-1] for url in parser.urls}
        assert {"swagger-ui.css", "swagger-ui-bundle.js"} <= names
        assert parser.init_script
        script = Client().get(INIT_SCRIPT).content.decode()
        assert not re.findall(r"https?://", script), "the init script refers to another host"
        assert 'url: "/openapi.json"' in script

    def test_the_static_files_it_references_exist(self):
        page = Client().get("/docs").content.decode()
        parser = _Assets()
        parser.feed(page)
        for url in parser.urls:
            relative = url.removeprefix("/static/")
            found = finders.find(relative)
            assert found, f"{url} is not a static file"
            with open(found, "rb") as fh:
                assert fh.read(1), f"{url} is empty"

    def test_the_static_files_are_served(self):
        # The test settings have no WhiteNoise; serve through the finders like runserver.
        page = Client().get("/docs").content.decode()
        parser = _Assets()
        parser.feed(page)
        for url in parser.urls:
            relative = url.removeprefix("/static/")
            response = serve(RequestFactory().get(url), relative, insecure=True)
            assert response.status_code == 200, url
            assert b"".join(response.streaming_content), url


# --- Real responses: phone numbers -------------------------------------------------------


# Every operation with a body it accepts (ids filled in by `_url`).
EVERY_OPERATION = [
    ("get", NUMBERS, None),
    ("post", NUMBERS, {"name": "A"}),
    ("get", NUMBER, None),
    ("patch", NUMBER, {"name": "A"}),
    ("put", NUMBER, {"name": "A"}),
    ("delete", NUMBER, None),
    ("get", EVENTS, None),
    ("get", WARMUP, None),
    ("post", PAUSE, {"reason": "x"}),
    ("post", RESUME, {}),
    ("get", BUSINESSES, None),
    ("post", BUSINESSES, {"name": "A"}),
    ("get", BUSINESS, None),
    ("patch", BUSINESS, {"name": "A"}),
    ("delete", BUSINESS, None),
    ("post", ORGANIZATION, {}),
    ("post", OUTCOMES, {"outcomes": [{}]}),
]


class TestRateLimit:
    @pytest.mark.parametrize(("method", "path", "body"), EVERY_OPERATION)
    def test_over_the_limit_is_a_documented_429(
        self, staff_client, check, settings, assigned, method, path, body
    ):
        settings.API_RATE_LIMIT = "1/min"
        cache.clear()
        start_of_a_fresh_window()
        id = assigned.business_id if path.startswith(BUSINESSES) else assigned.pk
        url = path.replace("{id}", str(id))
        send = getattr(staff_client, method)
        kwargs = {"format": "json"} if body is not None else {}
        staff_client.get("/no-such-path")  # 404 outside DRF: not counted
        send(url, body, **kwargs) if body is not None else send(url)
        response = send(url, body, **kwargs) if body is not None else send(url)
        check(response, method, path, 429)
        assert int(response["Retry-After"]) >= 1


@pytest.mark.django_db
class TestAcceptedRequestBodies:
    """Bodies the API accepts validate against the documented request schemas."""

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("post", NUMBERS, {"name": "Pool", "number": "+14155552672", "enabled": False}),
            ("post", NUMBERS, {"name": "Unowned", "number": "+14155552673", "businessId": None}),
            (
                "patch",
                NUMBER,
                {
                    "name": "Renamed",
                    "teamId": "team-1",
                    "routing": {"smsEnabled": True, "teamId": "team-1"},
                    "capabilities": {"sms": True},
                    "inventoryState": "Pending verification",
                    "warmupHealthScore": "90",
                    "warmupState": None,
                    "tenDlc": {"brandId": "B1", "statusUpdatedAt": "2026-01-01T00:00:00Z"},
                    "billing": {"monthlyAmount": "1.50", "channel": "sms"},
                },
            ),
            ("put", NUMBER, {"name": "Moved", "enabled": False}),
            ("post", PAUSE, {"reason": "Complaints"}),
            ("post", BUSINESSES, {"name": "New Co"}),
            ("patch", BUSINESS, {"name": "Renamed Co"}),
            (
                "post",
                ORGANIZATION,
                {
                    "pageSize": 10,
                    "orderBy": [{"field": "name", "direction": "desc"}],
                    "includeCount": True,
                    "search": "Line",
                    "searchFields": ["name", "number"],
                    "filters": [{"field": "enabled", "value": True}],
                    "rangeFilters": [
                        {"field": "createdAt", "greaterThanOrEqual": "2020-01-01T00:00:00Z"}
                    ],
                },
            ),
        ],
    )
    def test_accepted_body_is_documented(
        self, staff_client, conformance, assigned, method, path, body
    ):
        conformance.request_body(method, path, body)
        id = assigned.business_id if path.startswith(BUSINESSES) else assigned.pk
        response = getattr(staff_client, method)(path.replace("{id}", str(id)), body, format="json")
        assert 200 <= response.status_code < 300, response.content


@pytest.mark.django_db
class TestEveryResponseIsChecked:
    """tests/api/conftest.py checks each response: it runs, and it fails a test that
    gets an undocumented answer."""

    def test_every_response_to_an_operation_is_checked(self, staff_client, conformance):
        conformance.seen.discard(("listPhoneNumbers", 200))
        staff_client.get(NUMBERS + "/")
        assert ("listPhoneNumbers", 200) in conformance.seen

    def test_a_body_off_the_schema_fails_the_test(self, staff_client, openapi, monkeypatch):
        broken = copy.deepcopy(openapi)
        broken["components"]["schemas"]["PhoneNumberPage"]["required"].append("extra")
        monkeypatch.setattr(api_conftest, "conformance", lambda: Conformance(broken))
        with pytest.raises(AssertionError, match="does not match the schema"):
            staff_client.get(NUMBERS)

    def test_an_undocumented_status_fails_the_test(self, staff_client, openapi, monkeypatch):
        broken = copy.deepcopy(openapi)
        del broken["paths"][NUMBERS]["get"]["responses"]["400"]
        monkeypatch.setattr(api_conftest, "conformance", lambda: Conformance(broken))
        with pytest.raises(AssertionError, match="does not document"):
            staff_client.get(NUMBERS, {"pageSize": "0"})


def _url(path: str, number: PhoneNumber, id=None) -> str:
    owner = number.business_id if path.startswith(BUSINESSES) else number.pk
    return path.replace("{id}", str(id or owner))


def _send(client, method: str, url: str, body, **headers):
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, body, format="json", **headers)


@pytest.mark.django_db
class TestDocumentedProblems:
    """Problems every operation can answer, produced once each (the autouse check
    validates them); other tests produce the rest."""

    @pytest.mark.parametrize(("method", "path", "body"), EVERY_OPERATION)
    def test_without_a_key_is_a_documented_401(self, assigned, method, path, body):
        response = _send(APIClient(), method, _url(path, assigned), body)
        assert response.status_code == 401

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [(m, p, b) for m, p, b in EVERY_OPERATION if "{id}" in p],
    )
    def test_a_missing_id_is_a_documented_404(self, staff_client, assigned, method, path, body):
        missing = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
        response = _send(staff_client, method, _url(path, assigned, missing), body)
        assert response.status_code == 404

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [(m, p, b) for m, p, b in EVERY_OPERATION if m != "get" and p != ORGANIZATION],
    )
    def test_bad_and_reused_idempotency_keys_are_documented(
        self, staff_client, assigned, method, path, body
    ):
        url = _url(path, assigned)
        bad = _send(staff_client, method, url, body, HTTP_IDEMPOTENCY_KEY="not visible ascii é")
        assert bad.status_code == 400
        _send(staff_client, method, url, body, HTTP_IDEMPOTENCY_KEY="key-1")
        other = {"name": "Other"} if method != "delete" else None
        reused = _send(
            staff_client,
            method,
            url + ("?x=1" if other is None else ""),
            other,
            HTTP_IDEMPOTENCY_KEY="key-1",
        )
        assert reused.status_code == 422, reused.content
