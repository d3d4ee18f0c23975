"""The tests' receiver checks every request against the catalog, and a mismatch fails
the test that received it (when the receiver stops)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.webhooks.receiver import Receiver
from webhooks import catalog
from webhooks.asyncapi import document


def a_real_request() -> tuple[bytes, dict[str, str]]:
    (example,) = document()["components"]["messages"][catalog.UPDATED]["examples"]
    body = json.dumps(example["payload"], separators=(",", ":")).encode()
    return body, example["headers"]


def test_a_request_off_the_catalog_is_recorded_and_fails_the_receiver():
    body, headers = a_real_request()
    off = body.replace(b'"data":{', b'"data":{"x":1,')
    receiver = Receiver()
    with pytest.raises(AssertionError, match=r"do not match /asyncapi\.json"), receiver:
        httpx.post(receiver.url, content=off, headers=headers)
    (got,) = receiver.received
    assert "payload data: Additional properties" in got.catalog_error
    assert got.status == 200  # answered as ever: the test fails, not the delivery


def test_a_request_on_the_catalog_passes():
    body, headers = a_real_request()
    with Receiver() as receiver:
        httpx.post(receiver.url, content=body, headers=headers)
    (got,) = receiver.received
    assert got.catalog_error == ""


def test_a_receiver_told_not_to_check_takes_anything():
    with Receiver() as receiver:
        receiver.check_catalog = False
        httpx.post(receiver.url, content=b"not json")
    (got,) = receiver.received
    assert got.catalog_error == ""
