"""An endpoint's deliveries on /ops: newest first a page at a time from a cursor (the same
few queries on any page of 50,000), by state, a delivery's page and "Send again"."""

from __future__ import annotations

import datetime
import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.webhooks.ops_data import RECEIVER, deliveries_for, webhook_tables
from webhooks.models import WebhookAttempt, WebhookDelivery
from webhooks.selectors import DELIVERIES_PER_PAGE, delivery_page
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def _get(client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == HTTPStatus.OK, response.status_code
    return response.content.decode()


def _shown(content: str) -> list[str]:
    """The delivery ids the page lists, in order."""
    return re.findall(r'href="/ops/webhooks/[0-9a-f-]+/deliveries/([0-9a-f-]+)/"', content)


def _link(content: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', content)
    return found.group(1).replace("&amp;", "&") if found else None


class TestPaging:
    def test_walks_every_delivery_newest_first_both_ways(self, ops, endpoint):
        made = deliveries_for(endpoint, 2 * DELIVERIES_PER_PAGE + 7)
        newest_first = [str(d.pk) for d in reversed(made)]
        url = reverse("webhooks:endpoint", args=[endpoint.pk])

        first = _get(ops, url)
        second = ops.get(_link(first, "next")).content.decode()
        third = ops.get(_link(second, "next")).content.decode()
        back = ops.get(_link(third, "prev")).content.decode()

        assert _shown(first) == newest_first[:DELIVERIES_PER_PAGE]
        assert _shown(second) == newest_first[DELIVERIES_PER_PAGE : 2 * DELIVERIES_PER_PAGE]
        assert _shown(third) == newest_first[2 * DELIVERIES_PER_PAGE :]
        assert _link(first, "prev") is None and _link(third, "next") is None
        assert _shown(back) == _shown(second)
        assert f"({len(made):,}, newest first)" in first

    def test_deliveries_made_at_the_same_moment_are_neither_lost_nor_repeated(self, endpoint):
        at = timezone.now()
        made = deliveries_for(endpoint, 25, step=datetime.timedelta(0), start=at)

        seen, cursor = [], None
        while True:
            page = delivery_page(endpoint=endpoint, older_than=cursor, size=10)
            seen += [d.pk for d in page.rows]
            if page.older is None:
                break
            cursor = page.older

        assert sorted(seen) == sorted(d.pk for d in made)
        assert len(seen) == len(set(seen))

    def test_filters_by_state_with_counts(self, ops, endpoint):
        deliveries_for(endpoint, 5)
        failed = deliveries_for(endpoint, 2, state=WebhookDelivery.State.FAILED)
        deliveries_for(endpoint, 3, state=WebhookDelivery.State.PENDING)
        url = reverse("webhooks:endpoint", args=[endpoint.pk])

        content = _get(ops, url, state="failed")

        assert _shown(content) == [str(d.pk) for d in reversed(failed)]
        tabs = re.findall(
            r'>(All|Pending|Succeeded|Failed) <span class="count">(\d+)</span>', content
        )
        assert tabs == [("All", "10"), ("Pending", "3"), ("Succeeded", "5"), ("Failed", "2")]
        assert "ConnectError: refused" in content

    def test_a_bad_cursor_or_state_shows_the_first_page(self, ops, endpoint):
        made = deliveries_for(endpoint, 3)
        url = reverse("webhooks:endpoint", args=[endpoint.pk])

        content = _get(ops, url, older="yesterday.nope", state="lost")

        assert _shown(content) == [str(d.pk) for d in reversed(made)]

    def test_any_page_costs_the_same_few_queries(self, ops, endpoint):
        deliveries_for(endpoint, 2_000)
        url = reverse("webhooks:endpoint", args=[endpoint.pk])

        def queries(**params) -> tuple[int, str]:
            with CaptureQueriesContext(connection) as captured:
                content = _get(ops, url, **params)
            return len(captured), content

        first_count, first = queries()
        cursor = _link(first, "next").split("older=")[1]
        deep = delivery_page(endpoint=endpoint, older_than=cursor, size=1_500).older
        deep_count, _ = queries(older=deep)
        filtered_count, _ = queries(older=deep, state="succeeded")

        # Session (5), endpoint, page of deliveries with their messages, counts by state,
        # history: the same on the first page and 1,500 rows deep.
        assert first_count == deep_count == filtered_count == 9

    @pytest.mark.postgres
    def test_postgresql_reads_a_deep_page_off_the_endpoint_index(self, endpoint, on_postgres):
        if not on_postgres:
            pytest.skip("PostgreSQL's plan")
        deliveries_for(endpoint, 5_000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE webhooks_webhookdelivery")
        middle = delivery_page(endpoint=endpoint, size=2_500).older
        from webhooks.selectors import cursor_parse

        at, id = cursor_parse(middle)
        query = (
            WebhookDelivery.objects.filter(endpoint=endpoint, created_at__lte=at)
            .filter(models_q(at, id))
            .order_by("-created_at", "-id")[:51]
        )
        plan = query.explain()

        assert "webhook_delivery_endpoint_idx" in plan
        assert "Sort" not in plan.split("->")[0]


def models_q(at, id):
    from django.db.models import Q

    return Q(created_at__lt=at) | Q(id__lt=id)


class TestDeliveryPage:
    def test_shows_the_payload_and_attempts(self, ops, endpoint):
        (delivery,) = deliveries_for(endpoint, 1, state=WebhookDelivery.State.FAILED)
        WebhookAttempt.objects.create(
            delivery=delivery, status_code=503, latency_ms=87, response_body="busy, try later"
        )
        WebhookAttempt.objects.create(delivery=delivery, error="ConnectError: refused")

        content = _get(ops, reverse("webhooks:delivery", args=[endpoint.pk, delivery.pk]))

        assert delivery.message.webhook_id in content
        assert (
            "&quot;type&quot;: &quot;phone_number.updated&quot;,\n  &quot;timestamp&quot;"
            in content
        )
        assert "busy, try later" in content and "87 ms" in content
        assert "ConnectError: refused" in content
        assert "Send again" in content

    def test_send_again_pends_it_now_with_the_same_webhook_id(self, ops, operator, endpoint):
        (delivery,) = deliveries_for(endpoint, 1, state=WebhookDelivery.State.FAILED)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=12)

        response = ops.post(
            reverse("webhooks:delivery-resend", args=[endpoint.pk, delivery.pk]), follow=True
        )

        delivery.refresh_from_db()
        assert delivery.state == "pending" and delivery.attempts == 0
        assert delivery.next_attempt_at <= timezone.now()
        assert f"{delivery.message.webhook_id} will be sent again now." in response.content.decode()
        event = endpoint.events.get(type="delivery_resent")
        assert (event.actor, event.data["was"]) == (operator, "failed")
        history = ops.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()
        assert "Delivery sent again" in history

    def test_a_delivery_of_another_endpoint_is_not_found(self, ops, operator, endpoint, business):
        other, _ = endpoint_create(acting_user=operator, business=business, url=RECEIVER + "/2")
        (theirs,) = deliveries_for(other, 1, state=WebhookDelivery.State.FAILED)
        before = webhook_tables()

        page = ops.get(reverse("webhooks:delivery", args=[endpoint.pk, theirs.pk]))
        resend = ops.post(reverse("webhooks:delivery-resend", args=[endpoint.pk, theirs.pk]))

        assert page.status_code == resend.status_code == HTTPStatus.NOT_FOUND
        assert webhook_tables() == before

    def test_send_again_needs_post_and_the_permission(self, ops, viewer_client, endpoint):
        (delivery,) = deliveries_for(endpoint, 1, state=WebhookDelivery.State.FAILED)
        url = reverse("webhooks:delivery-resend", args=[endpoint.pk, delivery.pk])
        before = webhook_tables()

        assert ops.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert viewer_client.post(url).status_code == HTTPStatus.FORBIDDEN
        assert webhook_tables() == before
