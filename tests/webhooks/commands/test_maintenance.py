"""The maintenance of outbound webhooks: forgetting old messages, re-encrypting secrets
after a SECRET_KEY rotation."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage
from webhooks.retention import messages_purge
from webhooks.secrets import SecretUnreadable, secret_decrypt
from webhooks.services import endpoint_create, endpoint_rotate_secret

pytestmark = pytest.mark.django_db


def _message(endpoint, *, age_days: float, state: str) -> WebhookMessage:
    at = timezone.now() - timedelta(days=age_days)
    message = WebhookMessage.objects.create(
        event_type="phone_number.updated", body="{}", created_at=at
    )
    delivery = WebhookDelivery.objects.create(
        message=message, endpoint=endpoint, state=state, created_at=at
    )
    WebhookAttempt.objects.create(delivery=delivery, attempted_at=at, status_code=500)
    return message


def test_purge_forgets_settled_messages_past_retention_and_keeps_pending_ones(staff_user, settings):
    settings.WEBHOOK_RETENTION_DAYS = 30
    endpoint, _ = endpoint_create(
        acting_user=staff_user, business=None, url="http://127.0.0.1:9/hooks"
    )
    old_done = _message(endpoint, age_days=31, state="succeeded")
    old_failed = _message(endpoint, age_days=40, state="failed")
    old_pending = _message(endpoint, age_days=45, state="pending")
    recent = _message(endpoint, age_days=29, state="succeeded")

    assert messages_purge(now=timezone.now(), chunk=1) == 2

    kept = set(WebhookMessage.objects.values_list("pk", flat=True))
    assert kept == {old_pending.pk, recent.pk}
    assert not WebhookDelivery.objects.filter(message__in=[old_done, old_failed]).exists()
    assert WebhookAttempt.objects.count() == 2


def test_reencrypt_moves_secrets_to_the_current_key_after_a_rotation(staff_user, settings):
    endpoint, secret = endpoint_create(
        acting_user=staff_user, business=None, url="http://127.0.0.1:9/hooks"
    )
    endpoint, new_secret = endpoint_rotate_secret(endpoint=endpoint, acting_user=staff_user)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = [old_key]

    call_command("webhook_secrets_reencrypt", stdout=io.StringIO())

    settings.SECRET_KEY_FALLBACKS = []
    endpoint = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert secret_decrypt(endpoint.secret) == new_secret
    assert secret_decrypt(endpoint.previous_secret) == secret


def test_a_secret_under_a_forgotten_key_is_reported_not_lost_silently(staff_user, settings):
    endpoint, _ = endpoint_create(
        acting_user=staff_user, business=None, url="http://127.0.0.1:9/hooks"
    )
    settings.SECRET_KEY = "another-secret-key-" + "y" * 50
    settings.SECRET_KEY_FALLBACKS = []
    err = io.StringIO()

    call_command("webhook_secrets_reencrypt", stdout=io.StringIO(), stderr=err)

    assert str(endpoint.pk) in err.getvalue()
    with pytest.raises(SecretUnreadable):
        secret_decrypt(WebhookEndpoint.objects.get(pk=endpoint.pk).secret)
