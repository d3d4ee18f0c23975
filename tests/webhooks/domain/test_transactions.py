"""The outbox is the change's transaction: what is rolled back or refused sends nothing,
and what a bulk writer commits is queued in bulk, at a cost that does not grow with the
number of events (and one query when nobody listens)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from phonenumbers_app.imports.service import Importer
from phonenumbers_app.imports.validate import Businesses, Validator, ValidRow
from phonenumbers_app.models import PhoneNumberEvent
from phonenumbers_app.services import phone_number_update
from phonenumbers_app.services.events import new_event
from phonenumbers_app.vocabularies import EventType
from tests.conftest import db_state
from tests.factories import PhoneNumberFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage
from webhooks.outbox import publish

pytestmark = pytest.mark.django_db

ENDPOINTS = WebhookEndpoint._meta.db_table


class Boom(Exception):
    pass


def outbox_state() -> dict:
    return {
        **db_state(),
        "messages": list(WebhookMessage.objects.values()),
        "deliveries": list(WebhookDelivery.objects.values()),
    }


def test_a_change_rolled_back_after_the_service_leaves_nothing_to_send(alpha, listen):
    listen(alpha.business)
    number = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")
    before = outbox_state()
    with pytest.raises(Boom), transaction.atomic():
        phone_number_update(phone_number=number, acting_user=alpha.user, fields={"name": "New"})
        assert WebhookDelivery.objects.count() == 1  # queued, inside the transaction
        raise Boom
    assert outbox_state() == before
    assert not WebhookMessage.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_refused_service_call_leaves_nothing_to_send(alpha, listen):
    listen(alpha.business)
    number = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")
    before = outbox_state()
    with pytest.raises(ValidationError):
        phone_number_update(
            phone_number=number, acting_user=alpha.user, fields={"name": "ok", "enabled": "yes"}
        )
    assert outbox_state() == before


def test_a_refused_api_patch_leaves_nothing_to_send(alpha, listen):
    listen(alpha.business)
    number = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")
    before = outbox_state()
    response = alpha.client.patch(
        f"/phone-numbers/{number.pk}", {"name": "ok", "isDefault": "maybe"}, format="json"
    )
    assert response.status_code == 400
    assert response["content-type"].startswith("application/problem+json")
    assert outbox_state() == before


def rows(business, count: int, start: int = 0) -> list[ValidRow]:
    return [
        ValidRow(
            row=i + 2,
            number=f"+1201555{start + i:04d}",
            business_id=str(business.pk),
            business_given=True,
        )
        for i in range(count)
    ]


def importer() -> Importer:
    return Importer(validator=Validator(default_business=None, businesses=Businesses()))


def outbox_inserts(queries) -> dict[str, int]:
    counts = {}
    for table in (WebhookMessage._meta.db_table, WebhookDelivery._meta.db_table):
        counts[table] = sum(1 for q in queries if q["sql"].startswith(f'INSERT INTO "{table}"'))
    return counts


def test_an_import_of_a_thousand_numbers_queues_them_in_bulk(alpha, listen):
    listen(alpha.business)
    with CaptureQueriesContext(connection) as queries:
        assert importer().write(rows(alpha.business, 1000)) == []
    assert WebhookMessage.objects.filter(event_type="phone_number.created").count() == 1000
    assert WebhookDelivery.objects.count() == 1000
    # A few multi-row INSERTs (SQLite caps a statement's parameters), never one a row.
    for table, inserts in outbox_inserts(queries.captured_queries).items():
        assert 1 <= inserts <= 20, (table, inserts)


def events_of(business, count: int, start: int) -> list[PhoneNumberEvent]:
    numbers = [
        PhoneNumberFactory(
            business=business, inventory_state="Assigned", number=f"+1201556{start + i:04d}"
        )
        for i in range(count)
    ]
    events = [
        new_event(
            phone_number=n,
            type=EventType.UPDATED,
            title="Renamed",
            details=None,
            acting_user=None,
            data={"before": {"name": "a"}, "after": {"name": "b"}},
        )
        for n in numbers
    ]
    return PhoneNumberEvent.objects.bulk_create(events)


def publish_queries(events) -> int:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert publish(events) == len(events)
    return len(queries)


def test_publishing_costs_the_same_queries_for_few_events_as_for_many(alpha, listen):
    listen(alpha.business)
    few = publish_queries(events_of(alpha.business, 3, 0))
    # SQLite splits a bulk INSERT at its parameter cap (999: 76 deliveries a statement).
    many = 1000 if connection.vendor == "postgresql" else 60
    assert publish_queries(events_of(alpha.business, many, 100)) == few


def test_with_no_endpoint_publishing_costs_one_query(alpha, bravo, django_assert_num_queries):
    events = events_of(alpha.business, 50, 0) + events_of(bravo.business, 50, 100)
    with django_assert_num_queries(1):
        assert publish(events) == 0
    with django_assert_num_queries(1):
        assert publish(events[:1]) == 0
    assert not WebhookMessage.objects.exists()


def test_an_event_that_raises_no_webhook_costs_no_query(alpha, django_assert_num_queries):
    (event,) = events_of(alpha.business, 1, 0)
    event.data = {}
    with django_assert_num_queries(0):
        assert publish([event]) == 0


def test_a_write_with_no_endpoint_adds_one_query_for_the_outbox(alpha, listen):
    number = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")

    def update_queries(name: str) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            phone_number_update(phone_number=number, acting_user=alpha.user, fields={"name": name})
        return [q["sql"] for q in queries.captured_queries]

    nobody = update_queries("One")
    # The look-up of subscribers, and nothing else of the outbox's.
    assert sum(f'"{ENDPOINTS}"' in sql for sql in nobody) == 1
    assert not any(WebhookMessage._meta.db_table in sql for sql in nobody)
    listen(alpha.business)
    heard = update_queries("Two")
    assert len(heard) > len(nobody)
