"""The OpenAPI schema: valid OpenAPI 3.1, documents the contract, and real responses conform.

Real responses of every operation, on success and on error, are checked against the
generated schema: their status must be documented for the operation, their content
type must be one the schema lists for that status, and their body must validate
(JSON Schema 2020-12, which OAS 3.1 schemas are) against the documented schema.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from html.parser import HTMLParser

import jsonschema
import pytest
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.views import serve
from django.core.cache import cache
from django.test import Client, RequestFactory
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rest_framework.test import APIClient

from core.serializers import INTEGER_STRING_PATTERN
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import (
    InventoryState,
    PhoneNumberStatus,
    WarmupHealthState,
)
from tests.factories import PhoneNumberFactory
from tests.rate_windows import start_of_a_fresh_window

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SCHEMA_URI = "urn:phone-inventory:openapi"
BEARER = {"type": "http", "scheme": "bearer"}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MISSING = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

NUMBERS = "/phone-numbers"
NUMBER = "/phone-numbers/{id}"
EVENTS = "/phone-numbers/{id}/events"
WARMUP = "/phone-numbers/{id}/warmup"
PAUSE = "/phone-numbers/{id}/warmup/pause"
RESUME = "/phone-numbers/{id}/warmup/resume"
BUSINESSES = "/businesses"
BUSINESS = "/businesses/{id}"

# operationId -> (method, path, success status, success body component, error statuses
# that must be documented besides 401 and 429, which every operation documents).
OPERATIONS = {
    "listPhoneNumbers": ("get", NUMBERS, 200, "PhoneNumberPage", {400}),
    "createPhoneNumber": ("post", NUMBERS, 201, "PhoneNumber", {400, 409, 413, 415, 422}),
    "getPhoneNumber": ("get", NUMBER, 200, "PhoneNumber", {404}),
    "updatePhoneNumber": ("patch", NUMBER, 200, "PhoneNumber", {400, 403, 404, 409, 412}),
    "replacePhoneNumber": ("put", NUMBER, 200, "PhoneNumber", {400, 403, 404, 409, 412}),
    "releasePhoneNumber": ("delete", NUMBER, 204, None, {404, 412}),
    "listPhoneNumberEvents": ("get", EVENTS, 200, "PhoneNumberEventPage", {400, 404}),
    "getPhoneNumberWarmup": ("get", WARMUP, 200, "Warmup", {404}),
    "pausePhoneNumberWarmup": ("post", PAUSE, 200, "Warmup", {400, 404, 409}),
    "resumePhoneNumberWarmup": ("post", RESUME, 200, "Warmup", {400, 404, 409}),
    "listBusinesses": ("get", BUSINESSES, 200, "BusinessPage", {400}),
    "createBusiness": ("post", BUSINESSES, 201, "Business", {400, 403}),
    "getBusiness": ("get", BUSINESS, 200, "Business", {404}),
    "updateBusiness": ("patch", BUSINESS, 200, "Business", {400, 403, 404}),
    "deleteBusiness": ("delete", BUSINESS, 204, None, {403, 404, 409}),
}
# Header parameters keep their HTTP spelling; everything else the API names is camelCase.
CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z0-9]*$")


# --- The schema and the conformance helper ---------------------------------------------


def _plain(schema: dict) -> dict:
    """The schema as JSON types only (what /openapi.json serves)."""
    return json.loads(OpenApiJsonRenderer().render(schema))


@pytest.fixture(scope="session")
def openapi() -> dict:
    return _plain(SchemaGenerator().get_schema(request=None, public=True))


RFC_3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$", re.I)
FORMATS = copy.deepcopy(jsonschema.Draft202012Validator.FORMAT_CHECKER)


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    # jsonschema checks date-time only with an optional package; RFC 3339 here.
    if not isinstance(value, str):
        return True
    datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return bool(RFC_3339.match(value))


def _registry(openapi: dict) -> Registry:
    resource = Resource.from_contents(openapi, default_specification=DRAFT202012)
    return Registry().with_resource(SCHEMA_URI, resource)


def _validator(openapi: dict, schema: dict) -> jsonschema.Draft202012Validator:
    """A 2020-12 validator for a schema taken from `openapi` (its refs resolve there)."""
    rebased = json.loads(
        json.dumps(schema).replace('"#/components/', f'"{SCHEMA_URI}#/components/')
    )
    return jsonschema.Draft202012Validator(
        rebased,
        registry=_registry(openapi),
        format_checker=FORMATS,
    )


def _errors(validator: jsonschema.Draft202012Validator, instance) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    ]


def _path_regex(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


class Conformance:
    """Checks requests and responses against the documented operations."""

    def __init__(self, openapi: dict) -> None:
        self.openapi = openapi

    def operation(self, method: str, path: str) -> dict:
        assert path in self.openapi["paths"], f"{path} is not documented"
        operations = self.openapi["paths"][path]
        assert method.lower() in operations, f"{method.upper()} {path} is not documented"
        return operations[method.lower()]

    def response(self, response, method: str, path: str, status: int | None = None):
        """Assert `response` is documented for `method path` and its body validates.

        Returns the parsed body (None when there is none).
        """
        method = method.lower()
        operation = self.operation(method, path)
        where = f"{operation['operationId']} ({method.upper()} {path})"
        if status is not None:
            assert response.status_code == status, (
                f"{where}: expected {status}, got {response.status_code}: {response.content!r}"
            )
        request_path = getattr(response, "request", {}).get("PATH_INFO")
        if request_path is not None:
            assert _path_regex(path).match(request_path), f"{request_path} is not {path}"
        documented = operation["responses"]
        code = str(response.status_code)
        assert code in documented, (
            f"{where} returned {code}, which it does not document (documents "
            f"{', '.join(sorted(documented))}): {response.content!r}"
        )
        content = documented[code].get("content")
        if not content:
            assert response.content == b"", f"{where} {code}: documented without a body"
            return None
        media_type = response["Content-Type"].split(";")[0].strip()
        assert media_type in content, (
            f"{where} {code}: Content-Type {media_type} not documented ({', '.join(content)})"
        )
        body = json.loads(response.content)
        errors = _errors(_validator(self.openapi, content[media_type]["schema"]), body)
        assert not errors, f"{where} {code} body does not match the schema:\n" + "\n".join(errors)
        return body

    def request_body(self, method: str, path: str, body) -> None:
        """Assert a request body the API accepts also validates against the documented one."""
        operation = self.operation(method, path)
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        errors = _errors(_validator(self.openapi, schema), body)
        assert not errors, f"{operation['operationId']} request body:\n" + "\n".join(errors)


@pytest.fixture(scope="session")
def conformance(openapi) -> Conformance:
    return Conformance(openapi)


@pytest.fixture
def check(conformance):
    """`check(response, "GET", "/phone-numbers/{id}", 200)` -> the validated body."""
    return conformance.response


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def bad_key() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-key")
    return client


def _numbers_url(id, suffix: str = "") -> str:
    return f"/phone-numbers/{id}{suffix}"


def _business_url(id) -> str:
    return f"/businesses/{id}"


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


@pytest.fixture
def foreign(db, other_business) -> PhoneNumber:
    """A number of a business the member does not belong to."""
    return PhoneNumberFactory(business=other_business)


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
        resolver = _registry(openapi).resolver()
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
            ("Warmup", "warmupState", WarmupHealthState, True),
            ("Warmup", "healthStatus", WarmupHealthState, True),
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
        field_validator = _validator(openapi, prop)
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
        prop = _validator(openapi, schema["properties"][field])
        assert prop.is_valid(None) is nullable, f"{component}.{field}"
        if component not in ("PatchedPhoneNumberPatch",):
            assert field in schema.get("required", []), f"{component}.{field} always present"

    @pytest.mark.parametrize("component", ["PhoneNumber", "PhoneNumberSummary", "Warmup"])
    @pytest.mark.parametrize("field", ["warmupHealthScore", "warmupProgressPercent"])
    def test_integer_metrics_are_integer_strings(self, openapi, component, field):
        prop = openapi["components"]["schemas"][component]["properties"][field]
        assert prop["type"] == "string"
        assert prop["pattern"] == INTEGER_STRING_PATTERN == r"^-?(?:0|[1-9]\d*)$"
        validator = _validator(openapi, prop)
        assert validator.is_valid("42")
        assert validator.is_valid("0")
        for bad in (42, "042", "4.2", "", None):
            assert not validator.is_valid(bad), bad

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
        for status in sorted({*errors, 401, 429}):
            assert str(status) in responses, f"{operation_id} does not document {status}"
            assert responses[str(status)]["content"] == {PROBLEM: {"schema": PROBLEM_REF}}
            assert responses[str(status)]["description"]
        for code, documented in responses.items():
            if code.startswith(("4", "5")):
                assert list(documented.get("content", {})) == [PROBLEM], (operation_id, code)

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


def _create_body(business, **extra) -> dict:
    return {"name": "Sales line", "number": "+14155552671", "businessId": str(business.pk), **extra}


@pytest.mark.django_db
class TestListPhoneNumbers:
    def test_staff_list(self, staff_client, check, assigned, business):
        PhoneNumberFactory()  # pool stock
        PhoneNumberFactory(business=business, inventory_state=InventoryState.READY_FOR_SMS)
        body = check(staff_client.get(NUMBERS, {"includeCount": "true"}), "get", NUMBERS, 200)
        assert body["totalCount"] == 3
        assert {item["inventoryState"] for item in body["items"]} == {
            "Available",
            "Assigned",
            "Ready for SMS",
        }

    def test_paged_and_filtered(self, staff_client, check, business):
        PhoneNumberFactory.create_batch(3, business=business)
        query = {"pageSize": "2", "inventoryState": ["Assigned", "Available"], "orderBy": "name"}
        first = check(staff_client.get(NUMBERS, query), "get", NUMBERS, 200)
        assert first["continuationToken"]
        query["continuationToken"] = first["continuationToken"]
        last = check(staff_client.get(NUMBERS, query), "get", NUMBERS, 200)
        assert last["continuationToken"] is None
        assert last["totalCount"] is None

    def test_member_sees_own_business_only(self, member_client, check, assigned, foreign):
        body = check(member_client.get(NUMBERS), "get", NUMBERS, 200)
        assert [item["id"] for item in body["items"]] == [str(assigned.pk)]

    @pytest.mark.parametrize(
        "query",
        [
            {"orderBy": "nope"},
            {"continuationToken": "tampered"},
            {"pageSize": "0"},
            {"includeCount": "maybe"},
            {"inventoryState": "Bogus"},
            {"enabled": "yes"},
            {"createdAtFrom": "yesterday"},
            {"unknownFilter": "1"},
        ],
    )
    def test_bad_query_is_400(self, staff_client, check, query):
        check(staff_client.get(NUMBERS, query), "get", NUMBERS, 400)

    def test_without_or_with_a_bad_key_is_401(self, anonymous, bad_key, check):
        check(anonymous.get(NUMBERS), "get", NUMBERS, 401)
        check(bad_key.get(NUMBERS), "get", NUMBERS, 401)


@pytest.mark.django_db
class TestCreatePhoneNumber:
    def test_staff_creates_an_assigned_number(self, staff_client, check, conformance, business):
        request = _create_body(business)
        conformance.request_body("post", NUMBERS, request)
        body = check(staff_client.post(NUMBERS, request, format="json"), "post", NUMBERS, 201)
        assert body["inventoryState"] == "Assigned"
        assert body["modifiedAt"] is None

    def test_staff_creates_unassigned_inventory(self, staff_client, check, conformance):
        request = {"name": "Pool", "number": "+14155552672", "businessId": None, "enabled": False}
        conformance.request_body("post", NUMBERS, request)
        body = check(staff_client.post(NUMBERS, request, format="json"), "post", NUMBERS, 201)
        assert body["business"] is None
        assert body["billing"]["businessId"] is None

    def test_member_claims_from_the_pool(self, member_client, check, conformance):
        PhoneNumberFactory()
        request = {"name": "Claimed"}
        conformance.request_body("post", NUMBERS, request)
        body = check(member_client.post(NUMBERS, request, format="json"), "post", NUMBERS, 201)
        assert body["inventoryState"] == "Assigned"

    def test_idempotent_replay_is_the_documented_201(self, staff_client, check, business):
        headers = {"HTTP_IDEMPOTENCY_KEY": "create-1"}
        first = staff_client.post(NUMBERS, _create_body(business), format="json", **headers)
        again = staff_client.post(NUMBERS, _create_body(business), format="json", **headers)
        assert again["Idempotent-Replayed"] == "true"
        assert check(again, "post", NUMBERS, 201) == check(first, "post", NUMBERS, 201)

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"name": "A", "number": "12"},
            {"name": 5, "number": "+14155552671"},
            {"name": "A", "number": "+14155552671", "color": "red"},
            {"name": "A", "number": "+14155552671", "businessId": MISSING},
            [],
            "text",
        ],
    )
    def test_bad_body_is_400(self, staff_client, check, body):
        check(staff_client.post(NUMBERS, body, format="json"), "post", NUMBERS, 400)

    def test_member_without_business_for_new_number_is_400(self, member_client, check, business):
        # A member of one business may omit businessId; a foreign business is a 400.
        response = member_client.post(
            NUMBERS, {"name": "A", "number": "+14155552671", "businessId": MISSING}, format="json"
        )
        check(response, "post", NUMBERS, 400)

    def test_malformed_json_is_400(self, staff_client, check):
        response = staff_client.post(NUMBERS, "{nope", content_type="application/json")
        check(response, "post", NUMBERS, 400)

    def test_bad_idempotency_key_is_400(self, staff_client, check, business):
        response = staff_client.post(
            NUMBERS, _create_body(business), format="json", HTTP_IDEMPOTENCY_KEY="\t"
        )
        check(response, "post", NUMBERS, 400)

    def test_existing_number_is_409(self, staff_client, check, business, assigned):
        response = staff_client.post(
            NUMBERS, _create_body(business, number=assigned.number), format="json"
        )
        body = check(response, "post", NUMBERS, 409)
        assert body["type"] == "/problems/number-exists"

    def test_taken_id_is_409(self, staff_client, check, business, assigned):
        response = staff_client.post(
            NUMBERS, _create_body(business, id=str(assigned.pk)), format="json"
        )
        check(response, "post", NUMBERS, 409)

    def test_exhausted_pool_is_409(self, member_client, check):
        body = check(
            member_client.post(NUMBERS, {"name": "A"}, format="json"), "post", NUMBERS, 409
        )
        assert body["type"] == "/problems/inventory-exhausted"

    def test_reused_idempotency_key_is_422(self, staff_client, check, business):
        headers = {"HTTP_IDEMPOTENCY_KEY": "create-2"}
        staff_client.post(NUMBERS, _create_body(business), format="json", **headers)
        response = staff_client.post(
            NUMBERS, _create_body(business, name="Other"), format="json", **headers
        )
        check(response, "post", NUMBERS, 422)

    def test_non_json_body_is_415(self, staff_client, check):
        response = staff_client.post(NUMBERS, "name=A", content_type="text/plain")
        check(response, "post", NUMBERS, 415)

    def test_too_large_body_is_413(self, staff_client, check, business, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64
        response = staff_client.post(NUMBERS, _create_body(business, name="x" * 200), format="json")
        check(response, "post", NUMBERS, 413)

    def test_without_key_is_401(self, anonymous, check, business):
        check(anonymous.post(NUMBERS, _create_body(business), format="json"), "post", NUMBERS, 401)


@pytest.mark.django_db
class TestGetPhoneNumber:
    def test_staff_gets_a_number_with_events(self, staff_client, check, business):
        created = staff_client.post(NUMBERS, _create_body(business), format="json").json()
        body = check(staff_client.get(_numbers_url(created["id"])), "get", NUMBER, 200)
        assert body["events"]

    def test_member_gets_own_number(self, member_client, check, assigned):
        body = check(member_client.get(_numbers_url(assigned.pk)), "get", NUMBER, 200)
        assert body["warmupHealthScore"] == "87"
        assert body["warmupState"] == "Warming"

    def test_foreign_missing_and_malformed_ids_are_404(self, member_client, check, foreign):
        check(member_client.get(_numbers_url(foreign.pk)), "get", NUMBER, 404)
        check(member_client.get(_numbers_url(MISSING)), "get", NUMBER, 404)
        check(member_client.get(_numbers_url("not-a-uuid")), "get", NUMBER, 404)

    def test_without_key_is_401(self, anonymous, check, assigned):
        check(anonymous.get(_numbers_url(assigned.pk)), "get", NUMBER, 401)


@pytest.mark.django_db
class TestUpdatePhoneNumber:
    def test_staff_changes_fields(self, staff_client, check, conformance, assigned):
        request = {
            "name": "Renamed",
            "teamId": "team-1",
            "routing": {"smsEnabled": True, "teamId": "team-1"},
            "capabilities": {"sms": True},
            "inventoryState": "Pending verification",
            "warmupHealthScore": "90",
            "warmupState": None,
            "tenDlc": {"brandId": "B1", "statusUpdatedAt": "2026-01-01T00:00:00Z"},
            "billing": {"monthlyAmount": "1.50", "channel": "sms"},
        }
        conformance.request_body("patch", NUMBER, request)
        response = staff_client.patch(
            _numbers_url(assigned.pk), request, format="json", HTTP_IF_MATCH=assigned.etag
        )
        body = check(response, "patch", NUMBER, 200)
        assert body["modifiedAt"] is not None
        assert body["warmupState"] is None
        assert body["billing"]["monthlyAmount"] == "1.50"

    def test_member_changes_own_number(self, member_client, check, assigned):
        response = member_client.patch(_numbers_url(assigned.pk), {"name": "Mine"}, format="json")
        check(response, "patch", NUMBER, 200)

    @pytest.mark.parametrize(
        "body",
        [
            {"name": 5},
            {"inventoryState": "Bogus"},
            {"warmupHealthScore": "101"},
            {"routing": {"teamId": "a"}, "teamId": "b"},
            {"unknown": True},
            {"inventoryState": "Released"},
        ],
    )
    def test_bad_body_is_400(self, staff_client, check, assigned, body):
        response = staff_client.patch(_numbers_url(assigned.pk), body, format="json")
        check(response, "patch", NUMBER, 400)

    @pytest.mark.parametrize(
        "body", [{"businessId": None}, {"billing": {"monthlyAmount": "0.00"}, "status": "Active"}]
    )
    def test_member_writing_a_staff_field_is_403(self, member_client, check, assigned, body):
        response = member_client.patch(_numbers_url(assigned.pk), body, format="json")
        problem = check(response, "patch", NUMBER, 403)
        assert problem["type"] == "/problems/field-not-writable"

    def test_foreign_and_missing_are_404(self, member_client, check, foreign):
        check(
            member_client.patch(_numbers_url(foreign.pk), {}, format="json"), "patch", NUMBER, 404
        )
        check(member_client.patch(_numbers_url(MISSING), {}, format="json"), "patch", NUMBER, 404)

    def test_disallowed_transition_is_409(self, staff_client, check):
        pool = PhoneNumberFactory()  # Available may not become Ready for SMS directly
        response = staff_client.patch(
            _numbers_url(pool.pk), {"inventoryState": "Ready for SMS"}, format="json"
        )
        body = check(response, "patch", NUMBER, 409)
        assert body["type"] == "/problems/invalid-transition"
        assert "Ready for SMS" not in body["allowed"]

    def test_released_number_is_409(self, staff_client, check, business):
        released = PhoneNumberFactory(business=business, inventory_state=InventoryState.RELEASED)
        response = staff_client.patch(_numbers_url(released.pk), {"name": "X"}, format="json")
        check(response, "patch", NUMBER, 409)

    def test_stale_if_match_is_412(self, staff_client, check, assigned):
        response = staff_client.patch(
            _numbers_url(assigned.pk), {"name": "X"}, format="json", HTTP_IF_MATCH='"stale-0"'
        )
        check(response, "patch", NUMBER, 412)

    def test_without_key_is_401(self, anonymous, check, assigned):
        response = anonymous.patch(_numbers_url(assigned.pk), {"name": "X"}, format="json")
        check(response, "patch", NUMBER, 401)


@pytest.mark.django_db
class TestReplacePhoneNumber:
    def test_staff_replaces(self, staff_client, check, conformance, assigned, other_business):
        request = {
            "name": "Moved",
            "number": assigned.number,
            "businessId": str(other_business.pk),
            "enabled": False,
            "id": str(assigned.pk),
        }
        conformance.request_body("put", NUMBER, request)
        response = staff_client.put(
            _numbers_url(assigned.pk), request, format="json", HTTP_IF_MATCH=assigned.etag
        )
        body = check(response, "put", NUMBER, 200)
        assert body["business"]["id"] == str(other_business.pk)

    def test_member_replaces_own(self, member_client, check, assigned):
        response = member_client.put(_numbers_url(assigned.pk), {"name": "Mine"}, format="json")
        check(response, "put", NUMBER, 200)

    def test_member_returning_to_pool_is_403(self, member_client, check, assigned):
        response = member_client.put(
            _numbers_url(assigned.pk), {"name": "Mine", "businessId": None}, format="json"
        )
        problem = check(response, "put", NUMBER, 403)
        assert problem["type"] == "/problems/field-not-writable"

    @pytest.mark.parametrize(
        "body",
        [{}, {"name": "A", "number": "+14155559999"}, {"name": "A", "id": MISSING}, {"name": ""}],
    )
    def test_bad_body_is_400(self, staff_client, check, assigned, body):
        check(staff_client.put(_numbers_url(assigned.pk), body, format="json"), "put", NUMBER, 400)

    def test_foreign_is_404(self, member_client, check, foreign):
        response = member_client.put(_numbers_url(foreign.pk), {"name": "A"}, format="json")
        check(response, "put", NUMBER, 404)

    def test_released_is_409(self, staff_client, check, business):
        released = PhoneNumberFactory(business=business, inventory_state=InventoryState.RELEASED)
        response = staff_client.put(_numbers_url(released.pk), {"name": "A"}, format="json")
        check(response, "put", NUMBER, 409)

    def test_stale_if_match_is_412(self, staff_client, check, assigned):
        response = staff_client.put(
            _numbers_url(assigned.pk), {"name": "A"}, format="json", HTTP_IF_MATCH='"stale-0"'
        )
        check(response, "put", NUMBER, 412)

    def test_without_key_is_401(self, bad_key, check, assigned):
        response = bad_key.put(_numbers_url(assigned.pk), {"name": "A"}, format="json")
        check(response, "put", NUMBER, 401)


@pytest.mark.django_db
class TestReleasePhoneNumber:
    def test_staff_releases_twice(self, staff_client, check, assigned):
        url = _numbers_url(assigned.pk)
        check(staff_client.delete(url, HTTP_IF_MATCH=assigned.etag), "delete", NUMBER, 204)
        check(staff_client.delete(url), "delete", NUMBER, 204)
        released = check(staff_client.get(url), "get", NUMBER, 200)
        assert released["inventoryState"] == "Released"
        assert released["providerReleasedAt"]

    def test_member_releases_own(self, member_client, check, assigned):
        check(member_client.delete(_numbers_url(assigned.pk)), "delete", NUMBER, 204)

    def test_idempotent_replay_is_the_documented_204(self, staff_client, check, assigned):
        url = _numbers_url(assigned.pk)
        check(staff_client.delete(url, HTTP_IDEMPOTENCY_KEY="rel-1"), "delete", NUMBER, 204)
        check(staff_client.delete(url, HTTP_IDEMPOTENCY_KEY="rel-1"), "delete", NUMBER, 204)

    def test_foreign_and_missing_are_404(self, member_client, check, foreign):
        check(member_client.delete(_numbers_url(foreign.pk)), "delete", NUMBER, 404)
        check(member_client.delete(_numbers_url(MISSING)), "delete", NUMBER, 404)

    def test_stale_if_match_is_412(self, staff_client, check, assigned):
        response = staff_client.delete(_numbers_url(assigned.pk), HTTP_IF_MATCH='"stale-0"')
        check(response, "delete", NUMBER, 412)

    def test_without_key_is_401(self, anonymous, check, assigned):
        check(anonymous.delete(_numbers_url(assigned.pk)), "delete", NUMBER, 401)

    def test_bad_idempotency_key_is_documented(self, staff_client, check, assigned):
        response = staff_client.delete(_numbers_url(assigned.pk), HTTP_IDEMPOTENCY_KEY="\t")
        check(response, "delete", NUMBER)

    def test_reused_idempotency_key_is_documented(self, staff_client, check, assigned, business):
        other = PhoneNumberFactory(business=business)
        staff_client.delete(_numbers_url(assigned.pk), HTTP_IDEMPOTENCY_KEY="rel-2")
        response = staff_client.delete(_numbers_url(other.pk), HTTP_IDEMPOTENCY_KEY="rel-2")
        assert response.status_code == 422
        check(response, "delete", NUMBER)


@pytest.mark.django_db
class TestListPhoneNumberEvents:
    def test_staff_lists_events(self, staff_client, check, business):
        created = staff_client.post(NUMBERS, _create_body(business), format="json").json()
        staff_client.patch(_numbers_url(created["id"]), {"name": "B"}, format="json")
        url = _numbers_url(created["id"], "/events")
        body = check(staff_client.get(url, {"pageSize": "1"}), "get", EVENTS, 200)
        assert body["continuationToken"]
        query = {"pageSize": "1", "continuationToken": body["continuationToken"]}
        check(staff_client.get(url, query), "get", EVENTS, 200)
        check(staff_client.get(url, {"type": ["created", "updated"]}), "get", EVENTS, 200)

    def test_member_lists_own(self, member_client, check, assigned):
        body = check(member_client.get(_numbers_url(assigned.pk, "/events")), "get", EVENTS, 200)
        assert body["items"] == []

    @pytest.mark.parametrize(
        "query", [{"type": "bogus"}, {"continuationToken": "x"}, {"includeCount": "true"}]
    )
    def test_bad_query_is_400(self, staff_client, check, assigned, query):
        response = staff_client.get(_numbers_url(assigned.pk, "/events"), query)
        check(response, "get", EVENTS, 400)

    def test_foreign_is_404(self, member_client, check, foreign):
        check(member_client.get(_numbers_url(foreign.pk, "/events")), "get", EVENTS, 404)

    def test_without_key_is_401(self, anonymous, check, assigned):
        check(anonymous.get(_numbers_url(assigned.pk, "/events")), "get", EVENTS, 401)


@pytest.mark.django_db
class TestWarmup:
    def test_get_pause_resume(self, staff_client, check, conformance, assigned):
        url = _numbers_url(assigned.pk, "/warmup")
        body = check(staff_client.get(url), "get", WARMUP, 200)
        assert body["canPause"] is True
        assert body["warmupProgressPercent"] == "40"
        conformance.request_body("post", PAUSE, {"reason": "Complaints"})
        paused = staff_client.post(url + "/pause", {"reason": "Complaints"}, format="json")
        body = check(paused, "post", PAUSE, 200)
        assert body["warmupState"] == "Paused"
        assert body["events"]
        conformance.request_body("post", RESUME, {})
        body = check(staff_client.post(url + "/resume", {}, format="json"), "post", RESUME, 200)
        assert body["warmupState"] == "Warming"

    def test_member_pauses_and_resumes_own(self, member_client, check, assigned):
        url = _numbers_url(assigned.pk, "/warmup")
        check(member_client.get(url), "get", WARMUP, 200)
        response = member_client.post(url + "/pause", {"reason": "x"}, format="json")
        check(response, "post", PAUSE, 200)
        # An empty body is allowed for resume.
        check(member_client.post(url + "/resume"), "post", RESUME, 200)

    def test_warmup_of_number_without_warmup(self, staff_client, check):
        number = PhoneNumberFactory()
        body = check(staff_client.get(_numbers_url(number.pk, "/warmup")), "get", WARMUP, 200)
        assert body["warmupEnabled"] is False
        assert body["canPause"] is False
        assert body["canResume"] is False

    @pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": 5}, {"reason": "x", "y": 1}])
    def test_bad_pause_body_is_400(self, staff_client, check, assigned, body):
        response = staff_client.post(
            _numbers_url(assigned.pk, "/warmup/pause"), body, format="json"
        )
        check(response, "post", PAUSE, 400)

    def test_bad_resume_body_is_400(self, staff_client, check, assigned):
        response = staff_client.post(
            _numbers_url(assigned.pk, "/warmup/resume"), {"x": 1}, format="json"
        )
        check(response, "post", RESUME, 400)

    def test_conflicts_are_409(self, staff_client, check, business):
        number = PhoneNumberFactory(business=business)  # warmup disabled, never paused
        url = _numbers_url(number.pk, "/warmup")
        check(staff_client.post(url + "/pause", {"reason": "x"}, format="json"), "post", PAUSE, 409)
        check(staff_client.post(url + "/resume", {}, format="json"), "post", RESUME, 409)
        released = PhoneNumberFactory(business=business, inventory_state=InventoryState.RELEASED)
        url = _numbers_url(released.pk, "/warmup")
        check(staff_client.post(url + "/pause", {"reason": "x"}, format="json"), "post", PAUSE, 409)

    def test_foreign_is_404(self, member_client, check, foreign):
        url = _numbers_url(foreign.pk, "/warmup")
        check(member_client.get(url), "get", WARMUP, 404)
        check(
            member_client.post(url + "/pause", {"reason": "x"}, format="json"), "post", PAUSE, 404
        )
        check(member_client.post(url + "/resume", {}, format="json"), "post", RESUME, 404)

    def test_without_key_is_401(self, anonymous, check, assigned):
        url = _numbers_url(assigned.pk, "/warmup")
        check(anonymous.get(url), "get", WARMUP, 401)
        check(anonymous.post(url + "/pause", {"reason": "x"}, format="json"), "post", PAUSE, 401)
        check(anonymous.post(url + "/resume", {}, format="json"), "post", RESUME, 401)


# --- Real responses: businesses ---------------------------------------------------------


@pytest.mark.django_db
class TestBusinesses:
    def test_list(self, staff_client, member_client, check, business, other_business):
        body = check(staff_client.get(BUSINESSES, {"pageSize": "1"}), "get", BUSINESSES, 200)
        assert body["continuationToken"]
        query = {"pageSize": "1", "continuationToken": body["continuationToken"]}
        check(staff_client.get(BUSINESSES, query), "get", BUSINESSES, 200)
        body = check(member_client.get(BUSINESSES), "get", BUSINESSES, 200)
        assert [item["id"] for item in body["items"]] == [str(business.pk)]

    @pytest.mark.parametrize(
        "query", [{"pageSize": "501"}, {"continuationToken": "x"}, {"includeCount": "2"}]
    )
    def test_bad_list_query_is_400(self, staff_client, check, query):
        check(staff_client.get(BUSINESSES, query), "get", BUSINESSES, 400)

    def test_create_get_update_delete(self, staff_client, check, conformance):
        conformance.request_body("post", BUSINESSES, {"name": "New Co"})
        created = check(
            staff_client.post(BUSINESSES, {"name": "New Co"}, format="json"),
            "post",
            BUSINESSES,
            201,
        )
        url = _business_url(created["id"])
        check(staff_client.get(url), "get", BUSINESS, 200)
        conformance.request_body("patch", BUSINESS, {"name": "Renamed Co"})
        body = check(
            staff_client.patch(url, {"name": "Renamed Co"}, format="json"), "patch", BUSINESS, 200
        )
        assert body["name"] == "Renamed Co"
        check(staff_client.delete(url), "delete", BUSINESS, 204)
        check(staff_client.get(url), "get", BUSINESS, 404)

    def test_member_reads_own_and_not_others(self, member_client, check, business, other_business):
        check(member_client.get(_business_url(business.pk)), "get", BUSINESS, 200)
        check(member_client.get(_business_url(other_business.pk)), "get", BUSINESS, 404)
        check(member_client.get(_business_url("not-a-uuid")), "get", BUSINESS, 404)

    def test_member_writes_are_403(self, member_client, check, business):
        url = _business_url(business.pk)
        check(member_client.post(BUSINESSES, {"name": "X"}, format="json"), "post", BUSINESSES, 403)
        check(member_client.patch(url, {"name": "X"}, format="json"), "patch", BUSINESS, 403)
        check(member_client.delete(url), "delete", BUSINESS, 403)

    @pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": 5}, {"name": "A", "x": 1}, []])
    def test_bad_body_is_400(self, staff_client, check, business, body):
        check(staff_client.post(BUSINESSES, body, format="json"), "post", BUSINESSES, 400)
        response = staff_client.patch(_business_url(business.pk), body, format="json")
        check(response, "patch", BUSINESS, 400)

    def test_missing_is_404(self, staff_client, check):
        url = _business_url(MISSING)
        check(staff_client.get(url), "get", BUSINESS, 404)
        check(staff_client.patch(url, {"name": "X"}, format="json"), "patch", BUSINESS, 404)
        check(staff_client.delete(url), "delete", BUSINESS, 404)

    def test_delete_with_numbers_is_409(self, staff_client, check, business, assigned):
        body = check(staff_client.delete(_business_url(business.pk)), "delete", BUSINESS, 409)
        assert body["type"] == "/problems/business-not-empty"

    def test_reused_idempotency_key_is_422(self, staff_client, check):
        headers = {"HTTP_IDEMPOTENCY_KEY": "biz-1"}
        staff_client.post(BUSINESSES, {"name": "A"}, format="json", **headers)
        response = staff_client.post(BUSINESSES, {"name": "B"}, format="json", **headers)
        check(response, "post", BUSINESSES, 422)

    def test_without_key_is_401(self, anonymous, check, business):
        url = _business_url(business.pk)
        check(anonymous.get(BUSINESSES), "get", BUSINESSES, 401)
        check(anonymous.post(BUSINESSES, {"name": "X"}, format="json"), "post", BUSINESSES, 401)
        check(anonymous.get(url), "get", BUSINESS, 401)
        check(anonymous.patch(url, {"name": "X"}, format="json"), "patch", BUSINESS, 401)
        check(anonymous.delete(url), "delete", BUSINESS, 401)

    def test_bad_idempotency_key_on_delete_is_documented(self, staff_client, check, business):
        response = staff_client.delete(_business_url(business.pk), HTTP_IDEMPOTENCY_KEY="\t")
        check(response, "delete", BUSINESS)

    def test_reused_idempotency_key_on_delete_is_documented(
        self, staff_client, check, business, other_business
    ):
        staff_client.delete(_business_url(business.pk), HTTP_IDEMPOTENCY_KEY="biz-del")
        response = staff_client.delete(
            _business_url(other_business.pk), HTTP_IDEMPOTENCY_KEY="biz-del"
        )
        assert response.status_code == 422
        check(response, "delete", BUSINESS)


# --- 429 --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("locmem_cache")
class TestRateLimit:
    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
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
        ],
    )
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
