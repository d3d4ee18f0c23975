"""In production settings webhooks go to public HTTPS addresses only: creating or
changing an endpoint refuses anything else, and sending checks again after DNS
resolution (a name can come to point somewhere private after it was accepted)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.webhooks.receiver import Receiver
from webhooks.delivery import deliver_due
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEndpointEvent
from webhooks.services import endpoint_create, endpoint_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings) -> None:
    settings.WEBHOOK_ALLOW_LOCAL_TARGETS = False


REFUSED = [
    "http://203.0.113.7/hooks",  # not https (even to a public address)
    "http://hooks.example.com/hooks",
    "https://127.0.0.1/hooks",
    "https://127.0.0.1:8443/hooks",
    "https://localhost/hooks",
    "https://LOCALHOST./hooks",
    "https://api.localhost/hooks",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://10.1.2.3/hooks",
    "https://172.16.0.1/hooks",
    "https://192.168.1.10/hooks",
    "https://100.64.0.1/hooks",  # carrier-grade NAT
    "https://169.254.169.254/latest/meta-data/",  # the cloud's metadata service
    "https://0.0.0.0/hooks",
    "https://[::1]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",  # IPv4-mapped loopback
    "https://[fe80::1]/hooks",
    "https://[fd00::1]/hooks",
    "https://2130706433/hooks",  # 127.0.0.1 as one decimal number
    "https://0x7f000001/hooks",  # ... in hexadecimal
    "https://0177.0.0.1/hooks",  # ... with an octal part
    "https://127.1/hooks",  # ... shortened
    "https://user:password@hooks.example.com/hooks",
    "https:///hooks",
]


@pytest.mark.parametrize("url", REFUSED)
def test_a_non_public_or_non_https_url_is_refused_on_create(production, business, member, url):
    with pytest.raises(ValidationError) as refused:
        endpoint_create(acting_user=member, business=business, url=url)

    assert list(refused.value.message_dict) == ["url"]
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookEndpointEvent.objects.exists()


def test_a_public_https_address_is_accepted(production, business, member):
    endpoint, _ = endpoint_create(
        acting_user=member, business=business, url="https://93.184.215.14/hooks"
    )

    assert endpoint.url == "https://93.184.215.14/hooks"


def test_a_change_to_a_private_url_is_refused_and_changes_nothing(production, business, member):
    endpoint, _ = endpoint_create(
        acting_user=member, business=business, url="https://93.184.215.14/hooks"
    )

    with pytest.raises(ValidationError) as refused:
        endpoint_update(
            endpoint=endpoint, acting_user=member, url="https://169.254.169.254/", enabled=False
        )

    assert list(refused.value.message_dict) == ["url"]
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.enabled) == ("https://93.184.215.14/hooks", True)
    assert list(WebhookEndpointEvent.objects.values_list("type", flat=True)) == ["created"]


def test_a_name_that_now_resolves_to_a_private_address_is_refused_when_sending(
    settings, receiver, endpoint_for, change
):
    endpoint = endpoint_for(receiver)
    settings.WEBHOOK_ALLOW_LOCAL_TARGETS = False
    # Its DNS changed after it was accepted: the name now points at this machine.
    port = receiver.url.split(":")[2].split("/")[0]
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"https://localhost:{port}/hooks")
    change()

    run = deliver_due()

    assert run.failed == 1
    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending"
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("Refused: ")
    assert "127.0.0.1" in delivery.last_error
    assert WebhookAttempt.objects.get().error == delivery.last_error


def test_the_same_name_reaches_the_receiver_when_local_targets_are_allowed(
    receiver, endpoint_for, change
):
    """The control of the test above: the refusal is the check's, not a dead address."""
    endpoint = endpoint_for(receiver)
    port = receiver.url.split(":")[2].split("/")[0]
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"http://localhost:{port}/hooks")
    change()

    assert deliver_due().succeeded == 1
    assert len(receiver.received) == 1


def test_an_http_url_kept_from_development_is_refused_when_sending(
    settings, receiver, endpoint_for, change
):
    endpoint_for(receiver)  # http://127.0.0.1:<port>, accepted while local targets were allowed
    settings.WEBHOOK_ALLOW_LOCAL_TARGETS = False
    change()

    deliver_due()

    assert receiver.received == []
    assert WebhookDelivery.objects.get().last_error == "Only https:// URLs can receive webhooks."


def test_a_redirect_to_another_address_is_not_followed(endpoint_for, change):
    with Receiver() as redirecting, Receiver() as target:
        redirecting.answers = [307]
        redirecting.location = target.url
        endpoint_for(redirecting)
        change()

        deliver_due()

        assert target.received == []
    assert WebhookDelivery.objects.get().last_status_code == 307
