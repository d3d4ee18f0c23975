"""Failed attempts are tried again with the same webhook-id, after delays that follow
RETRY_DELAYS (±10%), until the retries run out; a timeout, a refused connection and a
redirect are failures like a 500."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.webhooks.delivery.conftest import all_due_now, closed_port
from tests.webhooks.receiver import Receiver
from webhooks.delivery import RETRY_DELAYS, deliver_due, next_attempt_after
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage

pytestmark = pytest.mark.django_db


def test_a_receiver_that_fails_three_times_then_answers_200_gets_the_event_once_more_with_the_same_webhook_id_each_time(  # noqa: E501
    receiver, endpoint_for, change, no_waiting
):
    endpoint_for(receiver)
    receiver.answers = [500, 500, 500, 200]
    change()

    runs = [deliver_due() for _ in range(5)]

    assert [r.claimed for r in runs] == [1, 1, 1, 1, 0]
    assert len(receiver.received) == 4
    assert {got.webhook_id for got in receiver.received} == {
        WebhookMessage.objects.get().webhook_id
    }
    assert all(got.verified for got in receiver.received)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "succeeded"
    assert delivery.attempts == 4
    assert delivery.next_attempt_at is None
    assert delivery.last_status_code == 200
    codes = WebhookAttempt.objects.order_by("attempted_at").values_list("status_code", flat=True)
    assert list(codes) == [500, 500, 500, 200]


def test_a_receiver_slower_than_the_timeout_is_a_failure_tried_again(
    settings, endpoint_for, change
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    with Receiver(delay=1.5) as slow:
        endpoint_for(slow)
        change()

        run = deliver_due()

    assert run.failed == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending"
    assert delivery.attempts == 1
    assert delivery.last_status_code is None
    assert delivery.last_error == "No answer within 0.5 s."
    assert delivery.next_attempt_at > timezone.now()
    attempt = WebhookAttempt.objects.get()
    assert attempt.error == delivery.last_error
    assert attempt.latency_ms < 1500


def test_a_refused_connection_is_a_failure_tried_again(receiver, endpoint_for, change):
    endpoint = endpoint_for(receiver)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        url=f"http://127.0.0.1:{closed_port()}/hooks"
    )
    change()

    run = deliver_due()

    assert run.failed == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error.startswith("ConnectError")
    assert delivery.next_attempt_at > timezone.now()


def test_a_redirect_is_not_followed_and_is_a_failure(endpoint_for, change):
    with Receiver() as redirecting, Receiver() as elsewhere:
        redirecting.answers = [302]
        redirecting.location = elsewhere.url
        endpoint_for(redirecting)
        change()

        run = deliver_due()

    assert run.failed == 1
    assert len(redirecting.received) == 1
    assert elsewhere.received == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_status_code) == ("pending", 302)
    assert "Redirects are not followed" in delivery.last_error


@pytest.mark.parametrize("status", [400, 404, 410, 503])
def test_any_answer_but_2xx_is_a_failure(receiver, endpoint_for, change, status):
    endpoint_for(receiver)
    receiver.answers = [status]
    change()

    deliver_due()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_status_code) == ("pending", status)
    assert WebhookAttempt.objects.get().response_body == f"answered {status}"


def test_each_retry_waits_its_delay_within_ten_percent():
    at = timezone.now()
    for attempts, delay in enumerate(RETRY_DELAYS, start=1):
        waits = [(next_attempt_after(attempts, at) - at).total_seconds() for _ in range(50)]
        assert all(0.9 * delay <= w <= 1.1 * delay for w in waits), (attempts, delay)
    assert next_attempt_after(len(RETRY_DELAYS) + 1, at) is None


def test_the_retries_last_about_three_days_in_twelve_attempts():
    assert len(RETRY_DELAYS) + 1 == 12
    assert timedelta(days=3) < timedelta(seconds=sum(RETRY_DELAYS)) < timedelta(days=3.5)


def test_a_failed_attempt_is_due_again_after_the_first_delay(receiver, endpoint_for, change):
    endpoint_for(receiver)
    receiver.answers = [500]
    change()

    deliver_due()

    delivery = WebhookDelivery.objects.get()
    wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
    assert 0.9 * RETRY_DELAYS[0] <= wait <= 1.1 * RETRY_DELAYS[0] + 1


def test_deliveries_that_fail_together_come_back_at_different_times(receiver, endpoint_for, change):
    endpoint_for(receiver)
    receiver.answers = [500] * 10
    for i in range(10):
        change(f"name {i}")

    deliver_due()

    times = set(WebhookDelivery.objects.values_list("next_attempt_at", flat=True))
    assert len(times) == 10


def test_after_the_last_retry_the_delivery_has_failed_for_good(receiver, endpoint_for, change):
    endpoint_for(receiver)
    receiver.answers = [500, 500]
    change()
    deliver_due()
    WebhookDelivery.objects.update(attempts=len(RETRY_DELAYS))  # ten more failures later
    all_due_now()

    run = deliver_due()

    assert (run.failed, run.given_up) == (1, 1)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed"
    assert delivery.attempts == len(RETRY_DELAYS) + 1
    assert delivery.next_attempt_at is None
    assert deliver_due().claimed == 0
    assert len(receiver.received) == 2


class Trickler:
    """A receiver that answers one byte every 0.2 s, so no read ever times out."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}/hooks"
        self.stop = threading.Event()
        self.secrets: list[str] = []

    def __enter__(self) -> Trickler:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.close()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            connection, _ = self.server.accept()
            with connection:
                connection.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nx-slow: " + b"z" * 1000:
                    if self.stop.wait(0.2):
                        return
                    connection.sendall(bytes([byte]))


def test_a_receiver_trickling_its_answer_holds_the_batch_no_longer_than_its_deadline(
    settings, receiver, endpoint_for, change
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5  # a batch of 2: a deadline of 1 s
    with Trickler() as trickler:
        slow = endpoint_for(trickler)
        endpoint_for(receiver)
        change()
        started = time.monotonic()

        run = deliver_due()

        assert time.monotonic() - started < 3
    assert (run.succeeded, run.failed) == (1, 1)
    late = WebhookDelivery.objects.get(endpoint=slow)
    assert (late.state, late.last_error) == ("pending", "No answer within 0.5 s.")
    assert late.next_attempt_at > timezone.now()
    assert WebhookDelivery.objects.exclude(endpoint=slow).get().state == "succeeded"


def test_a_batch_out_of_time_puts_back_what_it_had_not_started(
    settings, receiver, endpoint_for, change
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_DELIVERY_CONCURRENCY = 1  # the trickler's request holds the only thread
    with Trickler() as trickler:
        slow = endpoint_for(trickler)
        endpoint_for(receiver)
        change()
        first = WebhookDelivery.objects.filter(endpoint=slow)  # its turn comes first
        first.update(created_at=timezone.now() - timedelta(seconds=1))

        run = deliver_due()

    assert (run.claimed, run.succeeded, run.failed) == (2, 0, 1)
    waiting = WebhookDelivery.objects.exclude(endpoint=slow).get()
    assert (waiting.state, waiting.attempts, waiting.leased_until) == ("pending", 0, None)
    assert waiting.next_attempt_at <= timezone.now()
    assert receiver.received == []
    assert deliver_due().succeeded == 1  # due at once, on a new pool
