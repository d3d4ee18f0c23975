"""/ops/webhooks/: the list, adding an endpoint (its secret shown once), its page and what
an operator does there, each through the services and recorded in its history."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import BusinessFactory
from tests.webhooks.ops_data import RECEIVER, deliveries_for, webhook_tables
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEndpointEvent
from webhooks.secrets import secret_decrypt
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == HTTPStatus.OK, response.status_code
    return response.content.decode()


class TestList:
    def test_lists_global_endpoints_first_then_by_business_name(self, ops, operator):
        zeta, acme = BusinessFactory(name="Zeta Co"), BusinessFactory(name="Acme Co")
        endpoint_create(acting_user=operator, business=zeta, url="https://zeta.example/h")
        endpoint_create(acting_user=operator, business=acme, url="https://acme.example/h")
        endpoint_create(acting_user=operator, business=None, url="https://all.example/h")

        content = _text(ops.get(reverse("webhooks:endpoints")))

        order = [content.index(u) for u in ("all.example", "acme.example", "zeta.example")]
        assert order == sorted(order)
        assert "3 endpoints" in content
        assert "Add a global endpoint" in content

    def test_filters_by_business_global_and_enabled(self, ops, operator, endpoint):
        endpoint_create(acting_user=operator, business=None, url="https://all.example/h")
        other = BusinessFactory(name="Other Co")
        endpoint_create(
            acting_user=operator, business=other, url="https://off.example/h", enabled=False
        )
        url = reverse("webhooks:endpoints")

        mine = _text(ops.get(url, {"business": str(endpoint.business_id)}))
        only_global = _text(ops.get(url, {"business": "global"}))
        disabled = _text(ops.get(url, {"enabled": "no"}))

        assert RECEIVER in mine and "all.example" not in mine and "off.example" not in mine
        assert "all.example" in only_global and RECEIVER not in only_global
        assert "off.example" in disabled and RECEIVER not in disabled

    def test_shows_each_endpoints_last_delivery_and_failure_streak(self, ops, endpoint):
        deliveries_for(endpoint, 3)
        deliveries_for(endpoint, 1, state=WebhookDelivery.State.FAILED)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failure_streak=7)

        content = _text(ops.get(reverse("webhooks:endpoints")))

        row = content.split(RECEIVER)[1].split("</tr>")[0]
        assert "badge-failed" in row and ">7<" in row

    def test_a_page_costs_the_same_queries_with_many_endpoints_and_deliveries(self, ops, operator):
        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                _text(ops.get(reverse("webhooks:endpoints")))
            return len(captured)

        def more(count: int, deliveries: int) -> None:
            for _ in range(count):
                business = BusinessFactory()
                made, _ = endpoint_create(
                    acting_user=operator, business=business, url="https://b.example/h"
                )
                deliveries_for(made, deliveries)

        more(1, 1)
        few = queries()
        more(30, 20)

        # The session's five (read, user, its save in a savepoint: three), then: the count,
        # the page (each endpoint's latest delivery in it) and the businesses of the filter.
        assert queries() == few == 8


class TestAdd:
    def test_adds_a_business_endpoint_and_shows_its_secret_once(self, ops, operator, business):
        url = reverse("webhooks:endpoint-add")

        form = _text(ops.get(url, {"business": str(business.pk)}))
        response = ops.post(
            url,
            {
                "business": str(business.pk),
                "url": RECEIVER,
                "event_types": ["phone_number.released", "phone_number.warmup.paused"],
                "description": "CRM",
            },
        )

        assert "For <strong>Acme Roofing</strong>" in form
        assert "phone_number.warmup.paused" in form and "warmup was paused" in form
        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.business == business
        assert endpoint.event_types == ["phone_number.released", "phone_number.warmup.paused"]
        assert endpoint.created_by == operator
        secret = secret_decrypt(endpoint.secret)
        page = _text(response)
        assert page.count(secret) == 1
        assert "Copy it now; it will not be shown again." in page
        assert "no-store" in response["Cache-Control"]
        assert secret not in endpoint.secret  # encrypted at rest
        event = WebhookEndpointEvent.objects.get(endpoint=endpoint)
        assert (event.type, event.actor) == ("created", operator)
        # Never again: its page, the lists, its edit form, the business page, the admin.
        for again in (
            reverse("webhooks:endpoint", args=[endpoint.pk]),
            reverse("webhooks:endpoint-edit", args=[endpoint.pk]),
            reverse("webhooks:endpoints"),
            reverse("ops:business", args=[business.pk]),
            reverse("admin:webhooks_webhookendpoint_changelist"),
            reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
        ):
            assert secret not in _text(ops.get(again)), again

    def test_no_type_checked_means_every_type(self, ops):
        ops.post(reverse("webhooks:endpoint-add"), {"url": RECEIVER})

        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.event_types is None
        assert endpoint.business is None  # global, without ?business=

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"url": ""}, "url", "This field is required."),
            ({"url": "ftp://example.com/h"}, "url", "Only https:// URLs can receive webhooks."),
            ({"url": "https://u:p@example.com/h"}, "url", "Put no user name or password"),
            ({"url": RECEIVER, "event_types": ["phone_number.eaten"]}, "event_types", "valid"),
            ({"url": RECEIVER, "description": "x" * 256}, "description", "at most 255"),
        ],
    )
    def test_refused_input_shows_errors_and_changes_nothing(self, ops, data, field, message):
        before = webhook_tables()

        content = _text(ops.post(reverse("webhooks:endpoint-add"), data))

        assert message in content
        assert 'class="error" role="alert"' in content
        assert webhook_tables() == before

    def test_a_private_address_is_refused_in_production_settings(self, ops, settings):
        settings.WEBHOOK_ALLOW_LOCAL_TARGETS = False
        before = webhook_tables()

        content = _text(ops.post(reverse("webhooks:endpoint-add"), {"url": "https://10.0.0.7/h"}))

        assert "10.0.0.7 is not a public address" in content
        assert webhook_tables() == before

    def test_an_unknown_business_is_not_found(self, ops):
        response = ops.get(reverse("webhooks:endpoint-add"), {"business": "not-a-uuid"})
        missing = ops.post(
            reverse("webhooks:endpoint-add"),
            {"business": "0190a5c4-0000-7000-8000-000000000000", "url": RECEIVER},
        )

        assert response.status_code == missing.status_code == HTTPStatus.NOT_FOUND
        assert not WebhookEndpoint.objects.exists()


class TestEndpointPage:
    def test_shows_settings_actions_and_history(self, ops, endpoint):
        content = _text(ops.get(reverse("webhooks:endpoint", args=[endpoint.pk])))

        assert "Acme&#x27;s CRM" in content
        assert "<code>phone_number.released</code>" in content
        assert "Send a test event" in content and "Rotate the secret" in content
        assert "Olive" in content and "added https://hooks.example.com/inventory" in content
        assert "Nothing sent to it yet." in content

    def test_an_unknown_endpoint_is_not_found(self, ops):
        missing = "0190a5c4-0000-7000-8000-000000000000"
        assert ops.get(f"/ops/webhooks/{missing}/").status_code == HTTPStatus.NOT_FOUND


class TestEdit:
    def test_saves_through_the_service_and_records_the_change(self, ops, operator, endpoint):
        response = ops.post(
            reverse("webhooks:endpoint-edit", args=[endpoint.pk]),
            {"url": "https://new.example.com/h", "description": "New CRM"},
        )

        assert response.status_code == HTTPStatus.FOUND
        endpoint.refresh_from_db()
        assert endpoint.url == "https://new.example.com/h"
        assert endpoint.event_types is None  # none checked: all
        assert endpoint.description == "New CRM"
        event = endpoint.events.get(type="updated")
        assert event.actor == operator
        assert event.data["after"]["url"] == "https://new.example.com/h"

    def test_the_form_starts_from_the_endpoint(self, ops, endpoint):
        content = _text(ops.get(reverse("webhooks:endpoint-edit", args=[endpoint.pk])))

        assert f'value="{RECEIVER}"' in content
        checked = re.findall(
            r'<input type="checkbox" name="event_types" value="([^"]+)"[^>]* checked', content
        )
        assert checked == ["phone_number.updated", "phone_number.released"]

    def test_refused_input_changes_nothing(self, ops, endpoint):
        before = webhook_tables()

        content = _text(
            ops.post(reverse("webhooks:endpoint-edit", args=[endpoint.pk]), {"url": "gopher://x"})
        )

        assert "Only https:// URLs can receive webhooks." in content
        assert webhook_tables() == before


class TestEnableDisable:
    def test_disable_then_enable_each_record_an_event(self, ops, operator, endpoint):
        deliveries_for(endpoint, 2, state=WebhookDelivery.State.PENDING)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failure_streak=4)

        ops.post(reverse("webhooks:endpoint-disable", args=[endpoint.pk]))
        endpoint.refresh_from_db()
        assert not endpoint.enabled
        assert not WebhookDelivery.objects.filter(next_attempt_at__isnull=False).exists()

        response = ops.post(reverse("webhooks:endpoint-enable", args=[endpoint.pk]), follow=True)
        endpoint.refresh_from_db()
        assert endpoint.enabled and endpoint.failure_streak == 0
        assert not WebhookDelivery.objects.filter(next_attempt_at__isnull=True).exists()
        assert "Enabled: its failure streak starts again" in response.content.decode()
        changes = [e.data["after"] for e in endpoint.events.filter(type="updated")]
        assert sorted(c["enabled"] for c in changes) == [False, True]

    def test_get_is_not_allowed(self, ops, endpoint):
        response = ops.get(reverse("webhooks:endpoint-disable", args=[endpoint.pk]))

        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
        endpoint.refresh_from_db()
        assert endpoint.enabled


class TestRotate:
    def test_rotates_with_a_grace_period_and_shows_the_new_secret_once(
        self, ops, operator, endpoint
    ):
        old = secret_decrypt(endpoint.secret)

        response = ops.post(
            reverse("webhooks:endpoint-rotate", args=[endpoint.pk]), {"grace_seconds": "3600"}
        )

        endpoint.refresh_from_db()
        new = secret_decrypt(endpoint.secret)
        assert new != old and secret_decrypt(endpoint.previous_secret) == old
        page = _text(response)
        assert page.count(new) == 1 and old not in page
        assert "The previous secret signs too" in page
        assert "no-store" in response["Cache-Control"]
        event = endpoint.events.get(type="secret_rotated")
        assert (event.actor, event.data) == (operator, {"graceSeconds": 3600})
        assert new not in _text(ops.get(reverse("webhooks:endpoint", args=[endpoint.pk])))

    @pytest.mark.parametrize("grace", ["-1", "604801", "soon", ""])
    def test_a_bad_grace_period_changes_nothing(self, ops, endpoint, grace):
        before = webhook_tables()

        content = _text(
            ops.post(
                reverse("webhooks:endpoint-rotate", args=[endpoint.pk]), {"grace_seconds": grace}
            )
        )

        assert 'class="error" role="alert"' in content
        assert webhook_tables() == before


class TestDelete:
    def test_asks_first_then_deletes_with_its_deliveries_keeping_its_history(
        self, ops, operator, endpoint
    ):
        deliveries_for(endpoint, 3)
        url = reverse("webhooks:endpoint-delete", args=[endpoint.pk])

        confirm = _text(ops.get(url))
        assert WebhookEndpoint.objects.exists()
        response = ops.post(url)

        assert "Delete the endpoint?" in confirm and "3 succeeded" in confirm
        assert response["Location"] == reverse("ops:business", args=[endpoint.business_id])
        assert not WebhookEndpoint.objects.exists()
        assert not WebhookDelivery.objects.exists()
        deleted = WebhookEndpointEvent.objects.get(type="deleted")
        assert (deleted.endpoint_url, deleted.actor) == (RECEIVER, operator)


class TestSendTest:
    def test_queues_a_sample_of_the_chosen_type(self, ops, operator, endpoint):
        response = ops.post(
            reverse("webhooks:endpoint-test", args=[endpoint.pk]),
            {"event_type": "phone_number.released"},
            follow=True,
        )

        delivery = WebhookDelivery.objects.select_related("message").get()
        assert delivery.endpoint == endpoint
        assert delivery.message.event_type == "phone_number.released"
        assert "Queued a sample phone_number.released event" in response.content.decode()
        event = endpoint.events.get(type="test_sent")
        assert event.actor == operator
        assert event.data == {
            "eventType": "phone_number.released",
            "webhookId": delivery.message.webhook_id,
        }

    def test_a_type_the_endpoint_does_not_want_is_refused(self, ops, endpoint):
        before = webhook_tables()

        response = ops.post(
            reverse("webhooks:endpoint-test", args=[endpoint.pk]),
            {"event_type": "phone_number.created"},
            follow=True,
        )

        assert "Not sent:" in response.content.decode()
        assert webhook_tables() == before


class TestWhoMay:
    def test_non_staff_are_sent_to_log_in_and_nothing_changes(self, member_web_client, endpoint):
        before = webhook_tables()
        pages = [
            ("get", reverse("webhooks:endpoints")),
            ("get", reverse("webhooks:endpoint", args=[endpoint.pk])),
            ("post", reverse("webhooks:endpoint-add")),
            ("post", reverse("webhooks:endpoint-disable", args=[endpoint.pk])),
            ("post", reverse("webhooks:endpoint-rotate", args=[endpoint.pk])),
            ("post", reverse("webhooks:endpoint-delete", args=[endpoint.pk])),
            ("post", reverse("webhooks:endpoint-test", args=[endpoint.pk])),
        ]
        for method, url in pages:
            response = getattr(member_web_client, method)(url, {"url": RECEIVER})
            assert response.status_code == HTTPStatus.FOUND, url
            assert response["Location"].startswith("/admin/login/"), url
        assert webhook_tables() == before

    def test_anonymous_visitors_are_sent_to_log_in(self, db):
        response = Client().get(reverse("webhooks:endpoints"))

        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith("/admin/login/")

    def test_staff_without_the_permissions_may_look_but_not_act(self, viewer_client, endpoint):
        before = webhook_tables()

        page = _text(viewer_client.get(reverse("webhooks:endpoint", args=[endpoint.pk])))
        refused = [
            viewer_client.post(reverse("webhooks:endpoint-add"), {"url": RECEIVER}),
            viewer_client.post(reverse("webhooks:endpoint-disable", args=[endpoint.pk])),
            viewer_client.post(
                reverse("webhooks:endpoint-rotate", args=[endpoint.pk]), {"grace_seconds": "0"}
            ),
            viewer_client.post(reverse("webhooks:endpoint-delete", args=[endpoint.pk])),
            viewer_client.post(reverse("webhooks:endpoint-test", args=[endpoint.pk])),
        ]

        assert "You may look, not act" in page
        assert [r.status_code for r in refused] == [HTTPStatus.FORBIDDEN] * 5
        assert webhook_tables() == before
