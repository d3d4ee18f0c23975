"""Every response of every test in tests/api is checked against the OpenAPI document.

So that the document cannot drift from what the API answers, in any scenario a test
runs: each response to a documented operation must have a documented status, a
documented content type and a body matching the documented schema. Requests to
undocumented paths or methods (/openapi.json, /docs, /healthz, 405s) are not checked.
"""

from __future__ import annotations

import pytest
from django.test.client import Client

from tests.api.conformance import Conformance, conformance

# Statuses no operation documents on purpose: a server error (tests that make one check
# its problem body themselves), a refused Accept header.
UNDOCUMENTED = {406, 500, 503}


@pytest.fixture(scope="session")
def openapi() -> dict:
    return conformance().openapi


@pytest.fixture(scope="session", name="conformance")
def conformance_fixture() -> Conformance:
    return conformance()


@pytest.fixture
def check(conformance):
    """`check(response, "GET", "/phone-numbers/{id}", 200)` -> the validated body."""
    return conformance.response


@pytest.fixture(autouse=True)
def every_response_is_documented(monkeypatch):
    send = Client.request

    def checked_request(self, **request_kwargs):
        response = send(self, **request_kwargs)
        method = request_kwargs.get("REQUEST_METHOD", "GET")
        path = request_kwargs.get("PATH_INFO", "")
        checker = conformance()
        if response.status_code not in UNDOCUMENTED and checker.documents(method, path):
            checker.response(response, method)
        return response

    monkeypatch.setattr(Client, "request", checked_request)
    yield
