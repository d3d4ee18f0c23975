"""/webhooks/<provider>: verification, storage once, and the answer (the HTTP door).

Signatures are made here with real keys over real payloads (tests/providers/webhooks/
signed.py, payloads.py cites the providers' published shapes); every refusal leaves the
database as it was.
"""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache

from providers.models import ProviderEvent
from providers.webhooks.counters import refusal_counts
from tests.providers.webhooks import payloads
from tests.providers.webhooks.signed import (
    new_key_pair,
    post_telnyx,
    post_twilio,
    telnyx_headers,
    twilio_signature,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()


def _refused(response, reason: str) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/webhook-signature-invalid"
    assert reason in body["detail"]
    assert ProviderEvent.objects.count() == 0


def test_a_signed_telnyx_event_is_stored_and_answered_200(
    client, telnyx_key, django_capture_on_commit_callbacks
):
    document = payloads.message_finalized("msg-1", "+12125550100", "+13125550111", "delivered")
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_telnyx(client, "/webhooks/telnyx", document, telnyx_key)
    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}
    event = ProviderEvent.objects.get()
    assert (event.provider, event.event_id, event.event_type) == (
        "telnyx",
        document["data"]["id"],
        "message.finalized",
    )
    assert json.loads(event.body) == document
    assert event.status == "received" and event.occurred_at is not None
    assert len(callbacks) == 1  # its processing is queued once the row is committed


def test_the_trailing_slash_form_answers_too(client, telnyx_key):
    document = payloads.portout_ported(["+12125550100"])
    assert post_telnyx(client, "/webhooks/telnyx/", document, telnyx_key).status_code == 200


def test_a_tampered_body_is_refused_and_stores_nothing(client, telnyx_key, unchanged_db):
    document = payloads.message_finalized("msg-1", "+12125550100", "+13125550111", "delivered")
    body = json.dumps(document).encode()
    tampered = body.replace(b"delivered", b"delivery_failed")
    with unchanged_db():
        response = post_telnyx(client, "/webhooks/telnyx", body, telnyx_key, send_body=tampered)
    _refused(response, "bad-signature")
    assert refusal_counts()["telnyx"]["bad-signature"] == 1


def test_a_body_signed_with_another_key_is_refused(client, telnyx_key, unchanged_db):
    someone_else, _ = new_key_pair()
    with unchanged_db():
        response = post_telnyx(
            client, "/webhooks/telnyx", payloads.portout_ported(["+12125550100"]), someone_else
        )
    _refused(response, "bad-signature")


@pytest.mark.parametrize("missing", ["HTTP_TELNYX_SIGNATURE_ED25519", "HTTP_TELNYX_TIMESTAMP"])
def test_a_missing_header_is_refused(client, telnyx_key, missing, unchanged_db):
    body = json.dumps(payloads.portout_ported(["+12125550100"])).encode()
    headers = telnyx_headers(telnyx_key, body)
    del headers[missing]
    with unchanged_db():
        response = client.post("/webhooks/telnyx", body, content_type="application/json", **headers)
    _refused(response, "missing-signature")


@pytest.mark.parametrize(
    ("offset", "reason"), [(-301, "stale-timestamp"), (301, "future-timestamp")]
)
def test_a_timestamp_out_of_tolerance_is_refused_though_signed(
    client, telnyx_key, offset, reason, unchanged_db, caplog
):
    document = payloads.portout_ported(["+12125550100"])
    with unchanged_db():
        response = post_telnyx(
            client, "/webhooks/telnyx", document, telnyx_key, timestamp=int(time.time()) + offset
        )
    _refused(response, reason)
    assert refusal_counts()["telnyx"][reason] == 1
    # Logged as a warning, without the signature, the key or the body.
    record = next(r for r in caplog.records if "Refused a telnyx webhook" in r.getMessage())
    assert record.levelname == "WARNING"
    assert telnyx_key not in record.getMessage() and "portout" not in record.getMessage()


def test_a_timestamp_within_tolerance_is_accepted(client, telnyx_key):
    document = payloads.portout_ported(["+12125550100"])
    response = post_telnyx(
        client, "/webhooks/telnyx", document, telnyx_key, timestamp=int(time.time()) - 290
    )
    assert response.status_code == 200


def test_a_replayed_event_is_stored_once_and_queued_once(
    client, telnyx_key, django_capture_on_commit_callbacks
):
    document = payloads.message_finalized("msg-9", "+12125550100", "+13125550111", "delivered")
    with django_capture_on_commit_callbacks() as callbacks:
        first = post_telnyx(client, "/webhooks/telnyx", document, telnyx_key)
        again = post_telnyx(client, "/webhooks/telnyx", document, telnyx_key)
    assert first.json() == {"status": "accepted"}
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    assert ProviderEvent.objects.count() == 1
    assert len(callbacks) == 1


def test_the_intake_is_one_insert(client, telnyx_key, django_assert_max_num_queries):
    document = payloads.message_finalized("msg-2", "+12125550100", "+13125550111", "delivered")
    with django_assert_max_num_queries(1):
        assert post_telnyx(client, "/webhooks/telnyx", document, telnyx_key).status_code == 200
    with django_assert_max_num_queries(1):
        assert post_telnyx(client, "/webhooks/telnyx", document, telnyx_key).status_code == 200


def test_a_signed_body_that_is_not_json_is_a_400_and_stores_nothing(client, telnyx_key):
    response = post_telnyx(client, "/webhooks/telnyx", b"not json", telnyx_key)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert ProviderEvent.objects.count() == 0


def test_a_provider_without_an_account_answers_404(client, settings):
    settings.TELNYX_API_KEY = ""
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    for path in ("/webhooks/telnyx", "/webhooks/twilio"):
        response = client.post(path, b"{}", content_type="application/json")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    assert ProviderEvent.objects.count() == 0


def test_only_post_is_answered(client, telnyx_key):
    response = client.get("/webhooks/telnyx")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_the_simulated_provider_is_verified_with_its_signing_key(
    client, simulated_key, unchanged_db
):
    document = payloads.number_order_complete("order-1", {"+12125550100": "success"})
    assert post_telnyx(client, "/webhooks/simulated", document, simulated_key).status_code == 200
    assert ProviderEvent.objects.get().provider == "simulated"
    # A Telnyx-signed body is no simulated event.
    telnyx_private, _ = new_key_pair()
    response = post_telnyx(
        client, "/webhooks/simulated", payloads.portout_ported(["+1212"]), telnyx_private
    )
    assert response.status_code == 401


def test_webhooks_are_not_in_the_openapi_document(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/webhooks")]


# --- Twilio ----------------------------------------------------------------------------
def test_a_signed_twilio_status_callback_is_stored(client, twilio_account):
    params = payloads.twilio_status("SM" + "a" * 32, "+12125550100", "+13125550111", "delivered")
    response = post_twilio(client, params)
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    event = ProviderEvent.objects.get()
    assert (event.provider, event.event_id, event.event_type) == (
        "twilio",
        "SM" + "a" * 32 + ":delivered",
        "message.status",
    )


def test_a_twilio_callback_signed_with_another_token_is_refused(
    client, twilio_account, unchanged_db
):
    params = payloads.twilio_status("SM" + "a" * 32, "+12125550100", "+13125550111", "delivered")
    with unchanged_db():
        response = post_twilio(client, params, token="0" * 32)
    _refused(response, "bad-signature")
    assert refusal_counts()["twilio"]["bad-signature"] == 1


def test_a_tampered_twilio_form_is_refused(client, twilio_account, unchanged_db):
    from urllib.parse import urlencode

    params = payloads.twilio_status(
        "SM" + "a" * 32, "+12125550100", "+13125550111", "failed", "30003"
    )
    signature = twilio_signature("http://testserver/webhooks/twilio", params)
    params["ErrorCode"] = "30007"
    with unchanged_db():
        response = client.post(
            "/webhooks/twilio",
            urlencode(params),
            content_type="application/x-www-form-urlencoded",
            HTTP_X_TWILIO_SIGNATURE=signature,
        )
    _refused(response, "bad-signature")


def test_a_twilio_callback_without_a_signature_is_refused(client, twilio_account, unchanged_db):
    with unchanged_db():
        response = client.post("/webhooks/twilio", {"MessageSid": "SM1", "MessageStatus": "sent"})
    _refused(response, "missing-signature")


def test_a_replayed_twilio_callback_with_a_new_idempotency_token_is_still_a_duplicate(
    client, twilio_account
):
    params = payloads.twilio_status("SM" + "b" * 32, "+12125550100", "+13125550111", "delivered")
    assert post_twilio(client, params, HTTP_I_TWILIO_IDEMPOTENCY_TOKEN="token-1").json() == {
        "status": "accepted"
    }
    # The header is not signed: an attacker replaying a captured callback can change it.
    again = post_twilio(client, params, HTTP_I_TWILIO_IDEMPOTENCY_TOKEN="token-2")
    assert again.json() == {"status": "duplicate"}
    assert ProviderEvent.objects.count() == 1


def test_twilio_is_verified_against_the_public_url_behind_a_proxy(client, twilio_account, settings):
    settings.TWILIO_WEBHOOK_BASE_URL = "https://inventory.example.com"
    params = payloads.twilio_status("SM" + "c" * 32, "+12125550100", "+13125550111", "delivered")
    signature = twilio_signature("https://inventory.example.com/webhooks/twilio", params)
    from urllib.parse import urlencode

    response = client.post(
        "/webhooks/twilio",
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )
    assert response.status_code == 200
