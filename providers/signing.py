"""Ed25519 webhook signatures as Telnyx makes them (and the simulated provider, which
speaks Telnyx's dialect): the signature of "{timestamp}|{raw body}", base64, in the
`telnyx-signature-ed25519` header, with the Unix time in `telnyx-timestamp`.

Keys travel as base64: a public key as its 32 raw bytes, a private key as its 32-byte seed.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SIGNATURE_HEADER = "telnyx-signature-ed25519"
TIMESTAMP_HEADER = "telnyx-timestamp"


def _signed_bytes(timestamp: str, body: bytes) -> bytes:
    return timestamp.encode() + b"|" + body


def sign(private_key_b64: str, timestamp: str, body: bytes) -> str:
    """The base64 signature of `body` sent at `timestamp` (Unix seconds, as text)."""
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key_b64))
    return base64.b64encode(key.sign(_signed_bytes(timestamp, body))).decode()


def public_key_of(private_key_b64: str) -> str:
    """The base64 public key of a base64 private key (seed)."""
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key_b64))
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def load_public_key(public_key_b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))


def verify(public_key: Ed25519PublicKey, signature_b64: str, timestamp: str, body: bytes) -> bool:
    """Whether `signature_b64` signs `body` at `timestamp` with `public_key`'s private key."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        public_key.verify(signature, _signed_bytes(timestamp, body))
    except InvalidSignature:
        return False
    return True
