"""manage.py warmup_tick: one pass now, in this process, as an operator would run it."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.vocabularies import EventType, InventoryState
from phonenumbers_app.vocabularies import WarmupHealthState as W
from tests.factories import BusinessFactory, PhoneNumberFactory
from warmup import clock, plans
from warmup.models import DailyStats, EngineRun, NumberWarmup
from warmup.selectors import default_plan

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(
    r"^Evaluated (?P<evaluated>[\d,]+) numbers in \d+\.\d s: (?P<changed>[\d,]+) changed "
    r"\((?P<started>\d+) started, (?P<advanced>\d+) advanced, (?P<held>\d+) held, "
    r"(?P<paused>\d+) paused, (?P<resumed>\d+) resumed, (?P<promoted>\d+) ready, "
    r"(?P<blocked>\d+) blocked\)\.$"
)


def tick() -> dict[str, int]:
    out = StringIO()
    call_command("warmup_tick", stdout=out)
    line = out.getvalue().strip()
    match = SUMMARY.match(line)
    assert match, line
    return {name: int(value.replace(",", "")) for name, value in match.groupdict().items()}


@pytest.fixture
def numbers():
    """A number that sent its allowance yesterday, one that sent a little, a new one
    with warmup on, and one with warmup off."""
    business = BusinessFactory()
    today = clock.eastern_day(timezone.now())
    allowance = plans.limits(default_plan(), 2).sms_day
    made = {}
    for name, sent in (("busy", allowance), ("quiet", 1)):
        number = PhoneNumberFactory(
            business=business,
            inventory_state=InventoryState.ASSIGNED,
            warmup_enabled=True,
            warmup_state=W.WARMING,
            health_status=W.HEALTHY,
        )
        NumberWarmup.objects.create(
            phone_number=number, plan_day=2, evaluated_day=today - timedelta(days=1)
        )
        DailyStats.objects.create(
            phone_number=number,
            business=business,
            day=today - timedelta(days=1),
            sms_sent=sent,
            sms_delivered=sent,
            recipients=sent,
        )
        made[name] = number
    made["new"] = PhoneNumberFactory(business=business, warmup_enabled=True)
    made["off"] = PhoneNumberFactory(business=business, warmup_enabled=False)
    return made


def test_it_prints_a_summary_and_writes_an_engine_run(numbers):
    summary = tick()

    run = EngineRun.objects.get()
    assert summary == {name: getattr(run, name) for name in summary}
    assert (run.evaluated, run.started, run.advanced, run.held) == (4, 1, 1, 1)
    assert (run.paused, run.resumed, run.promoted, run.blocked) == (0, 0, 0, 0)
    assert (run.trigger, run.status, run.chunks_total, run.chunks_done) == (
        "command", EngineRun.Status.SUCCEEDED, 1, 1
    )  # fmt: skip
    assert run.finished_at is not None and run.duration_seconds >= 0
    assert NumberWarmup.objects.get(phone_number=numbers["busy"]).plan_day == 3
    assert NumberWarmup.objects.get(phone_number=numbers["quiet"]).plan_day == 2
    assert PhoneNumber.objects.get(pk=numbers["new"].pk).warmup_state == W.WARMING


def test_a_second_run_the_same_day_changes_nothing(numbers):
    tick()
    events = PhoneNumberEvent.objects.count()
    rows = {
        "numbers": list(PhoneNumber.objects.order_by("pk").values()),
        "warmups": list(NumberWarmup.objects.order_by("pk").values()),
    }

    summary = tick()

    assert summary["changed"] == 0
    assert PhoneNumberEvent.objects.count() == events
    assert rows == {
        "numbers": list(PhoneNumber.objects.order_by("pk").values()),
        "warmups": list(NumberWarmup.objects.order_by("pk").values()),
    }
    assert EngineRun.objects.count() == 2
    assert EngineRun.objects.first().changed == 0  # the newest
    assert PhoneNumberEvent.objects.filter(type=EventType.WARMUP_ADVANCED).count() == 1
