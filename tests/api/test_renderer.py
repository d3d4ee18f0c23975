"""core.renderers.JSONRenderer writes what DRF's JSONRenderer writes."""

from __future__ import annotations

import datetime
import uuid
from collections import OrderedDict
from decimal import Decimal

import pytest
from django.utils.functional import lazy
from rest_framework import renderers
from rest_framework.exceptions import ErrorDetail
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from core.renderers import JSONRenderer

lazy_text = lazy(lambda: "lazy ✓", str)

CASES = {
    "a page": {
        "items": ReturnList([{"id": "x", "n": 1, "ok": True, "none": None}], serializer=None),
        "pageSize": 50,
        "continuationToken": None,
    },
    "problem details": ReturnDict(
        {"errors": {"name": [ErrorDetail("This field is required.", code="required")]}},
        serializer=None,
    ),
    "datetimes, decimals, uuids": {
        "at": datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.UTC),
        "day": datetime.date(2026, 1, 2),
        "amount": Decimal("1.15"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    },
    "unicode and line separators": {"name": "Zoë \u2013 Café\u2028next\u2029"},
    "lazy text and ordered dicts": OrderedDict([("b", lazy_text()), ("a", [1, 2])]),
    "keys that are not strings": {1: "one", None: "none"},
    "integers past 64 bits": {"big": 2**70},
}


@pytest.mark.parametrize("data", CASES.values(), ids=CASES.keys())
def test_renders_the_bytes_drf_renders(data):
    assert JSONRenderer().render(data) == renderers.JSONRenderer().render(data)


def test_an_indented_request_and_no_data_are_drfs_too():
    data = {"a": [1, {"b": None}]}
    indented = "application/json; indent=2"

    assert JSONRenderer().render(data, indented) == renderers.JSONRenderer().render(data, indented)
    assert JSONRenderer().render(None) == b""
