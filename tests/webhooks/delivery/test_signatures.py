"""Every request is signed the Standard Webhooks way with the endpoint's secret, at the
time of its attempt; after a rotation both secrets sign until the grace period ends."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.webhooks.delivery.conftest import all_due_now
from webhooks.delivery import deliver_due
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage
from webhooks.secrets import secret_generate
from webhooks.services import endpoint_rotate_secret

pytestmark = pytest.mark.django_db


def verifies(secret: str, got) -> bool:
    try:
        Webhook(secret).verify(got.body, got.headers)
    except WebhookVerificationError:
        return False
    return True


def test_a_delivery_carries_the_standard_headers_and_verifies_with_the_endpoint_secret(
    receiver, endpoint_for, change
):
    endpoint_for(receiver)
    change()
    before = int(time.time())

    deliver_due()

    (got,) = receiver.received
    assert got.verified, got.error
    message = WebhookMessage.objects.get()
    assert re.fullmatch(r"msg_[0-9a-f]{32}", got.headers["webhook-id"])
    assert got.headers["webhook-id"] == message.webhook_id
    assert before <= int(got.headers["webhook-timestamp"]) <= int(time.time())
    assert re.fullmatch(r"v1,[A-Za-z0-9+/]+={0,2}", got.headers["webhook-signature"])
    assert got.headers["content-type"] == "application/json"
    assert got.body == message.body.encode()


def test_a_receiver_with_another_secret_does_not_verify(receiver, endpoint_for, change):
    endpoint_for(receiver)
    receiver.secrets = [secret_generate()]
    change()

    deliver_due()

    (got,) = receiver.received
    assert not got.verified


def test_a_retry_days_later_is_signed_with_the_time_of_its_attempt(receiver, endpoint_for, change):
    endpoint_for(receiver)
    receiver.answers = [500]
    change()
    deliver_due()
    # Three days pass: the message is old, its retry comes due now.
    three_days_ago = timezone.now() - timedelta(days=3)
    WebhookMessage.objects.update(created_at=three_days_ago)
    WebhookDelivery.objects.update(created_at=three_days_ago)
    all_due_now()

    deliver_due()

    first, retry = receiver.received
    assert retry.verified, retry.error  # standardwebhooks refuses timestamps 5 min off
    assert retry.webhook_id == first.webhook_id
    assert abs(int(retry.headers["webhook-timestamp"]) - time.time()) < 60
    assert WebhookDelivery.objects.get().state == "succeeded"


def test_during_a_rotation_both_secrets_sign_and_either_verifies(
    receiver, endpoint_for, change, member
):
    endpoint = endpoint_for(receiver)
    (old,) = receiver.secrets
    _, new = endpoint_rotate_secret(endpoint=endpoint, acting_user=member, grace_seconds=3600)
    change()

    deliver_due()

    (got,) = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert verifies(old, got)
    assert verifies(new, got)


def test_after_the_grace_period_only_the_new_secret_signs(receiver, endpoint_for, change, member):
    endpoint = endpoint_for(receiver)
    (old,) = receiver.secrets
    _, new = endpoint_rotate_secret(endpoint=endpoint, acting_user=member, grace_seconds=3600)
    WebhookEndpoint.objects.update(previous_secret_expires_at=timezone.now() - timedelta(seconds=1))
    change()

    deliver_due()

    (got,) = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 1
    assert not verifies(old, got)
    assert verifies(new, got)


def test_a_rotation_without_grace_signs_with_the_new_secret_at_once(
    receiver, endpoint_for, change, member
):
    endpoint = endpoint_for(receiver)
    (old,) = receiver.secrets
    _, new = endpoint_rotate_secret(endpoint=endpoint, acting_user=member, grace_seconds=0)
    change()

    deliver_due()

    (got,) = receiver.received
    assert not verifies(old, got)
    assert verifies(new, got)
