"""Endpoints' signing secrets: made here, kept encrypted, and used to sign (Standard Webhooks).

A secret is `whsec_` + base64 of 32 random bytes, as the Standard Webhooks libraries read
it. It must be usable to sign, so it cannot be hashed like an API key; it is encrypted
at rest (Fernet, keyed from SECRET_KEY, with SECRET_KEY_FALLBACKS still readable) so a
copy of the database alone signs nothing. Rotating SECRET_KEY therefore needs the old
key in SECRET_KEY_FALLBACKS until `manage.py webhook_secrets_reencrypt` has run.
"""

from __future__ import annotations

import base64
import secrets as random
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"
SECRET_BYTES = 32


def secret_generate() -> str:
    return PREFIX + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode()


def _fernet_key(secret_key: str) -> bytes:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"webhooks.endpoint-secret"
    ).derive(secret_key.encode())
    return base64.urlsafe_b64encode(derived)


@lru_cache(maxsize=4)
def _fernet(secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key)) for key in (secret_key, *fallbacks)])


def _current() -> MultiFernet:
    return _fernet(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def secret_encrypt(secret: str) -> str:
    return _current().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str:
    """Raises SecretUnreadable when no current or fallback key opens it."""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "The endpoint's secret was encrypted with a SECRET_KEY that is neither the current "
            "one nor in SECRET_KEY_FALLBACKS; rotate the endpoint's secret."
        ) from None


def secret_reencrypt(token: str) -> str:
    """The same secret encrypted with the current key (after a SECRET_KEY rotation)."""
    return _current().rotate(token.encode()).decode()


class SecretUnreadable(Exception):
    pass


def signature_header(
    *, secrets: Iterable[str], webhook_id: str, timestamp: datetime, body: str
) -> str:
    """The `webhook-signature` header: one `v1,<base64>` per secret, space-separated
    (during a rotation's grace period both the new and the previous secret sign)."""
    return " ".join(
        Webhook(secret).sign(msg_id=webhook_id, timestamp=timestamp, data=body)
        for secret in secrets
    )
