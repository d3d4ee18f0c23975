"""Checks of a delivered webhook against the published catalog (/asyncapi.json).

    assert_matches_catalog(payload, headers)   # raises AssertionError, listing the errors

The payload is checked against the message schema of its `type` (JSON Schema draft 7,
which AsyncAPI schemas are), strictly: every object the document declares is closed
here (headers aside), so a field the code sends but the catalog does not declare fails
too (the published document stays open, so integrations tolerate fields added later). The
headers are checked against the message's headers schema. tests/webhooks/receiver.py
runs this on every request a test's receiver gets.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.api.conformance import FORMATS
from webhooks.asyncapi import document

URI = "urn:phone-inventory:asyncapi"
# A request carries other headers too (host, content-length, user-agent...).
LEFT_OPEN = {"WebhookHeaders"}


def closed(schemas: dict[str, Any]) -> dict[str, Any]:
    """`schemas` with every object that lists its properties closed to others."""
    schemas = copy.deepcopy(schemas)
    pending: list[Any] = [schemas]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return schemas


@cache
def _document(strict: bool) -> dict[str, Any]:
    doc = copy.deepcopy(document())
    if strict:
        schemas = doc["components"]["schemas"]
        schemas.update(closed({k: v for k, v in schemas.items() if k not in LEFT_OPEN}))
    return doc


def _validator(doc: dict[str, Any], ref: str) -> jsonschema.Draft7Validator:
    registry = Registry().with_resource(
        URI, Resource.from_contents(doc, default_specification=DRAFT7)
    )
    return jsonschema.Draft7Validator(
        {"$ref": f"{URI}{ref}"}, registry=registry, format_checker=FORMATS
    )


@cache
def validators(event_type: str, strict: bool = True) -> tuple[Any, Any]:
    """(payload validator, headers validator) of `event_type`'s message."""
    doc = _document(strict)
    message = doc["components"]["messages"][event_type]
    return (
        _validator(doc, message["payload"]["$ref"]),
        _validator(doc, message["headers"]["$ref"]),
    )


def event_types() -> list[str]:
    return list(document()["components"]["messages"])


def catalog_errors(
    payload: Any, headers: dict[str, str] | None = None, *, strict: bool = True
) -> list[str]:
    """What is wrong with one delivered payload (and its headers), by the catalog."""
    event_type = payload.get("type") if isinstance(payload, dict) else None
    if event_type not in event_types():
        return [f"type {event_type!r} is not in the catalog"]
    payload_check, headers_check = validators(event_type, strict)
    found = [f"payload {_where(e)}: {e.message}" for e in _sorted(payload_check, payload)]
    if headers is not None:
        found += [f"headers {_where(e)}: {e.message}" for e in _sorted(headers_check, headers)]
    return found


def assert_matches_catalog(payload: Any, headers: dict[str, str] | None = None) -> None:
    found = catalog_errors(payload, headers)
    assert not found, "The webhook does not match /asyncapi.json:\n" + "\n".join(found)


def body_errors(body: bytes, headers: dict[str, str]) -> str:
    """catalog_errors of a raw request, as one line ('' when it matches)."""
    try:
        payload = json.loads(body)
    except ValueError as error:
        return f"body is not JSON: {error}"
    try:
        return "; ".join(catalog_errors(payload, headers))
    except Exception as error:  # the receiver must answer; the test fails at its end
        return f"could not check it: {error!r}"


def _sorted(check: jsonschema.Draft7Validator, instance: Any) -> list:
    return sorted(check.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))


def _where(error: jsonschema.ValidationError) -> str:
    return "/".join(map(str, error.absolute_path)) or "(root)"
