"""Checks of real requests and responses against the generated OpenAPI document.

A response must have a status its operation documents, a content type the schema lists
for that status, and a body that validates (JSON Schema 2020-12, which OAS 3.1 schemas
are) against the documented schema. tests/api/conftest.py applies this to every
response of every test in tests/api.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from functools import cache

import jsonschema
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_URI = "urn:phone-inventory:openapi"
RFC_3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$", re.I)
FORMATS = copy.deepcopy(jsonschema.Draft202012Validator.FORMAT_CHECKER)


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    # jsonschema checks date-time only with an optional package; RFC 3339 here.
    if not isinstance(value, str):
        return True
    datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return bool(RFC_3339.match(value))


def generated_openapi() -> dict:
    """The schema as JSON types only (what /openapi.json serves)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def registry(openapi: dict) -> Registry:
    resource = Resource.from_contents(openapi, default_specification=DRAFT202012)
    return Registry().with_resource(SCHEMA_URI, resource)


def validator(openapi: dict, schema: dict) -> jsonschema.Draft202012Validator:
    """A 2020-12 validator for a schema taken from `openapi` (its refs resolve there)."""
    rebased = json.loads(
        json.dumps(schema).replace('"#/components/', f'"{SCHEMA_URI}#/components/')
    )
    return jsonschema.Draft202012Validator(
        rebased, registry=registry(openapi), format_checker=FORMATS
    )


def errors(check: jsonschema.Draft202012Validator, instance) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in sorted(check.iter_errors(instance), key=lambda e: list(e.absolute_path))
    ]


def path_regex(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


class Conformance:
    """Checks requests and responses against the documented operations."""

    def __init__(self, openapi: dict) -> None:
        self.openapi = openapi
        self._validators: dict[str, jsonschema.Draft202012Validator] = {}
        # Literal paths first, so /phone-numbers/all/organization is not /phone-numbers/{id}.
        self._templates = sorted(openapi["paths"], key=lambda path: path.count("{"))
        self.seen: set[tuple[str, int]] = set()

    def operation(self, method: str, path: str) -> dict:
        assert path in self.openapi["paths"], f"{path} is not documented"
        operations = self.openapi["paths"][path]
        assert method.lower() in operations, f"{method.upper()} {path} is not documented"
        return operations[method.lower()]

    def template_of(self, request_path: str) -> str | None:
        """The documented path `request_path` is an instance of (trailing slash or not)."""
        request_path = request_path.rstrip("/") or "/"
        return next(
            (path for path in self._templates if path_regex(path).match(request_path)), None
        )

    def documents(self, method: str, request_path: str) -> bool:
        template = self.template_of(request_path)
        return template is not None and method.lower() in self.openapi["paths"][template]

    def response(self, response, method: str, path: str | None = None, status: int | None = None):
        """Assert `response` is documented for `method path` and its body validates.

        `path`: the documented template; by default the one the request's path matches.
        Returns the parsed body (None when there is none).
        """
        method = method.lower()
        request_path = getattr(response, "request", {}).get("PATH_INFO")
        if path is None:
            path = self.template_of(request_path)
            assert path is not None, f"{request_path} is not documented"
        operation = self.operation(method, path)
        where = f"{operation['operationId']} ({method.upper()} {path})"
        if status is not None:
            assert response.status_code == status, (
                f"{where}: expected {status}, got {response.status_code}: {response.content!r}"
            )
        if request_path is not None:
            assert path_regex(path).match(request_path.rstrip("/")), f"{request_path} is not {path}"
        documented = operation["responses"]
        code = str(response.status_code)
        assert code in documented, (
            f"{where} returned {code}, which it does not document (documents "
            f"{', '.join(sorted(documented))}): {response.content!r}"
        )
        self.seen.add((operation["operationId"], response.status_code))
        content = documented[code].get("content")
        if not content:
            assert response.content == b"", f"{where} {code}: documented without a body"
            return None
        media_type = response["Content-Type"].split(";")[0].strip()
        assert media_type in content, (
            f"{where} {code}: Content-Type {media_type} not documented ({', '.join(content)})"
        )
        body = json.loads(response.content)
        key = f"{method} {path} {code} {media_type}"
        if key not in self._validators:
            self._validators[key] = validator(self.openapi, content[media_type]["schema"])
        problems = errors(self._validators[key], body)
        assert not problems, f"{where} {code} body does not match the schema:\n" + "\n".join(
            problems
        )
        return body

    def request_body(self, method: str, path: str, body) -> None:
        """Assert a request body the API accepts also validates against the documented one."""
        operation = self.operation(method, path)
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        problems = errors(validator(self.openapi, schema), body)
        assert not problems, f"{operation['operationId']} request body:\n" + "\n".join(problems)


@cache
def conformance() -> Conformance:
    """One per test session: generating the schema takes about a second."""
    return Conformance(generated_openapi())
