"""/webhook-endpoints/{id}/test and deliveries: list, read, send again."""

from __future__ import annotations

import datetime
import uuid
from http import HTTPStatus

import pytest
from django.utils import timezone

from webhooks.delivery import deliver_due
from webhooks.models import WebhookAttempt, WebhookDelivery
from webhooks.services import endpoint_create, endpoint_send_test

pytestmark = pytest.mark.django_db

URL = "/webhook-endpoints"


def deliveries_of(endpoint) -> str:
    return f"{URL}/{endpoint.pk}/deliveries"


def sent(endpoint, user, event_type: str | None = None, *, ago: int = 0) -> WebhookDelivery:
    """A delivery to `endpoint` (a sample event), made `ago` seconds ago."""
    delivery = endpoint_send_test(endpoint=endpoint, acting_user=user, event_type=event_type)
    if ago:
        when = timezone.now() - datetime.timedelta(seconds=ago)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=when)
    return WebhookDelivery.objects.select_related("message").get(pk=delivery.pk)


class TestSendATest:
    def test_a_sample_event_is_queued_and_its_delivery_can_be_followed(
        self, member_client, endpoint
    ):
        response = member_client.post(
            f"{URL}/{endpoint.pk}/test", {"eventType": "phone_number.released"}, format="json"
        )

        assert response.status_code == HTTPStatus.ACCEPTED
        body = response.json()
        delivery = WebhookDelivery.objects.get()
        assert body["id"] == str(delivery.pk)
        assert body["eventType"] == "phone_number.released"
        assert body["state"] == "pending"
        assert response["Location"].endswith(f"{deliveries_of(endpoint)}/{delivery.pk}")
        followed = member_client.get(response["Location"]).json()
        assert followed["payload"]["type"] == "phone_number.released"
        assert followed["attemptLog"] == []

    def test_without_a_type_it_sends_the_endpoints_first(self, member_client, member, business):
        endpoint, _ = endpoint_create(
            acting_user=member,
            business=business,
            url="https://h.example.com",
            event_types=["phone_number.warmup.paused", "phone_number.created"],
        )

        body = member_client.post(f"{URL}/{endpoint.pk}/test").json()

        assert body["eventType"] == "phone_number.warmup.paused"

    def test_it_reaches_the_receiver_signed(self, member_client, member, business, receiver):
        created = member_client.post(URL, {"url": receiver.url}, format="json").json()
        receiver.secrets.append(created["secret"])

        queued = member_client.post(f"{URL}/{created['id']}/test").json()
        assert deliver_due().succeeded == 1

        (got,) = receiver.received
        assert got.verified, got.error
        assert got.webhook_id == queued["webhookId"]
        detail = member_client.get(f"{URL}/{created['id']}/deliveries/{queued['id']}").json()
        assert detail["state"] == "succeeded"
        assert [a["statusCode"] for a in detail["attemptLog"]] == [200]

    @pytest.mark.parametrize("body", [{"eventType": "nope"}, {"eventType": 5}, {"other": 1}, []])
    def test_a_bad_body_sends_nothing(self, member_client, endpoint, body, unchanged_webhooks):
        with unchanged_webhooks():
            response = member_client.post(f"{URL}/{endpoint.pk}/test", body, format="json")

        assert response.status_code == HTTPStatus.BAD_REQUEST


class TestDeliveries:
    def test_newest_first_with_paging(self, member_client, member, endpoint):
        old = sent(endpoint, member, ago=300)
        middle = sent(endpoint, member, ago=200)
        new = sent(endpoint, member, ago=100)

        first = member_client.get(deliveries_of(endpoint), {"pageSize": 2}).json()
        second = member_client.get(
            deliveries_of(endpoint),
            {"pageSize": 2, "continuationToken": first["continuationToken"]},
        ).json()

        assert [d["id"] for d in first["items"]] == [str(new.pk), str(middle.pk)]
        assert [d["id"] for d in second["items"]] == [str(old.pk)]
        assert second["continuationToken"] is None

    def test_filtered_by_state(self, member_client, member, endpoint):
        pending = sent(endpoint, member)
        done = sent(endpoint, member)
        WebhookDelivery.objects.filter(pk=done.pk).update(state="succeeded", next_attempt_at=None)

        body = member_client.get(deliveries_of(endpoint), {"state": "succeeded"}).json()
        either = member_client.get(
            f"{deliveries_of(endpoint)}?state=succeeded&state=pending&includeCount=true"
        ).json()

        assert [d["id"] for d in body["items"]] == [str(done.pk)]
        assert either["totalCount"] == 2
        assert {d["id"] for d in either["items"]} == {str(pending.pk), str(done.pk)}

    @pytest.mark.parametrize("query", ["state=lost", "state=", "colour=red", "pageSize=x"])
    def test_bad_parameters_are_a_400(self, member_client, endpoint, query):
        response = member_client.get(f"{deliveries_of(endpoint)}?{query}")

        assert response.status_code == HTTPStatus.BAD_REQUEST

    def test_only_the_endpoints_own_deliveries_are_listed(
        self, member_client, member, business, endpoint
    ):
        other, _ = endpoint_create(acting_user=member, business=business, url="https://o.ex.com")
        mine = sent(endpoint, member)
        sent(other, member)

        body = member_client.get(deliveries_of(endpoint)).json()

        assert [d["id"] for d in body["items"]] == [str(mine.pk)]

    def test_the_detail_has_the_payload_and_the_attempts_in_order(
        self, member_client, member, endpoint
    ):
        delivery = sent(endpoint, member, "phone_number.created")
        now = timezone.now()
        WebhookAttempt.objects.create(
            delivery=delivery, attempted_at=now, status_code=200, latency_ms=12
        )
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=now - datetime.timedelta(minutes=1),
            error="timed out",
        )

        body = member_client.get(f"{deliveries_of(endpoint)}/{delivery.pk}").json()

        assert body["payload"]["type"] == "phone_number.created"
        assert body["webhookId"] == delivery.message.webhook_id
        assert [a["error"] for a in body["attemptLog"]] == ["timed out", None]
        assert body["attemptLog"][1]["statusCode"] == 200


class TestSendAgain:
    def test_a_given_up_delivery_is_pending_again_with_the_same_webhook_id(
        self, member_client, member, endpoint
    ):
        delivery = sent(endpoint, member)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state="failed", next_attempt_at=None, attempts=12
        )

        response = member_client.post(f"{deliveries_of(endpoint)}/{delivery.pk}/retry")

        assert response.status_code == HTTPStatus.ACCEPTED
        body = response.json()
        assert body["state"] == "pending"
        assert body["webhookId"] == delivery.message.webhook_id
        assert body["nextAttemptAt"] is not None
        delivery.refresh_from_db()
        assert delivery.state == "pending"
        assert delivery.attempts == 0


class TestAnotherTenantsDeliveries:
    @pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("post", "/retry")])
    def test_a_delivery_of_their_endpoint_through_mine_is_a_404(
        self,
        member_client,
        endpoint,
        other_endpoint,
        other_member,
        method,
        suffix,
        unchanged_webhooks,
    ):
        theirs = sent(other_endpoint, other_member)

        with unchanged_webhooks():
            through_mine = getattr(member_client, method)(
                f"{deliveries_of(endpoint)}/{theirs.pk}{suffix}"
            )
            through_theirs = getattr(member_client, method)(
                f"{deliveries_of(other_endpoint)}/{theirs.pk}{suffix}"
            )

        assert through_mine.status_code == HTTPStatus.NOT_FOUND
        assert through_theirs.status_code == HTTPStatus.NOT_FOUND

    def test_a_delivery_of_my_other_endpoint_is_a_404_through_this_one(
        self, member_client, member, business, endpoint
    ):
        other, _ = endpoint_create(acting_user=member, business=business, url="https://o.ex.com")
        delivery = sent(other, member)

        response = member_client.get(f"{deliveries_of(endpoint)}/{delivery.pk}")

        assert response.status_code == HTTPStatus.NOT_FOUND

    def test_a_missing_delivery_is_a_404(self, member_client, endpoint):
        response = member_client.get(f"{deliveries_of(endpoint)}/{uuid.uuid4()}")

        assert response.status_code == HTTPStatus.NOT_FOUND
