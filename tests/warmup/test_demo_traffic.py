"""Simulated demo traffic (warmup/demo.py) and what the engine makes of it: the story a
newcomer sees under `dev.py run` (warming numbers advance, Acme Roofing's filtered number
is paused, then recovers)."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from phonenumbers_app.demo_data import CYCLE, is_demo_number
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.vocabularies import EventType, InventoryState
from phonenumbers_app.vocabularies import WarmupHealthState as W
from tests.factories import PhoneNumberFactory
from warmup import engine, plans
from warmup.clock import eastern_day
from warmup.demo import DEMO_PLAN, FILTERED_BUSINESS, PER_MINUTE, simulate_traffic
from warmup.models import BusinessWarmupPlan, DailyStats, MessageOutcome, NumberWarmup
from warmup.selectors import plan_for
from warmup.vocabularies import EngineAction, PacingStatus

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 10:00 Eastern
TODAY = eastern_day(NOW)
YESTERDAY = TODAY - timedelta(days=1)
# Acme Roofing's first warming line of the demo (the 9th number: demo_data.KINDS).
FILTERED = "+12065550108"


@pytest.fixture
def demo(settings) -> dict[str, PhoneNumber]:
    """One cycle of the demo (every kind of number), and a line that is not the demo's."""
    settings.DEMO_TRAFFIC = True
    call_command("seed_demo", "--numbers", str(CYCLE), stdout=StringIO())
    acme = PhoneNumber.objects.get(number=FILTERED).business
    real = PhoneNumberFactory(
        number="+14155552671",
        business=acme,
        warmup_enabled=True,
        warmup_state=W.WARMING,
        health_status=W.HEALTHY,
    )
    return {"filtered": PhoneNumber.objects.get(number=FILTERED), "real": real}


def sending_demo_numbers() -> list[PhoneNumber]:
    """The demo's lines that send: owned, enabled, warming or Ready, not paused by a person."""
    numbers = PhoneNumber.objects.filter(
        business__isnull=False,
        enabled=True,
        warmup_enabled=True,
        warmup_state__in=(W.WARMING, W.HEALTHY, W.NEEDS_ATTENTION, W.READY),
    ).exclude(inventory_state=InventoryState.RELEASED)
    return [number for number in numbers if is_demo_number(number.number)]


def day_of(number: PhoneNumber, day) -> DailyStats | None:
    return DailyStats.objects.filter(phone_number=number, day=day).first()


def test_nothing_is_simulated_when_demo_traffic_is_off(demo, settings):
    settings.DEMO_TRAFFIC = False

    assert simulate_traffic(now=NOW) == {"skipped": "DEMO_TRAFFIC is off"}
    assert not MessageOutcome.objects.exists()
    assert not DailyStats.objects.exists()


def test_it_backfills_yesterday_once_and_reports_for_demo_numbers_only(demo):
    sending = sending_demo_numbers()
    assert demo["filtered"] in sending and len(sending) >= 10

    first = simulate_traffic(now=NOW)

    assert first["numbers"] == len(sending)
    assert (first["duplicates"], first["refused"]) == (0, 0)
    assert {stats.phone_number_id for stats in DailyStats.objects.filter(day=YESTERDAY)} == {
        number.pk for number in sending
    }
    assert day_of(demo["real"], YESTERDAY) is None and day_of(demo["real"], TODAY) is None
    assert not MessageOutcome.objects.exclude(message_id__startswith="demo-sim").exists()
    assert set(MessageOutcome.objects.values_list("phone_number_id", flat=True)) == {
        number.pk for number in sending
    }
    today = {number.pk: day_of(number, TODAY).sms_sent for number in sending}
    assert set(today.values()) == {PER_MINUTE}
    yesterday = list(DailyStats.objects.filter(day=YESTERDAY).order_by("pk").values())

    second = simulate_traffic(now=NOW + timedelta(minutes=1))

    assert second["accepted"] == 2 * PER_MINUTE * len(sending)  # a sent and a fate each
    assert list(DailyStats.objects.filter(day=YESTERDAY).order_by("pk").values()) == yesterday
    assert {number.pk: day_of(number, TODAY).sms_sent for number in sending} == {
        pk: sent + PER_MINUTE for pk, sent in today.items()
    }


def test_a_pass_advances_warming_demo_numbers_and_pauses_acme_s_filtered_number(demo):
    simulate_traffic(now=NOW)
    # The seed's "Healthy" and "Needs Attention" warmup states are ramped like Warming,
    # from the day their seeded progress says.
    warming = [n for n in sending_demo_numbers() if n.warmup_state != W.READY]
    adopted = {
        n.pk: plans.adopted_day(plan_for(n), n.warmup_state, n.warmup_progress_percent)
        for n in warming
    }
    warming.remove(demo["filtered"])

    run = engine.run_pass(now=NOW + timedelta(minutes=1))

    filtered = PhoneNumber.objects.get(pk=demo["filtered"].pk)
    assert filtered.business.name == FILTERED_BUSINESS
    assert filtered.warmup_state == W.PAUSED
    assert filtered.warmup_pause_reason.startswith("Paused automatically: Carrier rejections at")
    assert "carriers are filtering this number" in filtered.warmup_pause_reason
    warmup = NumberWarmup.objects.get(phone_number=filtered)
    assert warmup.pacing_status == PacingStatus.COOLING_DOWN
    # The demo plan of its business: a 10-minute cooldown, so the demo shows a recovery.
    assert BusinessWarmupPlan.objects.get(business=filtered.business).plan.name == DEMO_PLAN
    assert warmup.cooldown_until == NOW + timedelta(minutes=11)
    assert filtered.events.filter(type=EventType.WARMUP_PAUSED, actor_name="System").count() == 1
    assert run.paused == 1

    # Every fifth line "sent" a third of its allowance yesterday: held; the others advance.
    light = [n for n in warming if int(n.number[-1]) % 5 == 0]
    full = [n for n in warming if n not in light]
    assert full and light
    days = dict(NumberWarmup.objects.values_list("phone_number_id", "plan_day"))
    assert {n.number: days[n.pk] for n in full} == {
        n.number: min(adopted[n.pk] + 1, 21) for n in full
    }
    actions = dict(NumberWarmup.objects.values_list("phone_number_id", "last_action"))
    assert {n.number: actions[n.pk] for n in light} == {n.number: EngineAction.HELD for n in light}
    # (and the line that is not the demo's, with no traffic, waits for some)
    assert run.advanced + run.promoted == len(full) and run.held == len(light) + 1
    # Demo traffic is clean apart from the filtered number: no other number is held or
    # needs attention for noise in a small sample.
    attention = PhoneNumber.objects.filter(
        pk__in=[n.pk for n in sending_demo_numbers()], health_status=W.NEEDS_ATTENTION
    )
    assert not attention.exists()


def test_after_the_demo_plan_s_cooldown_the_filtered_number_resumes(demo):
    simulate_traffic(now=NOW)
    engine.run_pass(now=NOW + timedelta(minutes=1))

    later = NOW + timedelta(minutes=12)
    simulate_traffic(now=later)
    run = engine.run_pass(now=later)

    filtered = PhoneNumber.objects.get(pk=demo["filtered"].pk)
    assert (run.resumed, run.paused) == (1, 0)
    assert filtered.warmup_state == W.WARMING
    assert filtered.warmup_pause_reason is None
    warmup = NumberWarmup.objects.get(phone_number=filtered)
    assert warmup.last_action == EngineAction.RESUMED and not warmup.auto_paused
    resumed = filtered.events.get(type=EventType.WARMUP_RESUMED)
    assert resumed.actor_name == "System"
    # Recovered: its traffic from now on is clean.
    before = day_of(filtered, TODAY).sms_carrier_rejected
    simulate_traffic(now=later + timedelta(minutes=1))
    assert day_of(filtered, TODAY).sms_carrier_rejected == before
    assert (
        PhoneNumberEvent.objects.filter(phone_number=filtered, type=EventType.WARMUP_PAUSED).count()
        == 1
    )
