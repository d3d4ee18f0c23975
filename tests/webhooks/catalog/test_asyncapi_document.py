"""The published event catalog (/asyncapi.json): a valid AsyncAPI 3.0.0 document, one
channel, send operation and message per event type, the API's own shapes, and examples
that are real, signed payloads."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.test import Client

from tests.webhooks.catalog_check import assert_matches_catalog, catalog_errors
from webhooks import catalog
from webhooks.asyncapi import EXAMPLE_SECRET, document, payload_name, shared_schemas

ASYNCAPI_SCHEMA = Path(__file__).parents[2] / "contract" / "asyncapi-3.0.0.schema.json"


@pytest.fixture(scope="module")
def asyncapi_validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(ASYNCAPI_SCHEMA.read_text()))


def problems(validator: jsonschema.Draft7Validator, doc: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_the_vendored_schema_is_asyncapi_3_0_0s():
    schema = json.loads(ASYNCAPI_SCHEMA.read_text())
    assert schema["properties"]["asyncapi"]["const"] == "3.0.0"
    assert schema["$schema"].startswith("http://json-schema.org/draft-07/schema")


def test_the_document_is_valid_asyncapi_3_0_0(asyncapi_validator):
    doc = document()
    assert doc["asyncapi"] == "3.0.0"
    assert problems(asyncapi_validator, doc) == []


def test_the_official_schema_would_refuse_a_broken_document(asyncapi_validator):
    # The check bites: an operation must send or receive, a message needs a known field.
    broken = copy.deepcopy(document())
    broken["operations"][catalog.CREATED]["action"] = "publish"
    broken["components"]["messages"][catalog.UPDATED]["payloadd"] = {}
    assert len(problems(asyncapi_validator, broken)) >= 2


def test_every_event_type_has_a_channel_a_send_operation_and_a_message():
    doc = document()
    types = list(catalog.EVENT_TYPES)
    assert list(doc["channels"]) == types
    assert list(doc["operations"]) == types
    assert list(doc["components"]["messages"]) == types
    for event_type, description in catalog.EVENT_TYPES.items():
        operation = doc["operations"][event_type]
        assert operation["action"] == "send"
        assert operation["channel"] == {"$ref": f"#/channels/{event_type}"}
        assert operation["bindings"]["http"]["method"] == "POST"
        message = doc["components"]["messages"][event_type]
        assert message["summary"] == description
        assert message["payload"] == {"$ref": f"#/components/schemas/{payload_name(event_type)}"}
        schema = doc["components"]["schemas"][payload_name(event_type)]
        assert schema["properties"]["type"]["const"] == event_type


def test_the_description_tells_signing_retries_and_disabling():
    text = document()["info"]["description"]
    for words in (
        "Standard Webhooks",
        "webhook-signature",
        "same `webhook-id`",
        "days",
        "disabled",
        "`changes`",
    ):
        assert words in text


def test_every_example_is_a_real_payload_of_its_type():
    for event_type, message in document()["components"]["messages"].items():
        (example,) = message["examples"]
        assert example["payload"]["type"] == event_type
        assert_matches_catalog(example["payload"], example["headers"])


def test_the_examples_are_signed_with_the_published_secret():
    """The raw recipe (what the README gives other languages): HMAC-SHA256 of
    `{id}.{timestamp}.{body}`, keyed with the secret's base64 after whsec_."""
    key = base64.b64decode(EXAMPLE_SECRET.removeprefix("whsec_"))
    for message in document()["components"]["messages"].values():
        (example,) = message["examples"]
        headers = example["headers"]
        # The body as sent: compact JSON, the payload's key order.
        body = json.dumps(example["payload"], separators=(",", ":"), ensure_ascii=False)
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body}".encode()
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        assert headers["webhook-signature"] == f"v1,{expected}"


def test_a_number_that_left_is_a_reference_every_other_number_event_the_whole_number():
    schemas = document()["components"]["schemas"]
    for event_type in catalog.EVENT_TYPES:
        data = schemas[payload_name(event_type)]["properties"]["data"]["$ref"]
        expected = {
            catalog.UNASSIGNED: "PhoneNumberReference",
            catalog.ENDPOINT_DISABLED: "WebhookEndpoint",
        }.get(event_type, "PhoneNumberSummary")
        assert data == f"#/components/schemas/{expected}"
    assert schemas["PhoneNumberReference"]["additionalProperties"] is False


# --- the API's own shapes --------------------------------------------------------------


def normalized(node: Any, schemas: dict) -> Any:
    """A schema with its references inlined and its words dropped: its shape only (so
    where the generator names an enum component does not matter)."""
    if isinstance(node, list):
        return [normalized(item, schemas) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "$ref" in node:
        node = {**schemas[node.pop("$ref").rsplit("/", 1)[-1]], **node}
    if len(node.get("allOf", [])) == 1:
        node = {**node.pop("allOf")[0], **node}
        return normalized(node, schemas)
    if "properties" not in node:
        # /openapi.json closes what request bodies refer to, enums and null included.
        node.pop("additionalProperties", None)
    words = ("description", "title")
    return {k: normalized(v, schemas) for k, v in node.items() if k not in words}


def test_the_payload_shapes_are_the_apis_own(openapi_document):
    ours = document()["components"]["schemas"]
    theirs = openapi_document["components"]["schemas"]
    common = sorted(set(shared_schemas()) & set(theirs))
    assert "PhoneNumberSummary" in common
    for name in common:
        assert normalized(ours[name], ours) == normalized(theirs[name], theirs), name


@pytest.fixture(scope="module")
def openapi_document() -> dict:
    from tests.api.conformance import conformance

    return conformance().openapi


# --- serving ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_asyncapi_json_is_served_to_anyone():
    response = Client().get("/asyncapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == document()
    assert Client().get("/asyncapi.json").content == response.content  # built once


@pytest.mark.django_db
def test_asyncapi_json_is_only_read():
    assert Client().post("/asyncapi.json").status_code == 405


@pytest.mark.django_db
def test_the_api_docs_link_the_catalog():
    openapi = json.loads(Client().get("/openapi.json").content)
    assert "(/asyncapi.json)" in openapi["info"]["description"]


# --- the check of delivered payloads ---------------------------------------------------


def an_example(event_type: str) -> dict:
    (example,) = document()["components"]["messages"][event_type]["examples"]
    return copy.deepcopy(example)


def test_the_check_refuses_an_unknown_type():
    payload = {**an_example(catalog.UPDATED)["payload"], "type": "phone_number.exploded"}
    assert catalog_errors(payload) == ["type 'phone_number.exploded' is not in the catalog"]


def test_the_check_refuses_a_field_the_catalog_does_not_declare():
    example = an_example(catalog.UPDATED)
    example["payload"]["data"]["internalNote"] = "not in the API"
    (error,) = catalog_errors(example["payload"], example["headers"])
    assert error.startswith("payload data:") and "internalNote" in error
    with pytest.raises(AssertionError, match=r"does not match /asyncapi\.json"):
        assert_matches_catalog(example["payload"])


def test_the_check_refuses_a_timestamp_without_milliseconds_and_a_missing_header():
    example = an_example(catalog.RELEASED)
    example["payload"]["timestamp"] = "2026-01-01T00:00:00Z"
    del example["headers"]["webhook-signature"]
    errors = catalog_errors(example["payload"], example["headers"])
    assert [e.split(":")[0] for e in errors] == ["payload timestamp", "headers (root)"]


@pytest.mark.django_db
def test_the_events_page_lists_every_type_with_its_example():
    response = Client().get("/docs/events")
    assert response.status_code == 200
    page = response.content.decode()
    for event_type in catalog.EVENT_TYPES:
        assert f'id="{event_type}"' in page
        assert f"&quot;type&quot;: &quot;{event_type}&quot;" in page
    assert 'href="/asyncapi.json"' in page
    assert "<script" not in page and "style=" not in page
