"""/ops/'s large bulk actions on a real Celery worker (Redis broker, the test's PostgreSQL
database): the confirmed request records the run and sends its chunks; the worker applies
the action's service per number and the progress page shows the counts."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from phonenumbers_app import services
from phonenumbers_app.models import BulkActionRun, PhoneNumber, PhoneNumberEvent
from phonenumbers_app.pages import bulk as bulk_page
from phonenumbers_app.services import bulk
from phonenumbers_app.vocabularies import EventType, WarmupHealthState
from tests.factories import BusinessFactory, PhoneNumberFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT = 60.0


def finished(run: BulkActionRun, timeout: float = RUN_TIMEOUT) -> BulkActionRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status != BulkActionRun.Status.RUNNING:
            return run
        time.sleep(0.2)
    pytest.fail(f"the bulk run did not finish in {timeout:g} s: {run.processed}/{run.total}")


def test_a_large_bulk_pause_runs_on_the_worker_and_the_page_shows_its_counts(
    celery_worker, client, monkeypatch
):
    # A small "large" selection: 3 chunks of 4 on the worker instead of 500s.
    monkeypatch.setattr(bulk_page, "INLINE_LIMIT", 5)
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 4)
    # This process sends the chunks where the test's worker listens.
    monkeypatch.setitem(celery_app.conf, "broker_url", celery_worker.broker_url)
    monkeypatch.setitem(celery_app.conf, "task_default_queue", celery_worker.queue)
    operator = UserFactory(username="operator", is_staff=True, is_superuser=True)
    client.force_login(operator)
    business, other = BusinessFactory(name="Acme Roofing"), BusinessFactory(name="Other Co")
    warm = {"warmup_enabled": True, "warmup_state": WarmupHealthState.WARMING}
    numbers = [PhoneNumberFactory(business=business, **warm) for _ in range(10)]
    for _ in range(2):
        services.phone_number_warmup_pause(
            phone_number=PhoneNumberFactory(business=business, **warm),
            acting_user=UserFactory(),
            reason="earlier",
        )
    elsewhere = PhoneNumberFactory(business=other, **warm)

    response = client.post(
        reverse("ops:bulk"),
        {
            "action": "pause-warmup",
            "scope": "matching",
            "query": f"businessId={business.pk}",
            "reason": "Carrier complaint",
            "confirmed": "1",
        },
    )

    run = BulkActionRun.objects.get()
    assert response["Location"] == reverse("ops:bulk-run", args=[run.pk])
    run = finished(run)
    assert (run.status, run.total, run.done, run.skipped, run.failed) == (
        BulkActionRun.Status.FINISHED,
        12,
        10,
        2,
        0,
    )
    assert run.skipped_reasons == {"already paused": 2}
    assert sorted(run.chunks_recorded) == [0, 1, 2]
    paused = PhoneNumberEvent.objects.filter(
        type=EventType.WARMUP_PAUSED, actor=operator, details="Carrier complaint"
    )
    assert sorted(e.phone_number_id for e in paused) == sorted(n.pk for n in numbers)
    assert PhoneNumber.objects.get(pk=elsewhere.pk).warmup_state == WarmupHealthState.WARMING

    page = client.get(response["Location"]).content.decode()
    assert "12 of 12 (100%)" in page
    assert "<dt>Changed</dt><dd>10</dd>" in page
    assert "<dt>Skipped</dt><dd>2</dd>" in page
    assert "already paused: 2" in page
    assert "Paused warmup on 10 numbers; 2 skipped (already paused)." in page
    assert 'http-equiv="refresh"' not in page
