"""Who hears what: a business's endpoints hear only its own numbers, and of a number that
leaves it, only its own last view; the pool is heard by global endpoints only; type
filters and disabled endpoints are honoured. Written as an attacker would probe it:
distinctive values set by one owner are looked for in the raw bodies another receives."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services import phone_number_update
from phonenumbers_app.vocabularies import WarmupHealthState as W
from tests.factories import PhoneNumberFactory
from tests.webhooks.domain.conftest import deliver, import_csv
from warmup import engine
from webhooks.models import WebhookDelivery, WebhookMessage
from webhooks.services import endpoint_update

pytestmark = pytest.mark.django_db

ALPHA_SECRETS = {
    "teamId": "alpha-team-7f3",
    "campaignId": "alpha-crm-campaign-7f3",
    "sourceId": "alpha-source-7f3",
    "name": "Alpha hotline 7f3",
}
ALPHA_TEN_DLC = {"brandId": "alpha-brand-7f3", "campaignId": "alpha-tcr-7f3"}
BRAVO_SECRETS = {"teamId": "bravo-team-9c1", "name": "Bravo desk 9c1"}


def url(number_id) -> str:
    return f"/phone-numbers/{number_id}"


def alpha_number(alpha, staff_api) -> str:
    """A number Alpha set up with its own distinctive data (and staff its 10DLC)."""
    created = alpha.client.post(
        "/phone-numbers",
        {"name": "x", "number": "+12015550100", "businessId": str(alpha.business.pk)},
        format="json",
    ).json()
    response = alpha.client.patch(url(created["id"]), ALPHA_SECRETS, format="json")
    assert response.status_code == 200, response.content
    response = staff_api.patch(
        url(created["id"]),
        {"tenDlc": ALPHA_TEN_DLC, "billing": {"subscriptionItemId": "si_alpha_7f3"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    return created["id"]


def alpha_marks(alpha) -> list[str]:
    return [
        *ALPHA_SECRETS.values(),
        *ALPHA_TEN_DLC.values(),
        "si_alpha_7f3",
        str(alpha.business.pk),
        alpha.business.name,
        str(alpha.user.pk),
    ]


def bravo_marks(bravo) -> list[str]:
    return [*BRAVO_SECRETS.values(), str(bravo.business.pk), bravo.business.name]


def test_a_business_endpoint_never_hears_of_another_business_numbers(alpha, bravo, listen):
    mine = listen(alpha.business, user=alpha.user)
    bravos = PhoneNumberFactory(business=bravo.business, inventory_state="Assigned")
    bravo.client.patch(url(bravos.pk), {"name": "Bravo only"}, format="json")
    bravo.client.post(
        "/phone-numbers",
        {"name": "New", "number": "+12015550150", "businessId": str(bravo.business.pk)},
        format="json",
    )
    bravo.client.delete(url(bravos.pk))
    deliver()
    assert mine.payloads() == []
    assert not WebhookDelivery.objects.filter(endpoint=mine.endpoint).exists()


def test_a_move_tells_the_former_owner_only_its_own_last_view(alpha, bravo, staff_api, listen):
    number_id = alpha_number(alpha, staff_api)
    a, b = listen(alpha.business), listen(bravo.business)
    response = staff_api.patch(
        url(number_id),
        {"businessId": str(bravo.business.pk), "name": BRAVO_SECRETS["name"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    bravo.client.patch(url(number_id), {"teamId": BRAVO_SECRETS["teamId"]}, format="json")
    deliver()

    (left,) = a.payloads()
    assert left["type"] == "phone_number.unassigned"
    assert left["data"] == {"id": number_id, "number": "+12015550100"}
    changed = {c["field"]: c for c in left["changes"]}
    assert changed["businessId"] == {
        "field": "businessId",
        "before": str(alpha.business.pk),
        "after": None,
    }
    assert changed["teamId"]["before"] == ALPHA_SECRETS["teamId"]
    for mark in bravo_marks(bravo):
        assert mark not in a.raw(), mark

    assert sorted(b.types()) == ["phone_number.assigned", "phone_number.updated"]
    arrived = next(p for p in b.payloads() if p["type"] == "phone_number.assigned")
    assert arrived["data"]["business"]["id"] == str(bravo.business.pk)
    assert arrived["data"]["name"] == BRAVO_SECRETS["name"]
    for mark in alpha_marks(alpha):
        assert mark not in b.raw(), mark


def test_a_number_returned_to_the_pool_and_claimed_tells_each_owner_only_its_part(
    alpha, bravo, staff_api, listen
):
    number_id = alpha_number(alpha, staff_api)
    a, b, everyone = listen(alpha.business), listen(bravo.business), listen()
    staff_api.patch(url(number_id), {"businessId": None}, format="json")
    staff_api.patch(url(number_id), {"capabilities": {"voice": False}}, format="json")
    claimed = bravo.client.post(
        "/phone-numbers", {"name": "Claimed", "businessId": str(bravo.business.pk)}, format="json"
    ).json()
    assert claimed["id"] == number_id
    deliver()

    assert a.types() == ["phone_number.unassigned"]
    assert a.payloads()[0]["data"] == {"id": number_id, "number": "+12015550100"}
    for mark in bravo_marks(bravo):
        assert mark not in a.raw(), mark
    assert b.types() == ["phone_number.assigned"]
    for mark in alpha_marks(alpha):
        assert mark not in b.raw(), mark
    # The pool's own change (staff's edit while it was stock) is the global endpoint's only.
    pool_update = [p for p in everyone.payloads() if p["type"] == "phone_number.updated"]
    assert len(pool_update) == 1 and pool_update[0]["data"]["business"] is None


def test_a_released_number_created_again_carries_nothing_of_its_former_owner(
    alpha, bravo, staff_api, listen
):
    number_id = alpha_number(alpha, staff_api)
    alpha.client.delete(url(number_id))
    a, b = listen(alpha.business), listen(bravo.business)
    again = bravo.client.post(
        "/phone-numbers",
        {"name": "Fresh", "number": "+12015550100", "businessId": str(bravo.business.pk)},
        format="json",
    ).json()
    assert again["id"] != number_id
    deliver()
    assert a.payloads() == []
    assert b.types() == ["phone_number.created"]
    for mark in alpha_marks(alpha):
        assert mark not in b.raw(), mark


def test_pool_events_reach_global_endpoints_only(alpha, staff, listen):
    mine, everyone = listen(alpha.business), listen()
    stock = PhoneNumberFactory(number="+12015550100")
    phone_number_update(phone_number=stock, acting_user=staff, fields={"is_preferred": True})
    deliver()
    assert mine.payloads() == []
    assert everyone.types() == ["phone_number.updated"]
    assert WebhookMessage.objects.get().business_id is None


def test_a_global_endpoint_hears_every_business(alpha, bravo, listen):
    everyone = listen()
    for tenant, number in ((alpha, "+12015550100"), (bravo, "+12015550101")):
        tenant.client.post(
            "/phone-numbers",
            {"name": "N", "number": number, "businessId": str(tenant.business.pk)},
            format="json",
        )
    deliver()
    owners = sorted(p["data"]["business"]["name"] for p in everyone.payloads())
    assert owners == ["Alpha", "Bravo"]


def test_an_endpoint_hears_only_the_types_it_subscribed_to(alpha, listen):
    releases = listen(alpha.business, event_types=["phone_number.released"])
    number = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")
    alpha.client.patch(url(number.pk), {"name": "Renamed"}, format="json")
    assert not WebhookDelivery.objects.exists()  # nobody wants an update: nothing queued
    alpha.client.delete(url(number.pk))
    deliver()
    assert releases.types() == ["phone_number.released"]
    assert WebhookMessage.objects.count() == 1


def test_a_disabled_endpoint_gets_nothing_new(alpha, staff, listen):
    mine = listen(alpha.business)
    endpoint_update(endpoint=mine.endpoint, acting_user=staff, enabled=False)
    number = PhoneNumberFactory(business=alpha.business, inventory_state="Assigned")
    alpha.client.patch(url(number.pk), {"name": "Renamed"}, format="json")
    deliver()
    assert mine.payloads() == []
    assert not WebhookMessage.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_move_by_import_tells_each_owner_only_its_part(tmp_path, alpha, bravo, staff_api, listen):
    number_id = alpha_number(alpha, staff_api)
    a, b = listen(alpha.business), listen(bravo.business)
    import_csv(
        tmp_path,
        ["number", "businessId", "teamId"],
        [["+12015550100", str(bravo.business.pk), BRAVO_SECRETS["teamId"]]],
        "--on-conflict",
        "update",
    )
    assert PhoneNumber.objects.get(pk=number_id).business_id == bravo.business.pk
    deliver()
    assert a.types() == ["phone_number.unassigned"]
    for mark in bravo_marks(bravo):
        assert mark not in a.raw(), mark
    assert b.types() == ["phone_number.assigned"]
    for mark in alpha_marks(alpha):
        assert mark not in b.raw(), mark
    assert json.loads(b.raw())["data"]["teamId"] == BRAVO_SECRETS["teamId"]


def test_a_tenant_naming_another_business_queues_nothing(alpha, bravo, listen):
    a, b, everyone = listen(alpha.business), listen(bravo.business), listen()
    before = (WebhookMessage.objects.count(), WebhookDelivery.objects.count())
    response = alpha.client.post(
        "/phone-numbers",
        {"name": "Mine now", "number": "+12015550100", "businessId": str(bravo.business.pk)},
        format="json",
    )
    assert response.status_code in (400, 403, 404), response.content
    bravos = PhoneNumberFactory(business=bravo.business, inventory_state="Assigned")
    response = alpha.client.patch(url(bravos.pk), {"name": "Taken"}, format="json")
    assert response.status_code == 404
    assert alpha.client.delete(url(bravos.pk)).status_code == 404
    assert (WebhookMessage.objects.count(), WebhookDelivery.objects.count()) == before
    deliver()
    assert a.payloads() == b.payloads() == everyone.payloads() == []


def test_the_engine_on_pool_stock_tells_global_endpoints_only(alpha, listen):
    now = (timezone.now() - timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
    PhoneNumberFactory(number="+12015550100", warmup_enabled=True)  # pool stock, warming up
    mine, everyone = listen(alpha.business), listen()
    engine.run_pass(now=now)
    deliver()
    assert mine.payloads() == []
    (started,) = everyone.payloads()
    assert started["type"] == "phone_number.updated"
    assert started["data"]["business"] is None
    assert started["data"]["warmupState"] == W.WARMING
