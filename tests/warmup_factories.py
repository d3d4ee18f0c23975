"""Rows of the warmup app for set-up only (what the engine and POST /message-outcomes
write); tests of writes use the services."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from warmup.clock import eastern_day
from warmup.models import DailyStats, EngineRun, NumberWarmup, WarmupPlan


class WarmupPlanFactory(DjangoModelFactory):
    class Meta:
        model = WarmupPlan

    name = factory.Sequence(lambda n: f"Plan {n}")


class NumberWarmupFactory(DjangoModelFactory):
    class Meta:
        model = NumberWarmup

    plan_day = 1
    pacing_status = "warmup"


class DailyStatsFactory(DjangoModelFactory):
    """A day of a number for its current owner unless `business` says otherwise."""

    class Meta:
        model = DailyStats

    business = factory.LazyAttribute(lambda o: o.phone_number.business)
    day = factory.LazyFunction(lambda: eastern_day(timezone.now()))


class EngineRunFactory(DjangoModelFactory):
    class Meta:
        model = EngineRun

    trigger = "beat"
    status = EngineRun.Status.SUCCEEDED
