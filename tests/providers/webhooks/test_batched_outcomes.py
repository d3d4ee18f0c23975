"""Message events processed as a batch (providers/webhooks/processing.py): their outcomes
are recorded in one write, with the same answer per event as one at a time."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from providers.models import ProviderEvent
from providers.webhooks import messages
from providers.webhooks.processing import events_process
from tests.providers.webhooks import payloads
from tests.providers.webhooks.test_processing import active_number, deliver
from warmup.models import MessageOutcome

pytestmark = pytest.mark.django_db


def delivered(client, key, count: int, *, number: str, first: int = 0) -> list[ProviderEvent]:
    return [
        deliver(
            client,
            key,
            payloads.message_finalized(f"msg-{first + i}", number, "+13125550111", "delivered"),
        )
        for i in range(count)
    ]


def test_a_batch_records_each_events_outcome_and_settles_each_event(client, telnyx_key):
    number = active_number(number="+12125550150")
    events = delivered(client, telnyx_key, 5, number=number.number)
    stop = deliver(
        client, telnyx_key, payloads.message_received("in-1", "+13125550199", number.number, "STOP")
    )
    unknown = deliver(
        client,
        telnyx_key,
        payloads.message_finalized("msg-x", "+12125550177", "+13125550111", "delivered"),
    )

    events_process([e.pk for e in [*events, stop, unknown]])

    statuses = dict(ProviderEvent.objects.values_list("event_id", "status"))
    assert [statuses[e.event_id] for e in events] == ["processed"] * 5
    assert statuses[stop.event_id] == "processed"
    assert statuses[unknown.event_id] == "ignored"
    assert "Not counted" in ProviderEvent.objects.get(pk=unknown.pk).error
    assert MessageOutcome.objects.filter(outcome="delivered").count() == 5
    assert MessageOutcome.objects.filter(outcome="opt_out", recipient="+13125550199").count() == 1


def test_the_same_message_twice_in_one_batch_counts_once(client, telnyx_key):
    number = active_number(number="+12125550150")
    first = deliver(
        client,
        telnyx_key,
        payloads.message_finalized("msg-1", number.number, "+13125550111", "delivered"),
    )
    # Another event (another id) about the same message: a provider's second report of it.
    again = payloads.message_finalized("msg-1", number.number, "+13125550111", "delivered")
    again["data"]["id"] = "another-event-id"
    second = deliver(client, telnyx_key, again)

    events_process([first.pk, second.pk])

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("processed", "ignored")
    assert second.error == "Outcome recorded before."
    assert MessageOutcome.objects.count() == 1


def test_a_batchs_queries_grow_only_by_each_handlers_savepoint(
    client, telnyx_key, django_assert_max_num_queries
):
    number = active_number(number="+12125550150")
    few = delivered(client, telnyx_key, 2, number=number.number)
    many = delivered(client, telnyx_key, 40, number=number.number, first=100)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        events_process([e.pk for e in few])
    # Each handler runs in a savepoint (SAVEPOINT, RELEASE); the reads and writes of the
    # outcomes are the same few statements for 2 events or 40.
    with django_assert_max_num_queries(len(two.captured_queries) + 2 * (40 - 2)):
        events_process([e.pk for e in many])
    assert MessageOutcome.objects.count() == 42


def test_when_the_batchs_write_fails_each_event_is_written_alone(client, telnyx_key, monkeypatch):
    number = active_number(number="+12125550150")
    good = delivered(client, telnyx_key, 2, number=number.number)
    bad = deliver(
        client,
        telnyx_key,
        payloads.message_finalized("msg-bad", number.number, "+13125550111", "delivered"),
    )
    real = messages.results_of

    def failing_for_the_bad_one(*, provider, items, now):
        if any(item["messageId"] == "msg-bad" for item in items):
            raise IntegrityError("a constraint the bad event broke")
        return real(provider=provider, items=items, now=now)

    monkeypatch.setattr(messages, "results_of", failing_for_the_bad_one)

    events_process([e.pk for e in [*good, bad]])

    statuses = dict(ProviderEvent.objects.values_list("event_id", "status"))
    assert [statuses[e.event_id] for e in good] == ["processed", "processed"]
    assert statuses[bad.event_id] == "failed"
    assert "IntegrityError" in ProviderEvent.objects.get(pk=bad.pk).error
    assert set(MessageOutcome.objects.values_list("message_id", flat=True)) == {"msg-0", "msg-1"}
