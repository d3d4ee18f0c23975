"""A full-representation event's `data` is the number exactly as `GET /phone-numbers/{id}`
answers the endpoint's owner at that moment (without the answer's `events`): a tenant for
its business's endpoint, staff for a global one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from phonenumbers_app.services import phone_number_warmup_pause
from phonenumbers_app.vocabularies import WarmupHealthState as W
from tests.factories import PhoneNumberFactory
from tests.webhooks.domain.conftest import deliver
from warmup import engine
from warmup.models import DailyStats, NumberWarmup

pytestmark = pytest.mark.django_db


def as_read(client, number_id) -> dict:
    response = client.get(f"/phone-numbers/{number_id}")
    assert response.status_code == 200, response.content
    return {key: value for key, value in response.json().items() if key != "events"}


def only(listener, event_type: str) -> dict:
    deliver()
    (payload,) = [p for p in listener.payloads() if p["type"] == event_type]
    listener.clear()
    return payload


def test_created_assigned_updated_ten_dlc_and_released_carry_the_number_as_read(
    alpha, staff_api, listen
):
    PhoneNumberFactory(number="+12015550199")  # pool stock to claim
    mine, everyone = listen(alpha.business), listen()

    created = alpha.client.post(
        "/phone-numbers",
        {"name": "Front desk", "number": "+12015550100", "businessId": str(alpha.business.pk)},
        format="json",
    ).json()
    assert only(mine, "phone_number.created")["data"] == as_read(alpha.client, created["id"])
    assert only(everyone, "phone_number.created")["data"] == as_read(staff_api, created["id"])

    claimed = alpha.client.post(
        "/phone-numbers", {"name": "Claimed", "businessId": str(alpha.business.pk)}, format="json"
    ).json()
    assert only(mine, "phone_number.assigned")["data"] == as_read(alpha.client, claimed["id"])
    everyone.clear()

    path = f"/phone-numbers/{created['id']}"
    alpha.client.patch(path, {"name": "Sales", "teamId": "team-1"}, format="json")
    assert only(mine, "phone_number.updated")["data"] == as_read(alpha.client, created["id"])

    staff_api.patch(path, {"tenDlc": {"campaignStatus": "Approved"}}, format="json")
    payload = only(mine, "phone_number.ten_dlc.changed")
    assert payload["data"] == as_read(alpha.client, created["id"])
    assert {"field": "tenDlc.campaignStatus", "before": None, "after": "Approved"} in (
        payload["changes"]
    )

    alpha.client.delete(path)
    released = only(mine, "phone_number.released")["data"]
    # A released number is gone from its owner's API (404); staff still read it.
    assert alpha.client.get(path).status_code == 404
    assert released == as_read(staff_api, created["id"])
    assert released["inventoryState"] == "Released" and released["teamId"] is None


def test_warmup_events_carry_the_number_as_read(alpha, listen):
    number = PhoneNumberFactory(
        business=alpha.business,
        inventory_state="Assigned",
        warmup_enabled=True,
        warmup_state=W.WARMING,
        health_status=W.HEALTHY,
    )
    mine = listen(alpha.business)
    phone_number_warmup_pause(phone_number=number, acting_user=alpha.user, reason="Complaints")
    payload = only(mine, "phone_number.warmup.paused")
    assert payload["data"] == as_read(alpha.client, number.pk)
    assert payload["data"]["warmupState"] == "Paused"


def test_the_engines_ready_carries_the_number_as_read(alpha, listen):
    now = (timezone.now() - timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
    number = PhoneNumberFactory(
        business=alpha.business,
        inventory_state="Assigned",
        warmup_enabled=True,
        warmup_state=W.WARMING,
        health_status=W.HEALTHY,
    )
    NumberWarmup.objects.create(
        phone_number=number, plan_day=21, evaluated_day=now.date() - timedelta(days=1)
    )
    DailyStats.objects.create(
        phone_number=number,
        business_id=alpha.business.pk,
        day=now.date() - timedelta(days=1),
        sms_sent=900,
        sms_delivered=900,
        recipients=900,
        updated_at=now - timedelta(hours=1),
    )
    mine = listen(alpha.business)
    engine.run_pass(now=now)
    payload = only(mine, "phone_number.warmup.ready")
    assert payload["data"] == as_read(alpha.client, number.pk)
    assert payload["timestamp"].startswith(now.strftime("%Y-%m-%dT15:00:00"))
