"""The warmup engine's metrics: passes by result and duration, numbers by action."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import BusinessFactory
from tests.metrics import value
from tests.warmup.test_engine import NOW, TODAY, stats, warming
from warmup import engine

pytestmark = pytest.mark.django_db

RUNS = "inventory_warmup_engine_runs_total"
NUMBERS = "inventory_warmup_engine_numbers_total"
SECONDS = "inventory_warmup_engine_run_duration_seconds_count"


def test_a_pass_counts_its_run_its_duration_and_what_it_did_to_each_number():
    business = BusinessFactory()
    advancing = warming(business)
    stats(advancing, TODAY - timedelta(days=1), sms_sent=40, sms_delivered=40)
    filtered = warming(business)
    stats(filtered, TODAY, sms_sent=250, sms_delivered=230, sms_carrier_rejected=20, recipients=240)
    before = {
        "runs": value(RUNS, result="succeeded"),
        "seconds": value(SECONDS),
        "evaluated": value(NUMBERS, action="evaluated"),
        "advanced": value(NUMBERS, action="advanced"),
        "paused": value(NUMBERS, action="paused"),
    }

    run = engine.run_pass(now=NOW)

    assert (run.evaluated, run.advanced, run.paused) == (2, 1, 1)
    assert value(RUNS, result="succeeded") == before["runs"] + 1
    assert value(SECONDS) == before["seconds"] + 1
    assert value(NUMBERS, action="evaluated") == before["evaluated"] + 2
    assert value(NUMBERS, action="advanced") == before["advanced"] + 1
    assert value(NUMBERS, action="paused") == before["paused"] + 1


def test_a_run_whose_chunks_fail_twice_is_counted_failed_once():
    run = engine.start_run(trigger="test", now=NOW)
    before = value(RUNS, result="failed")

    engine.fail_run(run.pk, "RuntimeError: first chunk")
    engine.fail_run(run.pk, "RuntimeError: second chunk")

    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "RuntimeError: second chunk")
    assert value(RUNS, result="failed") == before + 1
