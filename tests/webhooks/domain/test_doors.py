"""Every door that changes a number raises exactly the catalog's events for the change
(none missing, none extra), delivered signed to the endpoints that hear them.

Doors: the API (create, claim, PATCH, DELETE), the services staff pages and the admin
call, imports (new and updated rows), the operators' bulk actions, the warmup services
and the warmup engine's passes, and the providers (provisioning, adoption, orders,
10DLC webhooks).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.operator_actions import BY_SLUG
from phonenumbers_app.services import (
    phone_number_update,
    phone_number_warmup_pause,
    phone_number_warmup_resume,
)
from phonenumbers_app.services.bulk import bulk_chunks, bulk_run_chunk, bulk_run_start
from phonenumbers_app.services.provider_sync import phone_number_adopt, phone_number_provision
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus
from phonenumbers_app.vocabularies import WarmupHealthState as W
from providers.models import ProviderEvent
from providers.orders import order_number_result
from providers.webhooks.processing import event_process
from tests.factories import PhoneNumberFactory, UserFactory
from tests.providers.webhooks import payloads
from tests.providers.webhooks.signed import new_key_pair, post_telnyx
from tests.webhooks.domain.conftest import deliver, import_csv
from warmup import engine
from warmup.models import DailyStats, NumberWarmup

pytestmark = pytest.mark.django_db

CREATED = "phone_number.created"
ASSIGNED = "phone_number.assigned"
UNASSIGNED = "phone_number.unassigned"
UPDATED = "phone_number.updated"
RELEASED = "phone_number.released"
PAUSED = "phone_number.warmup.paused"
RESUMED = "phone_number.warmup.resumed"
READY = "phone_number.warmup.ready"
HEALTH = "phone_number.health.changed"
TEN_DLC = "phone_number.ten_dlc.changed"
PROVISIONED = "phone_number.provisioning.completed"
PROVISIONING_FAILED = "phone_number.provisioning.failed"

# Mid-day Eastern, days ago: the engine's passes below stamp their events with times up
# to a day after NOW, and the delivery sends only messages already due.
NOW = (timezone.now() - timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
TODAY = NOW.date()


def url(number) -> str:
    return f"/phone-numbers/{number.pk}"


def sent(*listeners) -> list[list[str]]:
    deliver()
    return [listener.types() for listener in listeners]


# --- created -------------------------------------------------------------------------


def test_api_create_raises_created(alpha, listen):
    mine, everyone = listen(alpha.business), listen()
    response = alpha.client.post(
        "/phone-numbers",
        {"name": "Front desk", "number": "+12015550100", "businessId": str(alpha.business.pk)},
        format="json",
    )
    assert response.status_code in (200, 201), response.content
    assert sent(mine, everyone) == [[CREATED], [CREATED]]


def test_staff_adding_pool_stock_raises_created_for_global_endpoints_only(staff_api, alpha, listen):
    mine, everyone = listen(alpha.business), listen()
    response = staff_api.post(
        "/phone-numbers", {"name": "Stock", "number": "+12015550100"}, format="json"
    )
    assert response.status_code in (200, 201), response.content
    assert sent(mine, everyone) == [[], [CREATED]]


def test_an_import_of_new_numbers_raises_created_per_number(tmp_path, alpha, listen):
    mine, everyone = listen(alpha.business), listen()
    import_csv(
        tmp_path,
        ["number", "businessId"],
        [["+12015550100", str(alpha.business.pk)], ["+12015550101", str(alpha.business.pk)]],
    )
    assert sent(mine, everyone) == [[CREATED, CREATED], [CREATED, CREATED]]
    numbers = {p["data"]["number"] for p in mine.payloads()}
    assert numbers == {"+12015550100", "+12015550101"}
    assert all(p["data"]["business"]["id"] == str(alpha.business.pk) for p in mine.payloads())


def test_provisioning_and_adopting_raise_created(alpha, staff, listen):
    mine, everyone = listen(alpha.business), listen()
    phone_number_provision(
        number="+12015550100",
        provider="simulated",
        provider_phone_number_id=None,
        provider_order_id="order-1",
        business=alpha.business,
        acting_user=None,
    )
    phone_number_adopt(
        number="+12015550101",
        provider="simulated",
        provider_phone_number_id="pn-1",
        provider_status="active",
        acting_user=staff,
    )
    assert sent(mine, everyone) == [[CREATED], [CREATED, CREATED]]


# --- assigned / unassigned -----------------------------------------------------------


def test_a_claim_from_the_pool_raises_assigned(alpha, listen):
    pool = PhoneNumberFactory(number="+12015550100")
    mine, everyone = listen(alpha.business), listen()
    response = alpha.client.post(
        "/phone-numbers",
        {"name": "Claimed", "businessId": str(alpha.business.pk)},
        format="json",
    )
    assert response.status_code in (200, 201), response.content
    assert response.json()["id"] == str(pool.pk)
    assert sent(mine, everyone) == [[ASSIGNED], [ASSIGNED]]


def test_a_claim_of_preferred_pool_stock_raises_assigned_only(alpha, listen):
    """Claiming clears the pool's own leftovers (the preferred flag) with an audit event
    in the pool's history; the number left no business, so that is no `unassigned`."""
    PhoneNumberFactory(number="+12015550100", is_preferred=True)
    mine, everyone = listen(alpha.business), listen()
    response = alpha.client.post(
        "/phone-numbers", {"name": "Claimed", "businessId": str(alpha.business.pk)}, format="json"
    )
    assert response.status_code in (200, 201), response.content
    assert sent(mine, everyone) == [[ASSIGNED], [ASSIGNED]]


def test_creating_a_pool_number_by_its_number_raises_assigned(alpha, listen):
    pool = PhoneNumberFactory(number="+12015550100")
    mine, everyone = listen(alpha.business), listen()
    response = alpha.client.post(
        "/phone-numbers",
        {"name": "Mine", "number": "+12015550100", "businessId": str(alpha.business.pk)},
        format="json",
    )
    assert response.status_code in (200, 201), response.content
    assert response.json()["id"] == str(pool.pk)
    assert sent(mine, everyone) == [[ASSIGNED], [ASSIGNED]]


def test_staff_moving_a_number_raises_unassigned_then_assigned(staff_api, alpha, bravo, listen):
    number = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")
    a, b, everyone = listen(alpha.business), listen(bravo.business), listen()
    response = staff_api.patch(url(number), {"businessId": str(bravo.business.pk)}, format="json")
    assert response.status_code == 200, response.content
    assert sent(a, b, everyone) == [[UNASSIGNED], [ASSIGNED], [ASSIGNED, UNASSIGNED]]


def test_returning_a_number_to_the_pool_raises_unassigned(staff_api, alpha, listen):
    number = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")
    mine, everyone = listen(alpha.business), listen()
    response = staff_api.patch(url(number), {"businessId": None}, format="json")
    assert response.status_code == 200, response.content
    assert sent(mine, everyone) == [[UNASSIGNED], [UNASSIGNED]]


# --- updated -------------------------------------------------------------------------


def test_an_api_patch_raises_updated(alpha, listen):
    number = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")
    mine = listen(alpha.business)
    response = alpha.client.patch(url(number), {"name": "Sales"}, format="json")
    assert response.status_code == 200, response.content
    assert sent(mine) == [[UPDATED]]


def test_a_staff_edit_through_the_services_raises_updated(staff, alpha, listen):
    number = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")
    mine = listen(alpha.business)
    phone_number_update(
        phone_number=number, acting_user=staff, fields={"inventory_state": "Restricted"}
    )
    assert sent(mine) == [[UPDATED]]


def test_making_a_number_default_tells_of_both_numbers(alpha, listen):
    old = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned", is_default=True)
    new = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")
    mine = listen(alpha.business)
    response = alpha.client.patch(url(new), {"isDefault": True}, format="json")
    assert response.status_code == 200, response.content
    assert sent(mine) == [[UPDATED, UPDATED]]
    assert {p["data"]["id"] for p in mine.payloads()} == {str(old.pk), str(new.pk)}


def test_an_import_update_raises_updated_and_ten_dlc_changed(tmp_path, alpha, listen):
    PhoneNumberFactory(number="+12015550100", business=alpha.business, inventory_state="Assigned")
    PhoneNumberFactory(number="+12015550101", business=alpha.business, inventory_state="Assigned")
    mine = listen(alpha.business)
    import_csv(
        tmp_path,
        ["number", "name", "tenDlcCampaignStatus"],
        [["+12015550100", "Renamed", ""], ["+12015550101", "", "Approved"]],
        "--on-conflict",
        "update",
    )
    deliver()
    by_number = {}
    for payload in mine.payloads():
        by_number.setdefault(payload["data"]["number"], set()).add(payload["type"])
    assert by_number == {"+12015550100": {UPDATED}, "+12015550101": {UPDATED, TEN_DLC}}
    assert len(mine.payloads()) == 3


def test_a_bulk_action_raises_updated_per_number(alpha, listen):
    numbers = [
        PhoneNumberFactory(business=alpha.business, inventory_state="Assigned") for _ in range(3)
    ]
    mine = listen(alpha.business)
    action = BY_SLUG["disable"]
    ids = [n.pk for n in numbers]
    operator = UserFactory(username="root", is_staff=True, is_superuser=True)
    run = bulk_run_start(user=operator, action=action, data={}, query="", ids=ids)
    for index, chunk in enumerate(bulk_chunks(ids)):
        run = bulk_run_chunk(run_id=run.pk, index=index, ids=chunk)
    assert (run.done, run.skipped, run.errors) == (3, 0, []), run.skipped_reasons
    assert sent(mine) == [[UPDATED] * 3]
    assert all(p["data"]["enabled"] is False for p in mine.payloads())


# --- released ------------------------------------------------------------------------


def test_an_api_delete_raises_released(alpha, listen):
    number = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")
    mine = listen(alpha.business)
    response = alpha.client.delete(url(number))
    assert response.status_code in (200, 204), response.content
    assert sent(mine) == [[RELEASED]]
    assert mine.payloads()[0]["data"]["inventoryState"] == InventoryState.RELEASED


# --- warmup --------------------------------------------------------------------------


def warming(business, *, day: int = 5, **fields) -> PhoneNumber:
    fields.setdefault("health_status", W.HEALTHY)
    number = PhoneNumberFactory(
        business=business,
        inventory_state="Assigned",
        warmup_enabled=True,
        warmup_state=W.WARMING,
        **fields,
    )
    NumberWarmup.objects.create(
        phone_number=number, plan_day=day, evaluated_day=TODAY - timedelta(days=1)
    )
    return number


def stats(number, day, **counts) -> None:
    counts.setdefault("updated_at", NOW - timedelta(hours=1))
    DailyStats.objects.create(
        phone_number=number, business_id=number.business_id, day=day, **counts
    )


def test_pausing_and_resuming_warmup_by_hand(alpha, listen):
    number = warming(alpha.business)
    mine = listen(alpha.business)
    phone_number_warmup_pause(phone_number=number, acting_user=alpha.user, reason="Complaints")
    phone_number_warmup_resume(phone_number=number, acting_user=alpha.user)
    assert sent(mine) == [sorted([UPDATED, PAUSED, UPDATED, RESUMED])]


def test_the_engine_pauses_on_carrier_filtering_and_resumes_after_the_cooldown(alpha, listen):
    number = warming(alpha.business)
    stats(number, TODAY, sms_sent=250, sms_delivered=230, sms_carrier_rejected=20, recipients=240)
    mine = listen(alpha.business)
    engine.run_pass(now=NOW)
    deliver()
    number.refresh_from_db()
    health = [HEALTH] if number.health_status != W.HEALTHY else []
    assert mine.types() == sorted([UPDATED, PAUSED, *health])
    mine.clear()
    engine.run_pass(now=NOW + timedelta(hours=25))
    deliver()
    resumed = mine.types()
    assert UPDATED in resumed and RESUMED in resumed
    assert set(resumed) <= {UPDATED, RESUMED, HEALTH} and len(resumed) == len(set(resumed))


def test_the_engine_raises_ready_at_the_end_of_the_plan(alpha, listen):
    number = warming(alpha.business, day=21)
    stats(number, TODAY - timedelta(days=1), sms_sent=900, sms_delivered=900, recipients=900)
    mine = listen(alpha.business)
    engine.run_pass(now=NOW)
    number.refresh_from_db()
    assert number.warmup_state == W.READY
    assert sent(mine) == [sorted([UPDATED, READY])]


def test_the_engine_raises_health_changed(alpha, listen):
    number = warming(alpha.business, health_status=W.NEEDS_ATTENTION)
    stats(number, TODAY - timedelta(days=1), sms_sent=40, sms_delivered=40)
    mine = listen(alpha.business)
    engine.run_pass(now=NOW)
    number.refresh_from_db()
    assert number.health_status == W.HEALTHY
    assert sent(mine) == [sorted([UPDATED, HEALTH])]


def test_an_engine_pass_that_changes_nothing_tells_nothing(alpha, listen):
    number = warming(alpha.business)
    stats(number, TODAY - timedelta(days=1), sms_sent=40, sms_delivered=40)
    engine.run_pass(now=NOW)
    mine = listen(alpha.business)
    engine.run_pass(now=NOW + timedelta(minutes=5))
    assert sent(mine) == [[]]
    assert number.pk


# --- 10DLC ---------------------------------------------------------------------------


def test_staff_patching_ten_dlc_raises_ten_dlc_changed(staff_api, alpha, listen):
    number = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")
    mine = listen(alpha.business)
    response = staff_api.patch(
        url(number), {"tenDlc": {"campaignStatus": "Approved"}}, format="json"
    )
    assert response.status_code == 200, response.content
    assert sent(mine) == [sorted([UPDATED, TEN_DLC])]


@pytest.fixture
def telnyx_key(settings) -> str:
    private, public = new_key_pair()
    settings.TELNYX_API_KEY = "KEY0123456789ABCDEF"
    settings.TELNYX_PUBLIC_KEY = public
    return private


def test_a_provider_10dlc_webhook_raises_ten_dlc_changed(client, telnyx_key, alpha, listen):
    number = PhoneNumberFactory(
        business=alpha.business,
        inventory_state="Assigned",
        provider="telnyx",
        status=PhoneNumberStatus.ACTIVE,
    )
    number.ten_dlc.campaign_id, number.ten_dlc.campaign_status = "cmp-1", "Pending"
    number.ten_dlc.save()
    mine = listen(alpha.business)
    document = payloads.campaign_update("cmp-1", "MNO_REVIEW", "REJECTED", description="No")
    response = post_telnyx(client, "/webhooks/telnyx", document, telnyx_key)
    assert response.status_code == 200, response.content
    event_process(ProviderEvent.objects.get(event_id=document["data"]["id"]).pk)
    assert sent(mine) == [sorted([UPDATED, TEN_DLC])]
    assert mine.payloads()[0]["data"]["tenDlc"]["campaignStatus"] == "Rejected"


def test_a_provider_repeating_a_10dlc_status_is_no_ten_dlc_change(
    client, telnyx_key, alpha, listen
):
    """The provider's bookkeeping on the number (which event it last sent, when) changes
    the representation, not the registration."""
    number = PhoneNumberFactory(
        business=alpha.business,
        inventory_state="Assigned",
        provider="telnyx",
        status=PhoneNumberStatus.ACTIVE,
    )
    number.ten_dlc.campaign_id, number.ten_dlc.campaign_status = "cmp-1", "Approved"
    number.ten_dlc.save()
    mine = listen(alpha.business)
    document = payloads.campaign_update("cmp-1", "VERIFIED")
    response = post_telnyx(client, "/webhooks/telnyx", document, telnyx_key)
    assert response.status_code == 200, response.content
    event_process(ProviderEvent.objects.get(event_id=document["data"]["id"]).pk)
    assert TEN_DLC not in sent(mine)[0]


# --- provisioning --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("succeeded", "expected"), [(True, PROVISIONED), (False, PROVISIONING_FAILED)]
)
def test_the_providers_word_on_an_order_raises_provisioning_events(
    alpha, listen, succeeded, expected
):
    phone_number_provision(
        number="+12015550100",
        provider="simulated",
        provider_phone_number_id=None,
        provider_order_id="order-1",
        business=alpha.business,
        acting_user=None,
    )
    mine = listen(alpha.business)
    assert order_number_result(
        provider="simulated", number="+12015550100", succeeded=succeeded, reason="No stock"
    )
    assert sent(mine) == [sorted([UPDATED, expected])]
