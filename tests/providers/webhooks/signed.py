"""Signing webhooks in tests with real keys: an Ed25519 key pair made per test run
(Telnyx's scheme, providers/signing.py) and a Twilio auth token (the twilio library's
own RequestValidator computes the X-Twilio-Signature)."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from providers import signing

TWILIO_ACCOUNT_SID = "AC" + "1" * 32
TWILIO_AUTH_TOKEN = "a3f5c9d2e8b14f6a9c0d7e2b5f8a1c4d"


def new_key_pair() -> tuple[str, str]:
    """(private seed, public key), both base64."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(private).decode(), base64.b64encode(public).decode()


def telnyx_headers(private_b64: str, body: bytes, *, timestamp: int | None = None) -> dict:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "HTTP_TELNYX_TIMESTAMP": stamp,
        "HTTP_TELNYX_SIGNATURE_ED25519": signing.sign(private_b64, stamp, body),
    }


def post_telnyx(client, path: str, document: dict | bytes, private_b64: str, **options):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    headers = telnyx_headers(private_b64, body, timestamp=options.pop("timestamp", None))
    headers.update(options.pop("headers", {}))
    sent = options.pop("send_body", body)
    return client.post(path, data=sent, content_type="application/json", **headers)


def twilio_signature(url: str, params: dict, token: str = TWILIO_AUTH_TOKEN) -> str:
    from twilio.request_validator import RequestValidator

    return RequestValidator(token).compute_signature(url, params)


def post_twilio(
    client, params: dict, *, token: str = TWILIO_AUTH_TOKEN, path="/webhooks/twilio", **headers
):
    url = f"http://testserver{path}"
    signature = twilio_signature(url, params, token)
    return client.post(
        path,
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
        **headers,
    )
