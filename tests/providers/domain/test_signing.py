"""Ed25519 webhook signatures in Telnyx's scheme (providers/signing.py), with a real key pair."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from providers import signing

BODY = b'{"data":{"event_type":"number_order.complete","id":"e-1"}}'


def key_pair() -> tuple[str, str]:
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(seed).decode(), signing.public_key_of(base64.b64encode(seed).decode())


def test_a_signature_verifies_with_the_public_key_of_its_seed():
    private, public = key_pair()
    signature = signing.sign(private, "1700000000", BODY)
    assert signing.verify(signing.load_public_key(public), signature, "1700000000", BODY)


def test_a_tampered_body_another_timestamp_or_another_key_does_not_verify():
    private, public = key_pair()
    _, other_public = key_pair()
    signature = signing.sign(private, "1700000000", BODY)
    key = signing.load_public_key(public)
    assert not signing.verify(key, signature, "1700000000", BODY.replace(b"e-1", b"e-2"))
    assert not signing.verify(key, signature, "1700000001", BODY)
    assert not signing.verify(signing.load_public_key(other_public), signature, "1700000000", BODY)


def test_garbage_in_the_signature_header_is_a_refusal_not_an_error():
    _, public = key_pair()
    key = signing.load_public_key(public)
    assert not signing.verify(key, "not base64!!", "1700000000", BODY)
    assert not signing.verify(key, base64.b64encode(b"short").decode(), "1700000000", BODY)
