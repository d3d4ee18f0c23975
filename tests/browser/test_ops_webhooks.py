"""/ops webhooks in Chromium, as an operator with many endpoints and deliveries uses them:
adding an endpoint (a refusal first, then the secret shown once), the list of all
endpoints, an endpoint's page paging through thousands of deliveries and filtering the
failed ones, and a delivery's page (payload, attempts, Send again).

Deliveries of the delivery-page test are real: a change of a number through the
services fills the outbox and webhooks.delivery.deliver_due sends to a local receiver
(tests/webhooks/receiver.py) that fails once then answers 200. The volume is written
in bulk (tests/webhooks/ops_data.py)."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from businesses.models import Business
from phonenumbers_app.services import phone_number_update
from tests.browser.browsing import BROWSER_MARKS, log_in, shot
from tests.factories import BusinessFactory, UserFactory
from tests.webhooks.ops_data import deliveries_for
from tests.webhooks.receiver import Receiver
from webhooks.delivery import deliver_due
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.secrets import secret_decrypt
from webhooks.services import endpoint_create, endpoint_disable_if_failing

pytestmark = BROWSER_MARKS

CRM = "https://crm.acme-roofing.example/hooks/phone-numbers"


def _many_endpoints(operator) -> None:
    """What an operator's list looks like after a while: global endpoints, a few dozen
    businesses' ones, some disabled after failures, each with some deliveries."""
    endpoint_create(acting_user=operator, business=None, url="https://audit.example.com/all")
    for index in range(24):
        business = BusinessFactory(name=f"Client {index:02d} Realty")
        made, _ = endpoint_create(
            acting_user=operator,
            business=business,
            url=f"https://hooks.client{index:02d}.example/phone-numbers",
            event_types=None if index % 3 else ["phone_number.released", "phone_number.updated"],
            description="" if index % 4 else "Salesforce sync",
        )
        deliveries_for(made, 20)
        if index % 7 == 3:
            deliveries_for(made, 3, state=WebhookDelivery.State.FAILED)
            WebhookEndpoint.objects.filter(pk=made.pk).update(
                failure_streak=31, failing_since=timezone.now() - datetime.timedelta(days=4)
            )
            assert endpoint_disable_if_failing(made.pk, now=timezone.now())


def test_adding_an_endpoint_shows_its_secret_once(page, live_server, inventory):
    operator = UserFactory(username="operator")
    _many_endpoints(operator)
    log_in(page, live_server)
    page.click("nav >> text=Businesses")
    page.click("text=Acme Roofing")
    page.wait_for_selector("#webhooks-title")
    shot(page, "ops-webhooks-business-none")
    page.click("text=Add a webhook endpoint")

    page.fill("#id_url", "ftp://crm.acme-roofing.example/hooks")
    page.check("input[value='phone_number.released']")
    page.click("button:has-text('Add the endpoint')")
    page.wait_for_selector("text=Only https:// URLs can receive webhooks.")
    assert page.is_checked("input[value='phone_number.released']")
    shot(page, "ops-webhooks-add-refused")
    assert not WebhookEndpoint.objects.filter(business__name="Acme Roofing").exists()

    page.fill("#id_url", CRM)
    page.check("input[value='phone_number.warmup.paused']")
    page.fill("#id_description", "Acme's CRM (call Dana on failures)")
    page.click("button:has-text('Add the endpoint')")
    page.wait_for_selector("text=Copy it now; it will not be shown again.")
    shot(page, "ops-webhooks-secret-once")

    endpoint = WebhookEndpoint.objects.get(business__name="Acme Roofing")
    secret = secret_decrypt(endpoint.secret)
    assert page.input_value("#secret") == secret
    assert endpoint.event_types == ["phone_number.released", "phone_number.warmup.paused"]

    page.click("text=Go to the endpoint's page")
    page.wait_for_selector("h1.endpoint-url")
    assert secret not in page.content()
    shot(page, "ops-webhooks-endpoint-new")
    page.click(".crumbs >> text=Acme Roofing")
    page.wait_for_selector("table.webhook-endpoints")
    assert secret not in page.content()
    shot(page, "ops-webhooks-business")
    page.click("nav >> text=Webhooks")
    page.wait_for_url(re.compile(r"/ops/webhooks/$"))
    assert secret not in page.content()
    assert page.locator("table.webhook-endpoints tbody tr").count() == 26
    shot(page, "ops-webhooks-list")

    page.select_option("#enabled-filter", "no")
    page.click("button:has-text('Filter')")
    page.wait_for_selector("text=Show all")
    assert page.locator("table.webhook-endpoints tbody tr").count() == 3
    shot(page, "ops-webhooks-list-disabled")


def test_an_endpoint_with_thousands_of_deliveries(page, live_server, inventory):
    operator = UserFactory(username="operator")
    business = Business.objects.get(name="Acme Roofing")
    endpoint, _ = endpoint_create(
        acting_user=operator, business=business, url=CRM, description="Acme's CRM"
    )
    start = timezone.now() - datetime.timedelta(hours=6)
    deliveries_for(endpoint, 3_000, start=start, step=datetime.timedelta(seconds=5))
    deliveries_for(
        endpoint,
        40,
        state=WebhookDelivery.State.FAILED,
        event_type="phone_number.released",
        start=start + datetime.timedelta(minutes=3),
        step=datetime.timedelta(minutes=7),
    )
    deliveries_for(
        endpoint,
        12,
        state=WebhookDelivery.State.PENDING,
        event_type="phone_number.warmup.paused",
        step=datetime.timedelta(seconds=2),
    )
    log_in(page, live_server)
    page.goto(f"{live_server.url}/ops/webhooks/{endpoint.pk}/")
    page.wait_for_selector("text=Deliveries")
    assert page.locator("table.deliveries tbody tr").count() == 50
    assert "3,052" in page.inner_text("#deliveries-title")
    shot(page, "ops-webhooks-endpoint-deliveries")

    first_row = page.inner_text("table.deliveries tbody tr >> nth=0")
    page.click("a[rel=next]")
    page.click("a[rel=next]")
    page.wait_for_selector("a[rel=prev]")
    assert page.inner_text("table.deliveries tbody tr >> nth=0") != first_row
    page.click("a[rel=prev]")
    page.click("a[rel=prev]")
    page.wait_for_url(re.compile(r"newer="))
    assert page.inner_text("table.deliveries tbody tr >> nth=0") == first_row

    page.click("nav.tabs >> text=Failed")
    page.wait_for_url(re.compile(r"state=failed"))
    assert page.locator("table.deliveries tbody tr").count() == 40
    assert page.locator("table.deliveries span.badge-failed").count() == 40
    shot(page, "ops-webhooks-endpoint-failed")

    page.select_option("#id_event_type", "phone_number.released")
    page.click("form.send-test button")
    page.wait_for_selector("text=Queued a sample phone_number.released event")
    shot(page, "ops-webhooks-endpoint-test-sent")

    page.click("text=Rotate the secret")
    page.fill("#id_grace_seconds", "-5")
    page.click("button:has-text('Rotate the secret')")
    page.wait_for_selector("text=Ensure this value is greater than or equal to 0.")
    shot(page, "ops-webhooks-rotate-refused")
    page.fill("#id_grace_seconds", "3600")
    page.click("button:has-text('Rotate the secret')")
    page.wait_for_selector("text=Copy it now; it will not be shown again.")
    endpoint.refresh_from_db()
    assert page.input_value("#secret") == secret_decrypt(endpoint.secret)
    shot(page, "ops-webhooks-rotated")
    page.click("text=Go to the endpoint's page")
    page.wait_for_selector("text=Secret rotated")
    assert "The previous one signs too until" in page.inner_text("section.card")

    # The same deliveries in the admin: a page of them, filtered by state and endpoint.
    page.goto(
        f"{live_server.url}/admin/webhooks/webhookdelivery/?state__exact=failed"
        f"&endpoint={endpoint.pk}"
    )
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 40
    shot(page, "admin-webhook-deliveries-failed")


def test_a_delivery_page_and_send_again(page, live_server, inventory):
    operator = UserFactory(username="operator")
    business = Business.objects.get(name="Acme Roofing")
    with Receiver() as receiver:
        endpoint, secret = endpoint_create(
            acting_user=operator, business=business, url=receiver.url
        )
        receiver.secrets.append(secret)
        receiver.answers = [503]
        number = inventory["warming"]
        phone_number_update(
            phone_number=number, acting_user=operator, fields={"name": "Front desk (main)"}
        )
        deliver_due()  # 503
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        deliver_due()  # 200
        delivery = WebhookDelivery.objects.get()
        assert delivery.state == "succeeded" and delivery.attempts == 2

        log_in(page, live_server)
        page.goto(f"{live_server.url}/ops/webhooks/{endpoint.pk}/")
        page.click("table.deliveries tbody tr >> nth=0 >> a")
        page.wait_for_selector("#payload-title")
        assert "Front desk (main)" in page.inner_text("pre.payload")
        assert page.locator("table.attempts tbody tr").count() == 2
        assert "answered 503" in page.inner_text("table.attempts")
        shot(page, "ops-webhooks-delivery")

        page.click("button:has-text('Send again')")
        page.wait_for_selector("text=will be sent again now")
        delivery.refresh_from_db()
        assert delivery.state == "pending"
        deliver_due()
        assert len(receiver.received) == 3
        assert len({r.webhook_id for r in receiver.received}) == 1
        assert all(r.verified for r in receiver.received)
        page.reload()
        assert page.locator("table.attempts tbody tr").count() == 3
        shot(page, "ops-webhooks-delivery-sent-again")
