"""The warmup on the operator pages: a number's last 30 days, capacity, plan and the
engine's last action; the engine's last run on the dashboard."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from phonenumbers_app import services
from tests.conftest import DEAD_REDIS_URL
from tests.factories import PhoneNumberFactory, UserFactory
from tests.pages.test_content_security_policy import assert_strict_and_needed_by_nothing_inline
from tests.rate_windows import start_of_a_fresh_window
from tests.warmup_factories import (
    DailyStatsFactory,
    EngineRunFactory,
    NumberWarmupFactory,
    WarmupPlanFactory,
)
from warmup import capacity
from warmup.clock import eastern_day
from warmup.models import BusinessWarmupPlan, EngineRun
from warmup.plans import limits
from warmup.selectors import default_plan

pytestmark = pytest.mark.django_db


def page(client, number) -> str:
    response = client.get(reverse("ops:number", args=[number.pk]))
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def engine_card(body: str) -> str:
    return body.split('id="warmup-engine"')[1].split('id="timeline-title"')[0]


def today():
    return eastern_day(timezone.now())


@pytest.fixture
def number(business):
    return PhoneNumberFactory(business=business, warmup_enabled=True)


@pytest.fixture
def warming(number):
    NumberWarmupFactory(
        phone_number=number,
        plan_day=5,
        pacing_status="warmup",
        last_action="advanced",
        last_action_reason="Used 92% of yesterday's 40 SMS with 98% delivered.",
        last_action_at=timezone.now(),
        evaluated_at=timezone.now(),
    )
    return number


class TestNumberPageWithoutData:
    def test_no_engine_row_and_no_stats_say_so_with_the_plan_that_applies(
        self, admin_client, number
    ):
        card = engine_card(page(admin_client, number))

        assert default_plan().name in card
        assert "(the default)" in card
        assert "Not started (day 0 of 21)" in card
        assert "Not evaluated by the engine yet." in card
        assert "None yet." in card
        assert "No messages or calls reported for Acme Roofing" in card
        assert "<svg" not in card

    def test_a_pool_number_has_no_stats_of_its_own(self, admin_client):
        pool = PhoneNumberFactory()

        card = engine_card(page(admin_client, pool))

        assert "In the inventory pool" in card

    def test_capacity_shows_the_day_one_limits_and_nothing_used(self, admin_client, number):
        first = limits(default_plan(), 1)

        card = engine_card(page(admin_client, number))

        capacity_table = card.split('id="capacity"')[1]
        assert f"<td>0 / {first.sms_minute}</td>" in capacity_table
        assert f"<td>0 / {first.sms_day}</td>" in capacity_table
        assert f"<td>0 / {first.voice_day}</td>" in capacity_table
        assert "EST" in capacity_table or "EDT" in capacity_table


class TestNumberPageWithData:
    def test_plan_day_pacing_and_the_reason_of_the_last_action(self, admin_client, warming):
        card = engine_card(page(admin_client, warming))

        assert "Day 5 of 21" in card
        assert '<span class="badge badge-warming-up">Warming up</span>' in card
        assert "<strong>Advanced</strong>" in card
        assert "Used 92% of yesterday&#x27;s 40 SMS with 98% delivered." in card

    def test_auto_pause_and_cooldown_are_shown(self, admin_client, number):
        NumberWarmupFactory(
            phone_number=number,
            plan_day=8,
            pacing_status="cooling_down",
            auto_paused=True,
            cooldown_until=timezone.now() + timedelta(hours=20),
            last_action="paused",
            last_action_reason="Carrier rejections rose to 9% over the last 7 days (limit 5%).",
        )

        card = engine_card(page(admin_client, number))

        assert '<span class="badge badge-cooling-down">Cooling down</span>' in card
        assert "Paused automatically" in card
        assert "Cooling down until" in card
        assert "Carrier rejections rose to 9%" in card

    def test_thirty_days_chart_with_each_day_s_limit_counted_back(self, admin_client, warming):
        plan = default_plan()
        DailyStatsFactory(
            phone_number=warming, day=today(), sms_sent=30, sms_delivered=27, sms_failed=3
        )
        DailyStatsFactory(
            phone_number=warming,
            day=today() - timedelta(days=1),
            sms_sent=500,
            sms_delivered=400,
            sms_carrier_rejected=100,
            opt_outs=4,
            recipients=80,
        )

        response = admin_client.get(reverse("ops:number", args=[warming.pk]))
        card = engine_card(response.content.decode())

        assert card.count('<figure class="chart day-chart">') == 3
        assert card.count('<g class="day">') == 90
        yesterday = (today() - timedelta(days=1)).isoformat()
        assert (
            f"<title>{today().isoformat()}: 30 sent of {limits(plan, 5).sms_day} allowed "
            "(plan day 5)</title>"
        ) in card
        assert (
            f"<title>{yesterday}: 500 sent of {limits(plan, 4).sms_day} allowed "
            "(plan day 4)</title>"
        ) in card
        assert f"<title>{yesterday}: 80% delivered (400 of 500)</title>" in card
        assert f"<title>{yesterday}: 4 opt-out(s), 80 recipient(s)</title>" in card
        # Plan day 5 today: six days back the number had not started.
        five_back = (today() - timedelta(days=5)).isoformat()
        assert f"<title>{five_back}: 0 sent (before the warmup: no limit known)</title>" in card
        assert "1 day(s) over the limit" in card
        assert 'class="col col-warn"' in card
        assert "approximate" in card
        # The table fallback, newest first.
        table = card.split('<details class="day-table">')[1]
        assert table.index(today().isoformat()) < table.index(yesterday)
        assert "<td>400 / 500</td><td>80.0%</td><td>4</td><td>80</td>" in table

    def test_delivery_under_the_target_is_amber_and_under_the_pause_line_red(
        self, admin_client, warming
    ):
        DailyStatsFactory(phone_number=warming, day=today(), sms_delivered=90, sms_failed=10)
        DailyStatsFactory(
            phone_number=warming, day=today() - timedelta(days=1), sms_delivered=70, sms_failed=30
        )

        delivery = engine_card(page(admin_client, warming)).split("<h4>Delivery rate</h4>")[1]
        delivery = delivery.split("</figure>")[0]

        assert delivery.count('class="col col-low"') == 1
        assert delivery.count('class="col col-warn"') == 1
        assert "target 95%" in delivery and "pauses below it (85%)" in delivery

    def test_a_number_past_its_plan_s_last_day_says_it_completed(self, admin_client, number):
        NumberWarmupFactory(phone_number=number, plan_day=25, pacing_status="healthy")

        card = engine_card(page(admin_client, number))

        assert "Plan completed (day 25; the plan has 21)" in card

    def test_a_plan_chosen_for_the_business_is_the_one_shown(self, admin_client, warming, business):
        plan = WarmupPlanFactory(name="Gentle (30 days)", duration_days=30)
        BusinessWarmupPlan.objects.create(business=business, plan=plan)

        card = engine_card(page(admin_client, warming))

        assert "Gentle (30 days)" in card
        assert "chosen for Acme Roofing" in card
        assert "Day 5 of 30" in card

    def test_used_capacity_comes_from_the_shared_counters(self, admin_client, warming):
        start_of_a_fresh_window(60)  # the minute (so hour and day) the page reads too
        now = timezone.now()
        capacity.record_usage({(warming.pk, capacity.SMS, now): 3}, now=now)
        current = limits(default_plan(), 5)

        card = engine_card(page(admin_client, warming))

        table = card.split('id="capacity"')[1]
        assert f"<td>3 / {current.sms_minute}</td>" in table
        assert f"<td>3 / {current.sms_day}</td>" in table

    def test_counters_unavailable_is_said_and_the_rest_still_shows(
        self, admin_client, warming, settings
    ):
        DailyStatsFactory(phone_number=warming, sms_sent=5)
        settings.REDIS_URL = DEAD_REDIS_URL
        capacity.redis_client.cache_clear()
        try:
            card = engine_card(page(admin_client, warming))
        finally:
            capacity.redis_client.cache_clear()

        assert "Counters unavailable" in card
        assert "Day 5 of 21" in card
        assert card.count('<figure class="chart day-chart">') == 3


class TestOwnership:
    def test_the_previous_owner_s_stats_are_not_shown_after_a_move(
        self, admin_client, admin_user, warming, business, other_business
    ):
        DailyStatsFactory(phone_number=warming, business=business, sms_sent=777)
        services.phone_number_update(
            phone_number=warming, acting_user=admin_user, business=other_business
        )
        warming.refresh_from_db()

        moved = engine_card(page(admin_client, warming))
        DailyStatsFactory(phone_number=warming, business=other_business, sms_sent=12)
        with_new_owner = engine_card(page(admin_client, warming))

        # As a chart column's title or a table cell, not inside an id (ids are random).
        for card in (moved, with_new_owner):
            assert ": 777 sent" not in card
            assert ">777<" not in card
        assert "No messages or calls reported for Other Co" in moved
        assert f"<title>{today().isoformat()}: 12 sent" in with_new_owner


class TestAccess:
    def test_staff_without_permissions_see_the_page_as_the_other_pages(self, client, warming):
        client.force_login(UserFactory(username="viewer", is_staff=True))

        body = page(client, warming)

        assert "Day 5 of 21" in body

    def test_non_staff_are_sent_to_log_in(self, client, warming):
        client.force_login(UserFactory(username="tenant"))

        response = client.get(reverse("ops:number", args=[warming.pk]))

        assert response.status_code == HTTPStatus.FOUND
        assert "/admin/login/" in response["Location"]

    def test_page_with_charts_and_dashboard_with_a_run_need_nothing_inline(
        self, admin_client, warming
    ):
        DailyStatsFactory(phone_number=warming, sms_sent=5, sms_delivered=5)
        EngineRunFactory(finished_at=timezone.now(), error="boom")

        for url in (reverse("ops:number", args=[warming.pk]), reverse("ops:dashboard")):
            assert_strict_and_needed_by_nothing_inline(admin_client.get(url))


class TestQueryCounts:
    def test_number_page_reads_as_much_for_thirty_days_of_stats_as_for_one(
        self, admin_client, warming
    ):
        DailyStatsFactory(phone_number=warming, sms_sent=1)
        admin_client.get(reverse("ops:number", args=[warming.pk]))  # session, caches
        with CaptureQueriesContext(connection) as one_day:
            admin_client.get(reverse("ops:number", args=[warming.pk]))
        for back in range(1, 30):
            DailyStatsFactory(
                phone_number=warming, day=today() - timedelta(days=back), sms_sent=back
            )

        with CaptureQueriesContext(connection) as thirty_days:
            response = admin_client.get(reverse("ops:number", args=[warming.pk]))

        assert len(thirty_days) == len(one_day)
        assert response.content.decode().count('<g class="day">') == 90
        stats_sql = [
            q["sql"] for q in thirty_days.captured_queries if "warmup_dailystats" in q["sql"]
        ]
        assert len(stats_sql) == 1

    def test_dashboard_reads_as_much_whatever_the_runs(self, admin_client):
        EngineRunFactory(finished_at=timezone.now())
        admin_client.get(reverse("ops:dashboard"))
        with CaptureQueriesContext(connection) as few:
            admin_client.get(reverse("ops:dashboard"))
        for _ in range(20):
            EngineRunFactory(finished_at=timezone.now())

        with CaptureQueriesContext(connection) as many:
            admin_client.get(reverse("ops:dashboard"))

        assert len(many) == len(few)


class TestDashboardEngine:
    def test_never_run(self, admin_client):
        body = admin_client.get(reverse("ops:dashboard")).content.decode()

        assert 'id="engine-never-ran"' in body
        assert "The warmup engine has never run" in body

    def test_last_run_with_its_duration_and_counts(self, admin_client):
        started = timezone.now() - timedelta(minutes=5)
        EngineRunFactory(started_at=started - timedelta(hours=1), finished_at=started)
        EngineRunFactory(
            started_at=started,
            finished_at=started + timedelta(seconds=83),
            evaluated=1_000_000,
            changed=1200,
            paused=17,
            promoted=40,
            advanced=1100,
            held=43,
        )

        card = (
            admin_client.get(reverse("ops:dashboard"))
            .content.decode()
            .split('id="engine-run"')[1]
            .split("</section>")[0]
        )

        assert '<span class="badge badge-succeeded">Succeeded</span>' in card
        assert "<dt>Took</dt><dd>1 min 23 s</dd>" in card
        assert "1,000,000 evaluated" in card or "1000000 evaluated" in card
        assert "17 paused, 40 promoted to Ready" in card
        assert reverse("admin:warmup_enginerun_changelist") in card

    def test_a_failed_run_shows_its_error(self, admin_client):
        EngineRunFactory(
            status=EngineRun.Status.FAILED,
            finished_at=timezone.now(),
            error="OperationalError: could not obtain lock on row in relation",
        )

        body = admin_client.get(reverse("ops:dashboard")).content.decode()

        assert '<span class="badge badge-failed">Failed</span>' in body
        assert "OperationalError: could not obtain lock on row in relation" in body

    def test_a_running_run_shows_progress_and_the_run_before(self, admin_client):
        before = timezone.now() - timedelta(minutes=10)
        EngineRunFactory(started_at=before, finished_at=before + timedelta(seconds=4), paused=2)
        EngineRunFactory(status=EngineRun.Status.RUNNING, chunks_total=10, chunks_done=3)

        body = admin_client.get(reverse("ops:dashboard")).content.decode()

        assert "3 of 10 chunks" in body
        assert "<dt>Run before</dt>" in body
        assert "2 paused" in body

    def test_task_results_are_linked_where_celery_results_are_kept(self, admin_client):
        from django.apps import apps

        body = admin_client.get(reverse("ops:dashboard")).content.decode()

        assert ("Task results" in body) == apps.is_installed("django_celery_results")
