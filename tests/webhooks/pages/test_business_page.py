"""The /ops business page lists the business's webhook endpoints and links to add one."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import BusinessFactory
from tests.webhooks.ops_data import RECEIVER, deliveries_for
from webhooks.models import WebhookDelivery
from webhooks.services import endpoint_create, endpoint_update

pytestmark = pytest.mark.django_db


def _page(client, business) -> str:
    response = client.get(reverse("ops:business", args=[business.pk]))
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def _section(content: str) -> str:
    return content.split('id="webhooks-title"')[1].split("</section>")[0]


def test_lists_its_endpoints_with_status_types_streak_and_last_delivery(
    ops, operator, business, endpoint
):
    off, _ = endpoint_create(acting_user=operator, business=business, url=RECEIVER + "/off")
    endpoint_update(endpoint=off, acting_user=operator, enabled=False)
    deliveries_for(endpoint, 2, state=WebhookDelivery.State.FAILED)
    other = BusinessFactory(name="Other Co")
    endpoint_create(acting_user=operator, business=other, url="https://other.example/h")
    endpoint_create(acting_user=operator, business=None, url="https://all.example/h")

    section = _section(_page(ops, business))

    assert f'href="/ops/webhooks/{endpoint.pk}/"' in section
    assert f'href="/ops/webhooks/{off.pk}/"' in section
    assert "<code>phone_number.updated</code> <code>phone_number.released</code>" in section
    assert "badge-disabled" in section and "badge-failed" in section
    assert "other.example" not in section and "all.example" not in section
    assert f'href="/ops/webhooks/add/?business={business.pk}"' in section


def test_without_endpoints_it_says_so(ops, business):
    section = _section(_page(ops, business))

    assert "None: nothing tells Acme Roofing" in section
    assert "Add a webhook endpoint" in section


def test_the_section_costs_one_query_however_many_endpoints(ops, operator, business):
    endpoint_create(acting_user=operator, business=business, url=RECEIVER)
    with CaptureQueriesContext(connection) as one:
        _page(ops, business)
    for index in range(10):
        made, _ = endpoint_create(
            acting_user=operator, business=business, url=f"{RECEIVER}/{index}"
        )
        deliveries_for(made, 5)
    with CaptureQueriesContext(connection) as eleven:
        _page(ops, business)

    assert len(eleven) == len(one)
