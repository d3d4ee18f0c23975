"""The seed product's published phone-numbers document, as tests validate answers with it.

`reference/leadping-phone-numbers-openapi.yml` beside the repository (developers' machines
and CI), or the copy in tests/contract that travels with the tests.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SEED_DOCUMENT = "leadping-phone-numbers-openapi.yml"
SEED_PATHS = (
    Path(__file__).resolve().parents[2] / "shared" / "reference" / SEED_DOCUMENT,
    Path(__file__).resolve().parent / "contract" / SEED_DOCUMENT,
)
SEED_URI = "urn:leadping:phone-numbers"


def load_seed_document() -> dict:
    path = next(path for path in SEED_PATHS if path.exists())
    return yaml.safe_load(path.read_text())


def seed_validator(
    document: dict, component: str, *, strict: bool = False
) -> jsonschema.Draft202012Validator:
    """A validator of the document's `components/schemas/<component>`.

    strict: every property a schema declares is required (the document requires almost
    none), so an answer that leaves out a documented field fails; and date-time formats
    are checked.
    """
    if strict:
        document = _strict(document)
    registry = Registry().with_resource(
        SEED_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return jsonschema.Draft202012Validator(
        {"$ref": f"{SEED_URI}#/components/schemas/{component}"},
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER if strict else None,
    )


def seed_errors(validator: jsonschema.Draft202012Validator, body: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]


def as_clients_read_it(document: dict) -> dict:
    """A copy of `document` whose "this object, or null" properties say so in JSON Schema
    (see _nullable_reference), as a client generated from it reads them. For validators
    that take the document literally (this module's, Schemathesis in .ci/schemathesis)."""
    document = copy.deepcopy(document)
    _walk(document["components"]["schemas"], _nullable_reference)
    return document


def _strict(document: dict) -> dict:
    document = as_clients_read_it(document)
    _walk(document["components"]["schemas"], _require_all)
    _walk(document["components"]["schemas"], _nullable_enum)
    return document


def _walk(node: Any, visit) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, visit)
        return
    if not isinstance(node, dict):
        return
    for value in list(node.values()):
        _walk(value, visit)
    visit(node)


def _require_all(node: dict) -> None:
    if isinstance(node.get("properties"), dict):
        node["required"] = list(node["properties"])


def _nullable_enum(node: dict) -> None:
    """`{type: [null, string], enum: [...]}` without null among the values (e.g.
    OutgoingNumberSelectionResponse.healthStatus) is how the document says "one of these,
    or null", and how a client generated from it reads it; as JSON Schema, the enum
    refuses null. Strict checks require every property, so they must let null through."""
    types = node.get("type")
    enum = node.get("enum")
    if isinstance(types, list) and "null" in types and isinstance(enum, list) and None not in enum:
        node["enum"] = [*enum, None]


def _nullable_reference(node: dict) -> None:
    """`{type: [null, object], allOf: [{$ref}]}` is how the document says "this object, or
    null" (e.g. `organization`), and how a client generated from it reads it; as JSON
    Schema, the allOf refuses null. Spelled out as anyOf null / the object."""
    types = node.get("type")
    if isinstance(types, list) and "null" in types and "allOf" in node:
        rest = [t for t in types if t != "null"]
        node["anyOf"] = [{"type": "null"}, {"type": rest, "allOf": node.pop("allOf")}]
        del node["type"]
