"""The webhooks' admin: endpoints without their secrets, actions through the services,
deliveries with "Send again", read-only messages and endpoint events, lists that stay
a few queries however many rows."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import BusinessFactory, UserFactory
from tests.webhooks.ops_data import RECEIVER, deliveries_for, webhook_tables
from webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointEvent,
    WebhookMessage,
)
from webhooks.secrets import secret_decrypt
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db

ENDPOINTS = reverse("admin:webhooks_webhookendpoint_changelist")
DELIVERIES = reverse("admin:webhooks_webhookdelivery_changelist")


@pytest.fixture
def endpoint(admin_user):
    made, _ = endpoint_create(
        acting_user=admin_user,
        business=BusinessFactory(name="Acme Roofing"),
        url=RECEIVER,
        event_types=["phone_number.updated"],
    )
    return made


def _action(client, url: str, action: str, objects, **extra):
    return client.post(
        url,
        {"action": action, ACTION_CHECKBOX_NAME: [str(o.pk) for o in objects], **extra},
        follow=True,
    )


@pytest.mark.parametrize(
    "model",
    ["webhookendpoint", "webhookdelivery", "webhookmessage", "webhookendpointevent"],
)
def test_each_list_and_page_renders(admin_client, endpoint, model):
    deliveries_for(endpoint, 3)
    objects = {
        "webhookendpoint": endpoint,
        "webhookdelivery": WebhookDelivery.objects.first(),
        "webhookmessage": WebhookMessage.objects.first(),
        "webhookendpointevent": WebhookEndpointEvent.objects.first(),
    }

    listed = admin_client.get(reverse(f"admin:webhooks_{model}_changelist"))
    page = admin_client.get(reverse(f"admin:webhooks_{model}_change", args=[objects[model].pk]))

    assert listed.status_code == page.status_code == HTTPStatus.OK


class TestEndpoints:
    def test_never_shows_a_secret_nor_offers_to_edit_one(self, admin_client, endpoint):
        secret = secret_decrypt(endpoint.secret)
        page = admin_client.get(
            reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])
        )
        content = page.content.decode()

        assert secret not in content and endpoint.secret not in content
        assert 'name="secret"' not in content and 'name="previous_secret"' not in content
        assert 'name="_save"' not in content
        assert f'href="/ops/webhooks/{endpoint.pk}/"' in content

    def test_adding_and_deleting_go_to_the_ops_pages(self, admin_client, endpoint):
        added = admin_client.get(reverse("admin:webhooks_webhookendpoint_add"))
        deleted = admin_client.post(
            reverse("admin:webhooks_webhookendpoint_delete", args=[endpoint.pk]), {"post": "yes"}
        )

        assert added["Location"] == reverse("webhooks:endpoint-add")
        assert deleted["Location"] == reverse("webhooks:endpoint-delete", args=[endpoint.pk])
        assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()

    def test_lists_url_business_enabled_streak_and_types(self, admin_client, endpoint, admin_user):
        endpoint_create(acting_user=admin_user, business=None, url="https://all.example/h")

        content = admin_client.get(ENDPOINTS).content.decode()

        assert RECEIVER in content and "Acme Roofing" in content
        assert content.index("all.example") < content.index(RECEIVER)  # global first
        assert "Global (every business)" in content and "All types" in content
        assert ">updated<" in content
        assert "delete_selected" not in content

    def test_disable_and_enable_through_the_service(self, admin_client, admin_user, endpoint):
        _action(admin_client, ENDPOINTS, "disable", [endpoint])
        endpoint.refresh_from_db()
        assert not endpoint.enabled

        response = _action(admin_client, ENDPOINTS, "enable", [endpoint])
        endpoint.refresh_from_db()
        assert endpoint.enabled
        assert "Enabled 1 endpoint(s)." in response.content.decode()
        events = endpoint.events.filter(type="updated", actor=admin_user)
        assert sorted(e.data["after"]["enabled"] for e in events) == [False, True]

    def test_send_test_queues_a_sample(self, admin_client, endpoint):
        response = _action(admin_client, ENDPOINTS, "send_test", [endpoint])

        delivery = WebhookDelivery.objects.select_related("message").get()
        assert (delivery.endpoint, delivery.message.event_type) == (
            endpoint,
            "phone_number.updated",
        )
        assert "Queued a sample event: phone_number.updated" in response.content.decode()
        assert endpoint.events.filter(type="test_sent").exists()

    def test_rotate_asks_for_the_grace_period_then_shows_the_new_secret_once(
        self, admin_client, admin_user, endpoint
    ):
        old = endpoint.secret
        asked = _action(admin_client, ENDPOINTS, "rotate_secret", [endpoint])
        endpoint.refresh_from_db()
        assert endpoint.secret == old
        assert "Grace period (seconds)" in asked.content.decode()

        done = _action(
            admin_client,
            ENDPOINTS,
            "rotate_secret",
            [endpoint],
            confirmed="1",
            grace_seconds="600",
        )

        endpoint.refresh_from_db()
        new = secret_decrypt(endpoint.secret)
        assert done.content.decode().count(new) == 1
        assert "no-store" in done["Cache-Control"]
        assert endpoint.previous_secret_expires_at > timezone.now()
        event = endpoint.events.get(type="secret_rotated")
        assert (event.actor, event.data) == (admin_user, {"graceSeconds": 600})
        # Not kept for later: the list and the messages of the next page do not have it.
        assert new not in admin_client.get(ENDPOINTS).content.decode()

    def test_a_bad_grace_period_rotates_nothing(self, admin_client, endpoint):
        before = webhook_tables()

        response = _action(
            admin_client,
            ENDPOINTS,
            "rotate_secret",
            [endpoint],
            confirmed="1",
            grace_seconds="9999999",
        )

        assert "Ensure this value is less than or equal to 604800." in response.content.decode()
        assert webhook_tables() == before

    def test_staff_without_the_permission_get_no_actions(self, endpoint):
        viewer = UserFactory(username="viewer", is_staff=True)
        viewer.user_permissions.add(Permission.objects.get(codename="view_webhookendpoint"))
        client = Client()
        client.force_login(viewer)
        before = webhook_tables()

        response = _action(client, ENDPOINTS, "disable", [endpoint])

        assert response.status_code == HTTPStatus.OK
        assert webhook_tables() == before


class TestDeliveries:
    def test_send_again_through_the_service(self, admin_client, endpoint):
        failed = deliveries_for(endpoint, 2, state=WebhookDelivery.State.FAILED)

        response = _action(admin_client, DELIVERIES, "send_again", failed)

        assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"pending"}
        assert endpoint.events.filter(type="delivery_resent").count() == 2
        assert "2 deliveries will be sent again now" in response.content.decode()

    def test_filters_by_state_event_type_and_endpoint(self, admin_client, admin_user, endpoint):
        other, _ = endpoint_create(
            acting_user=admin_user, business=None, url="https://all.example/h"
        )
        deliveries_for(endpoint, 2)
        (failed,) = deliveries_for(endpoint, 1, state=WebhookDelivery.State.FAILED)
        (released,) = deliveries_for(other, 1, event_type="phone_number.released")

        by_state = admin_client.get(DELIVERIES, {"state__exact": "failed"})
        by_type = admin_client.get(DELIVERIES, {"event_type": "phone_number.released"})
        by_endpoint = admin_client.get(DELIVERIES, {"endpoint": str(other.pk)})

        assert [d.pk for d in by_state.context["cl"].result_list] == [failed.pk]
        assert [d.pk for d in by_type.context["cl"].result_list] == [released.pk]
        assert [d.pk for d in by_endpoint.context["cl"].result_list] == [released.pk]

    def test_the_list_costs_the_same_queries_with_many_rows(self, admin_client, admin_user):
        def queries(**params) -> int:
            with CaptureQueriesContext(connection) as captured:
                assert admin_client.get(DELIVERIES, params).status_code == HTTPStatus.OK
            return len(captured)

        first, _ = endpoint_create(acting_user=admin_user, business=None, url=RECEIVER)
        deliveries_for(first, 2)
        few = queries()
        for index in range(5):
            made, _ = endpoint_create(
                acting_user=admin_user, business=None, url=f"{RECEIVER}/{index}"
            )
            deliveries_for(made, 300)

        assert queries() == few
        assert queries(endpoint=str(first.pk)) == few

    def test_nothing_is_deleted_or_changed_by_hand(self, admin_client, endpoint):
        (delivery,) = deliveries_for(endpoint, 1)
        before = webhook_tables()

        for url in (
            reverse("admin:webhooks_webhookdelivery_delete", args=[delivery.pk]),
            reverse("admin:webhooks_webhookmessage_delete", args=[delivery.message_id]),
        ):
            assert admin_client.post(url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
        page = admin_client.get(
            reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk])
        )

        assert 'name="_save"' not in page.content.decode()
        assert "&quot;type&quot;: &quot;phone_number.updated&quot;" in page.content.decode()
        assert webhook_tables() == before


def test_finds_a_delivery_by_the_webhook_id_a_receiver_logged(admin_client, endpoint):
    mine, _other = deliveries_for(endpoint, 2)

    found = admin_client.get(DELIVERIES, {"q": mine.message.webhook_id})
    wrong = admin_client.get(DELIVERIES, {"q": "msg_not-an-id"})

    assert [d.pk for d in found.context["cl"].result_list] == [mine.pk]
    assert list(wrong.context["cl"].result_list) == []
    assert "Webhook deliveries" in found.content.decode()
