"""The load run's own parts that decide its verdict: the receiver's signature check
(against the signatures the app sends) and which answers count as errors."""

import time
from datetime import UTC, datetime, timedelta

from bench.load import receiver
from bench.load.run import is_error, pct
from webhooks.secrets import secret_generate, signature_header


def signed(secrets, *, at=None):
    at = at or datetime.now(UTC)
    body = '{"type": "phone_number.updated"}'
    headers = {
        "webhook-id": "msg_01a2",
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature_header(
            secrets=secrets, webhook_id="msg_01a2", timestamp=at, body=body
        ),
    }
    return headers, body.encode()


def test_receiver_accepts_the_apps_signature():
    secret = secret_generate()
    headers, body = signed([secret])
    assert receiver.signature_ok(secret, headers, body)


def test_receiver_accepts_either_signature_during_a_rotation():
    new, previous = secret_generate(), secret_generate()
    headers, body = signed([new, previous])
    assert receiver.signature_ok(previous, headers, body)


def test_receiver_refuses_another_secret_a_changed_body_and_an_old_timestamp():
    secret = secret_generate()
    headers, body = signed([secret])
    assert not receiver.signature_ok(secret_generate(), headers, body)
    assert not receiver.signature_ok(secret, headers, body + b" ")
    old_headers, old_body = signed([secret], at=datetime.now(UTC) - timedelta(minutes=6))
    assert not receiver.signature_ok(secret, old_headers, old_body)


def test_receiver_fails_the_first_try_of_about_the_share_asked():
    ids = [f"msg_{i:08x}{time.time_ns()}" for i in range(20_000)]
    share = sum(receiver.fails_first(i, 0.02) for i in ids) / len(ids)
    assert 0.015 < share < 0.025
    assert not any(receiver.fails_first(i, 0.0) for i in ids)


def test_only_the_expected_refusals_are_not_errors():
    assert [is_error(s) for s in (200, 204, 409, 412, 429)] == [False] * 5
    assert [is_error(s) for s in (400, 500, 502, 503, "conn", "timeout")] == [True] * 6


def test_percentile_is_the_nearest_rank():
    values = list(range(1, 101))
    assert (pct(values, 50), pct(values, 99), pct(values, 100)) == (50, 99, 100)
