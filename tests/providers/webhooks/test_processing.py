"""Processing stored events end to end: POST a signed event, run the task's function,
check the inventory, its events (actor "Provider") and the warmup's outcomes.

Payload shapes and codes as published (see payloads.py for the pages): Telnyx
number_order.complete, portout.status_changed, 10dlc.* (brand / campaign / phone
number), message.finalized (to[].status, errors[].code: 40002/40003 spam → filtering)
and message.received; Twilio status callbacks (MessageStatus, ErrorCode 30007
filtering, 30003 unreachable) and incoming messages (Body STOP, OptOutType).
"""

from __future__ import annotations

import json

import pytest

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.services.provider_sync import phone_number_provision
from phonenumbers_app.services.release import phone_number_release
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus
from providers.models import NumberOrder, NumberOrderItem, ProviderEvent
from providers.webhooks.processing import event_process, events_lost
from providers.webhooks.tasks import sweep_events
from tests.factories import BusinessFactory, PhoneNumberFactory
from tests.providers.webhooks import payloads
from tests.providers.webhooks.signed import post_telnyx, post_twilio
from warmup.models import MessageOutcome

pytestmark = pytest.mark.django_db


def deliver(client, key, document, path="/webhooks/telnyx") -> ProviderEvent:
    response = post_telnyx(client, path, document, key)
    assert response.status_code == 200, response.content
    return ProviderEvent.objects.get(event_id=document["data"]["id"])


def process(event: ProviderEvent) -> ProviderEvent:
    event_process(event.pk)
    event.refresh_from_db()
    return event


def active_number(provider="telnyx", **fields) -> PhoneNumber:
    return PhoneNumberFactory(
        assigned=True,
        provider=provider,
        status=PhoneNumberStatus.ACTIVE,
        provider_phone_number_id=fields.pop("provider_phone_number_id", None),
        **fields,
    )


def provider_events(number: PhoneNumber) -> list[PhoneNumberEvent]:
    return list(PhoneNumberEvent.objects.filter(phone_number=number, actor_name="Provider"))


# --- orders -------------------------------------------------------------------------
def test_an_order_completed_makes_its_numbers_active(client, telnyx_key):
    business = BusinessFactory()
    order = NumberOrder.objects.create(
        provider="telnyx", quantity=2, business=business, status=NumberOrder.Status.WAITING
    )
    rows = {}
    for number in ("+12125550100", "+12125550101"):
        rows[number] = phone_number_provision(
            number=number,
            provider="telnyx",
            provider_phone_number_id=None,
            provider_order_id="order-1",
            business=business,
            acting_user=None,
        )
        NumberOrderItem.objects.create(
            order=order, number=number, phone_number=rows[number], provider_order_id="order-1"
        )
    document = payloads.number_order_complete(
        "order-1", {"+12125550100": "success", "+12125550101": "failure"}
    )
    event = process(deliver(client, telnyx_key, document))

    assert event.status == "processed" and event.attempts == 1
    good, bad = (PhoneNumber.objects.get(pk=rows[n].pk) for n in rows)
    assert (good.status, good.inventory_state) == (
        PhoneNumberStatus.ACTIVE,
        InventoryState.ASSIGNED,
    )
    assert (bad.status, bad.inventory_state) == (
        PhoneNumberStatus.FAILED_PROVISIONING,
        InventoryState.FAILED,
    )
    assert "could not complete the order" in bad.provider_error
    order.refresh_from_db()
    assert order.status == NumberOrder.Status.COMPLETED
    assert provider_events(good) and provider_events(bad)


def test_a_replayed_event_is_processed_once(client, telnyx_key):
    business = BusinessFactory()
    row = phone_number_provision(
        number="+12125550102",
        provider="telnyx",
        provider_phone_number_id=None,
        provider_order_id="order-2",
        business=business,
        acting_user=None,
    )
    document = payloads.number_order_complete("order-2", {"+12125550102": "success"})
    event = process(deliver(client, telnyx_key, document))
    assert post_telnyx(client, "/webhooks/telnyx", document, telnyx_key).json() == {
        "status": "duplicate"
    }
    events_before = PhoneNumberEvent.objects.filter(phone_number=row).count()
    assert event_process(event.pk) is None  # not waiting any more: nothing runs again
    assert PhoneNumberEvent.objects.filter(phone_number=row).count() == events_before
    assert ProviderEvent.objects.get().attempts == 1


# --- numbers gone -----------------------------------------------------------------
def test_a_number_ported_away_needs_attention(client, telnyx_key):
    number = active_number(number="+12125550103")
    event = process(deliver(client, telnyx_key, payloads.portout_ported([number.number])))
    assert event.status == "processed" and event.phone_number_id == number.pk
    number.refresh_from_db()
    assert number.status == PhoneNumberStatus.EXPIRED
    assert number.provider_status == "ported-out"
    assert number.provider_error.startswith("Ported away from telnyx")
    assert provider_events(number)


def test_a_released_number_deleted_at_the_provider_has_its_release_confirmed(
    client, simulated_key, staff_user
):
    number = active_number(
        provider="simulated", number="+12125550104", provider_phone_number_id="sim-1"
    )
    phone_number_release(phone_number=number, acting_user=staff_user)
    # Released here, waiting for the provider's confirmation (the release job's state
    # for numbers of a configured provider, providers/releases.py).
    PhoneNumber.objects.filter(pk=number.pk).update(provider_released_at=None)
    event = process(
        deliver(
            client,
            simulated_key,
            payloads.phone_number_deleted(number.number, "sim-1"),
            "/webhooks/simulated",
        )
    )
    assert event.status == "processed"
    number.refresh_from_db()
    assert number.provider_released_at is not None
    assert provider_events(number)[-1].title == "Released at the provider"


def test_a_number_deleted_at_the_provider_but_active_here_shows_the_deletion(client, simulated_key):
    number = active_number(
        provider="simulated", number="+12125550105", provider_phone_number_id="sim-2"
    )
    process(
        deliver(
            client,
            simulated_key,
            payloads.phone_number_deleted(number.number, "sim-2"),
            "/webhooks/simulated",
        )
    )
    number.refresh_from_db()
    assert number.provider_error == "Deleted at the simulated provider"
    assert number.status == PhoneNumberStatus.EXPIRED


def test_an_event_about_a_number_held_at_another_provider_changes_nothing(
    client, telnyx_key, unchanged_db
):
    active_number(provider="twilio", number="+12125550106")
    document = payloads.portout_ported(["+12125550106"])
    with unchanged_db():
        event = process(deliver(client, telnyx_key, document))
    assert event.status == "ignored"


# --- 10DLC ---------------------------------------------------------------------------
def _on_campaign(number, campaign="cmp-1", brand="brand-1"):
    number.ten_dlc.campaign_id = campaign
    number.ten_dlc.brand_id = brand
    number.ten_dlc.campaign_status = "Pending"
    number.ten_dlc.save()
    return number


def test_a_campaign_rejected_by_the_carriers_marks_every_number_on_it(client, telnyx_key):
    on = [_on_campaign(active_number(number=f"+1212555011{i}")) for i in range(3)]
    elsewhere = _on_campaign(active_number(provider="twilio", number="+12125550119"))
    document = payloads.campaign_update(
        "cmp-1", "MNO_REVIEW", "REJECTED", description="Rejected by T-Mobile: no opt-out"
    )
    event = process(deliver(client, telnyx_key, document))
    assert event.status == "processed"
    for number in on:
        number.ten_dlc.refresh_from_db()
        assert number.ten_dlc.campaign_status == "Rejected"
        assert number.ten_dlc.failure_reason == "Rejected by T-Mobile: no opt-out"
        assert number.ten_dlc.last_provider_event_id == document["data"]["id"]
        assert len(provider_events(number)) == 1
    elsewhere.ten_dlc.refresh_from_db()
    assert elsewhere.ten_dlc.campaign_status == "Pending"  # another provider's campaign


@pytest.mark.parametrize(
    ("kind", "status", "extra", "expected"),
    [
        ("VERIFIED", None, {}, "Approved"),
        ("MNO_REVIEW", "ACCEPTED", {}, "Approved"),
        ("TELNYX_REVIEW", "ACCEPTED", {}, "Pending"),
        (
            "REGISTRATION",
            "failed",
            {"reasons": [{"fields": ["sample1"], "description": "No opt-out"}]},
            "Failed",
        ),
        ("TELNYX_EVENT", "DORMANT", {}, "Failed"),
        ("TCR_EVENT", None, {"eventType": "MNO_CAMPAIGN_OPERATION_APPROVED"}, "Approved"),
    ],
)
def test_campaign_statuses_map_to_ours(client, telnyx_key, kind, status, extra, expected):
    number = _on_campaign(active_number(number="+12125550120"))
    process(deliver(client, telnyx_key, payloads.campaign_update("cmp-1", kind, status, **extra)))
    number.ten_dlc.refresh_from_db()
    assert number.ten_dlc.campaign_status == expected


def test_a_number_pool_event_is_ignored(client, telnyx_key):
    _on_campaign(active_number(number="+12125550121"))
    event = process(
        deliver(client, telnyx_key, payloads.campaign_update("cmp-1", "NUMBER_POOL_PROVISIONED"))
    )
    assert event.status == "ignored"


def test_a_failed_brand_registration_is_recorded_on_its_numbers(client, telnyx_key):
    number = _on_campaign(active_number(number="+12125550122"))
    process(deliver(client, telnyx_key, payloads.brand_failed("brand-1")))
    number.ten_dlc.refresh_from_db()
    assert number.ten_dlc.failure_reason.startswith("Brand: Invalid EIN")


def test_a_number_assigned_to_a_campaign(client, telnyx_key):
    number = active_number(number="+12125550123")
    event = process(deliver(client, telnyx_key, payloads.number_assignment(number.number, "cmp-7")))
    assert event.status == "processed"
    number.ten_dlc.refresh_from_db()
    assert (number.ten_dlc.assignment_status, number.ten_dlc.campaign_id) == ("Assigned", "cmp-7")
    failed = process(
        deliver(client, telnyx_key, payloads.number_assignment(number.number, "cmp-7", "failed"))
    )
    assert failed.status == "processed"
    number.ten_dlc.refresh_from_db()
    assert number.ten_dlc.assignment_status == "Failed"
    assert number.ten_dlc.failure_reason == "Number is not eligible"


# --- messages -----------------------------------------------------------------------
def test_a_delivered_message_is_counted_once(client, telnyx_key):
    number = active_number(number="+12125550130")
    document = payloads.message_finalized("msg-1", number.number, "+13125550111", "delivered")
    event = process(deliver(client, telnyx_key, document))
    assert event.status == "processed"
    outcome = MessageOutcome.objects.get()
    assert (outcome.phone_number_id, outcome.outcome, outcome.message_id) == (
        number.pk,
        "delivered",
        "msg-1",
    )
    # The same message's status again, under another event id: deduped by the outcomes.
    again = payloads.message_finalized("msg-1", number.number, "+13125550111", "delivered")
    assert process(deliver(client, telnyx_key, again)).status == "ignored"
    assert MessageOutcome.objects.count() == 1


@pytest.mark.parametrize(
    ("code", "expected"),
    [("40002", "carrier_rejected"), ("40003", "carrier_rejected"), ("40008", "failed")],
)
def test_a_failed_message_with_a_spam_code_is_carrier_rejected(client, telnyx_key, code, expected):
    number = active_number(number="+12125550131")
    document = payloads.message_finalized(
        "msg-2", number.number, "+13125550111", "delivery_failed", (code,)
    )
    process(deliver(client, telnyx_key, document))
    outcome = MessageOutcome.objects.get()
    assert (outcome.outcome, outcome.error_code) == (expected, code)


def test_an_inbound_stop_is_an_opt_out_of_its_sender(client, telnyx_key):
    number = active_number(number="+12125550132")
    process(
        deliver(
            client,
            telnyx_key,
            payloads.message_received("in-1", "+13125550199", number.number, " Stop "),
        )
    )
    outcome = MessageOutcome.objects.get()
    assert (outcome.outcome, outcome.recipient, outcome.direction) == (
        "opt_out",
        "+13125550199",
        "inbound",
    )
    hello = process(
        deliver(
            client,
            telnyx_key,
            payloads.message_received("in-2", "+13125550199", number.number, "Stop by at 5?"),
        )
    )
    assert hello.status == "ignored"
    assert MessageOutcome.objects.count() == 1


def test_a_status_of_a_message_sent_before_the_number_was_recycled_does_not_count(
    client, telnyx_key, staff_user
):
    """The number was released and created again for another business: a late status of
    the old owner's message is not the new owner's."""
    old = active_number(number="+12125550133")
    document = payloads.message_finalized("msg-old", old.number, "+13125550111", "delivered")
    document["data"]["payload"]["completed_at"] = "2020-01-01T00:00:00+00:00"
    phone_number_release(phone_number=old, acting_user=staff_user)
    new = active_number(number="+12125550133")
    fresh = payloads.message_finalized(
        "msg-old", new.number, "+13125550111", "delivery_failed", ("40003",)
    )
    from datetime import UTC, datetime, timedelta

    fresh["data"]["payload"]["completed_at"] = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    event = process(deliver(client, telnyx_key, fresh))
    assert event.status == "ignored" and "current owner" in event.error
    assert MessageOutcome.objects.count() == 0


def test_an_event_about_a_pool_or_unknown_number_counts_nothing(client, telnyx_key):
    PhoneNumberFactory(number="+12125550134", provider="telnyx")  # pool stock
    for ours in ("+12125550134", "+12125550135"):
        document = payloads.message_finalized(f"msg-{ours}", ours, "+13125550111", "delivered")
        assert process(deliver(client, telnyx_key, document)).status == "ignored"
    assert MessageOutcome.objects.count() == 0


def test_twilio_status_callbacks_feed_the_outcomes(client, twilio_account):
    number = active_number(provider="twilio", number="+12125550136")
    for sid, status, code in (
        ("SM1", "delivered", None),
        ("SM2", "undelivered", "30007"),
        ("SM3", "failed", "30003"),
        ("SM4", "sent", None),
    ):
        assert (
            post_twilio(
                client, payloads.twilio_status(sid, number.number, "+13125550111", status, code)
            ).status_code
            == 200
        )
    for event in ProviderEvent.objects.all():
        process(event)
    outcomes = dict(MessageOutcome.objects.values_list("message_id", "outcome"))
    assert outcomes == {"SM1": "delivered", "SM2": "carrier_rejected", "SM3": "failed"}
    assert ProviderEvent.objects.get(event_id="SM4:sent").status == "ignored"


def test_a_twilio_stop_is_an_opt_out(client, twilio_account):
    number = active_number(provider="twilio", number="+12125550137")
    post_twilio(
        client, payloads.twilio_inbound("SM9", "+13125550199", number.number, "stop", "STOP")
    )
    process(ProviderEvent.objects.get())
    outcome = MessageOutcome.objects.get()
    assert (outcome.outcome, outcome.recipient) == ("opt_out", "+13125550199")


# --- unknown, failures, the sweep -----------------------------------------------------
def test_an_unknown_event_type_is_stored_and_ignored(client, telnyx_key, unchanged_db):
    with unchanged_db():
        event = process(
            deliver(
                client,
                telnyx_key,
                payloads.envelope("call.initiated", {"call_control_id": "v3:abc"}),
            )
        )
    assert event.status == "ignored" and event.processed_at is not None
    assert "not handled" in event.error


def test_a_handler_that_fails_marks_the_event_failed_and_undoes_its_writes(
    client, telnyx_key, monkeypatch
):
    numbers = [_on_campaign(active_number(number=f"+1212555014{i}")) for i in range(2)]
    from providers.webhooks import numbers as numbers_module

    original = numbers_module.phone_number_provider_update
    calls = []

    def fail_on_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("boom")
        return original(**kwargs)

    monkeypatch.setattr(numbers_module, "phone_number_provider_update", fail_on_second)
    event = process(deliver(client, telnyx_key, payloads.campaign_update("cmp-1", "VERIFIED")))
    assert event.status == "failed" and "ValueError: boom" in event.error
    for number in numbers:
        number.ten_dlc.refresh_from_db()
        assert number.ten_dlc.campaign_status == "Pending"  # the first write was undone


def test_the_sweep_processes_events_whose_task_was_lost(client, telnyx_key):
    event = deliver(client, telnyx_key, payloads.envelope("call.initiated", {}))
    assert events_lost() == []  # just in: its task may still come
    ProviderEvent.objects.filter(pk=event.pk).update(
        received_at=event.received_at.replace(year=2020)
    )
    assert sweep_events() == 1
    event.refresh_from_db()
    assert event.status == "ignored"


def test_processing_one_event_takes_few_queries(client, telnyx_key, django_assert_max_num_queries):
    number = active_number(number="+12125550150")
    event = deliver(
        client,
        telnyx_key,
        payloads.message_finalized("msg-q", number.number, "+13125550111", "delivered"),
    )
    # The handler's savepoint, then the outcomes' write in a savepoint of its own (one for
    # the whole batch: tests/providers/webhooks/test_batched_outcomes.py).
    with django_assert_max_num_queries(15):
        event_process(event.pk)
    assert json.loads(ProviderEvent.objects.get().body)["data"]["id"] == event.event_id


def test_one_drain_processes_every_waiting_event(
    client, telnyx_key, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from providers.webhooks.tasks import DRAIN_PENDING, drain_flag_is_set, process_pending

    cache.delete(DRAIN_PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            deliver(client, telnyx_key, payloads.envelope("call.initiated", {}))
    assert drain_flag_is_set()  # one drain sent for the three
    assert process_pending() == 3
    assert not drain_flag_is_set()
    assert set(ProviderEvent.objects.values_list("status", flat=True)) == {"ignored"}


def test_a_handler_breaking_a_constraint_fails_alone_and_the_batch_goes_on(
    client, telnyx_key, monkeypatch
):
    from providers.webhooks import telnyx_events
    from providers.webhooks.processing import events_process

    def breaks_a_constraint(event, payload):
        ProviderEvent.objects.create(provider=event.provider, event_id=event.event_id, body="")

    monkeypatch.setitem(telnyx_events.HANDLERS, "call.hangup", breaks_a_constraint)
    bad = deliver(client, telnyx_key, payloads.envelope("call.hangup", {}))
    good = deliver(client, telnyx_key, payloads.envelope("call.initiated", {}))
    assert len(events_process([bad.pk, good.pk])) == 2
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == "failed" and "IntegrityError" in bad.error
    assert good.status == "ignored"
    assert ProviderEvent.objects.count() == 2


def test_an_order_failure_with_errors_keeps_their_detail_as_the_reason(client, simulated_key):
    row = phone_number_provision(
        number="+12125550170",
        provider="simulated",
        provider_phone_number_id="sim-170",
        provider_order_id="order-3",
        business=None,
        acting_user=None,
    )
    document = payloads.number_order_complete("order-3", {"+12125550170": "failure"})
    document["data"]["payload"]["phone_numbers"][0]["errors"] = [
        {"code": "10015", "title": "Activation failed", "detail": "The carrier refused it."}
    ]
    process(deliver(client, simulated_key, document, "/webhooks/simulated"))
    row.refresh_from_db()
    assert row.status == PhoneNumberStatus.FAILED_PROVISIONING
    assert row.provider_error == "The carrier refused it."
