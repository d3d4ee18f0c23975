"""Is this webhook really from the provider? Each dialect's check, and why it failed.

- Telnyx (and the simulated provider, which speaks Telnyx's dialect): Ed25519 over
  "{timestamp}|{raw body}" (providers/signing.py), the timestamp within
  PROVIDER_WEBHOOK_TOLERANCE_SECONDS of our clock either way, so a captured request
  cannot be replayed later.
- Twilio: X-Twilio-Signature, Twilio's HMAC-SHA1 of the URL it called and the form it
  sent, checked with the library's RequestValidator. Twilio signs no timestamp; a replay
  is caught by the event's identity instead (providers/webhooks/intake.py).

A check raises Refused with a short reason (a slug for the log and the counter); it never
says which part of a signature was wrong, and never logs or returns a secret.
"""

from __future__ import annotations

import time
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.http import HttpRequest

from providers import signing

TIMESTAMP_META = "HTTP_" + signing.TIMESTAMP_HEADER.upper().replace("-", "_")
SIGNATURE_META = "HTTP_" + signing.SIGNATURE_HEADER.upper().replace("-", "_")
TWILIO_SIGNATURE_META = "HTTP_X_TWILIO_SIGNATURE"

# Reasons (the counter's and the log's words).
MISSING = "missing-signature"
BAD_TIMESTAMP = "bad-timestamp"
STALE = "stale-timestamp"
FUTURE = "future-timestamp"
MISMATCH = "bad-signature"
REASONS = (MISSING, BAD_TIMESTAMP, STALE, FUTURE, MISMATCH)


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@lru_cache(maxsize=8)
def public_key(public_key_b64: str) -> Ed25519PublicKey:
    """The loaded key, once per process and key (loading costs more than verifying)."""
    return signing.load_public_key(public_key_b64)


@lru_cache(maxsize=8)
def public_key_of_private(private_key_b64: str) -> str:
    return signing.public_key_of(private_key_b64)


def check_ed25519(request: HttpRequest, key: Ed25519PublicKey, *, now: float | None = None) -> int:
    """Raise Refused unless the request carries a valid, timely Telnyx-style signature.
    Returns the signed timestamp (Unix seconds)."""
    timestamp = request.META.get(TIMESTAMP_META, "")
    signature = request.META.get(SIGNATURE_META, "")
    if not timestamp or not signature:
        raise Refused(MISSING)
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Refused(BAD_TIMESTAMP) from None
    drift = (time.time() if now is None else now) - sent_at
    tolerance = settings.PROVIDER_WEBHOOK_TOLERANCE_SECONDS
    if drift > tolerance:
        raise Refused(STALE)
    if drift < -tolerance:
        raise Refused(FUTURE)
    if not signing.verify(key, signature, timestamp, request.body):
        raise Refused(MISMATCH)
    return sent_at


def twilio_url(request: HttpRequest) -> str:
    """The URL Twilio called (and signed): TWILIO_WEBHOOK_BASE_URL + our path and query
    when a proxy in front changes scheme or host, else the URL as this request shows it."""
    base = settings.TWILIO_WEBHOOK_BASE_URL
    if not base:
        return request.build_absolute_uri()
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}{request.get_full_path()}"


@lru_cache(maxsize=4)
def _twilio_validator(auth_token: str):
    # Imported here: a deployment without a Twilio account never loads the library.
    from twilio.request_validator import RequestValidator

    return RequestValidator(auth_token)


def check_twilio(request: HttpRequest, *, is_json: bool) -> None:
    """Raise Refused unless X-Twilio-Signature signs this URL and form (or, for a JSON
    body, the URL with its bodySHA256 and the body)."""
    signature = request.META.get(TWILIO_SIGNATURE_META, "")
    if not signature:
        raise Refused(MISSING)
    validator = _twilio_validator(settings.TWILIO_AUTH_TOKEN)
    url = twilio_url(request)
    params = request.body.decode("utf-8", "replace") if is_json else request.POST
    if not validator.validate(url, params, signature):
        raise Refused(MISMATCH)
