"""The warmup admin: staff edit plans (one default, swapped in one transaction), choose
plans for businesses and numbers (a number's change is in its history), and read the
engine's runs and the daily stats."""

import json
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from phonenumbers_app.models import PhoneNumberEvent
from phonenumbers_app.vocabularies import EventType
from tests.factories import PhoneNumberFactory, UserFactory
from tests.warmup_factories import (
    DailyStatsFactory,
    EngineRunFactory,
    NumberWarmupFactory,
    WarmupPlanFactory,
)
from warmup.admin import WarmupPlanForm
from warmup.models import BusinessWarmupPlan, NumberWarmup, WarmupPlan
from warmup.selectors import default_plan

pytestmark = pytest.mark.django_db

PLANS = "admin:warmup_warmupplan"


def plans_state() -> list[dict]:
    return list(WarmupPlan.objects.order_by("pk").values())


def form_data(plan: WarmupPlan, **changes) -> dict:
    """What the change form posts for `plan` as it is, with `changes`."""
    data = {}
    for name in WarmupPlanForm.base_fields:
        value = changes.get(name, getattr(plan, name))
        if name == "voice_stage_daily":
            data[name] = value if isinstance(value, str) else json.dumps(value)
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    return data


def post_plan(client, plan: WarmupPlan | None, **changes):
    if plan is None:
        return client.post(reverse(f"{PLANS}_add"), form_data(WarmupPlan(), **changes))
    return client.post(reverse(f"{PLANS}_change", args=[plan.pk]), form_data(plan, **changes))


@pytest.mark.parametrize(
    "model", ["warmupplan", "businesswarmupplan", "numberwarmup", "enginerun", "dailystats"]
)
def test_changelists_render_with_rows(admin_client, business, model):
    number = PhoneNumberFactory(business=business)
    NumberWarmupFactory(phone_number=number)
    DailyStatsFactory(phone_number=number, sms_sent=3)
    EngineRunFactory(finished_at=timezone.now())
    BusinessWarmupPlan.objects.create(business=business, plan=default_plan())

    response = admin_client.get(reverse(f"admin:warmup_{model}_changelist"))

    assert response.status_code == HTTPStatus.OK
    assert response.context["cl"].result_count == 1 or model == "warmupplan"


def test_warmup_admin_pages_need_nothing_inline(admin_client, business):
    from tests.pages.test_content_security_policy import (
        assert_strict_and_needed_by_nothing_inline,
    )

    number = PhoneNumberFactory(business=business)
    NumberWarmupFactory(phone_number=number)
    run = EngineRunFactory(finished_at=timezone.now(), error="boom")
    for url in (
        reverse(f"{PLANS}_change", args=[default_plan().pk]),
        reverse(f"{PLANS}_add"),
        reverse("admin:warmup_numberwarmup_change", args=[number.pk]),
        reverse("admin:warmup_enginerun_change", args=[run.pk]),
        reverse("admin:warmup_dailystats_changelist"),
    ):
        assert_strict_and_needed_by_nothing_inline(admin_client.get(url))


class TestPlans:
    def test_staff_edit_a_plan_and_see_its_ramp(self, admin_client):
        plan = default_plan()

        response = post_plan(admin_client, plan, sms_daily_target=2000, duration_days=14)

        assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
        plan.refresh_from_db()
        assert (plan.sms_daily_target, plan.duration_days) == (2000, 14)
        page = admin_client.get(reverse(f"{PLANS}_change", args=[plan.pk])).content.decode()
        assert "<th>SMS a day</th>" in page
        assert "<tr><td>14</td><td>2000</td>" in page

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"sms_daily_start": 50, "sms_daily_target": 40}, "sms_daily_target", "at least"),
            ({"voice_stage_daily": "[10, 20, 30, 40]"}, "voice_stage_daily", "Exactly 5"),
            ({"voice_stage_daily": "[10, 20, 30, 40, -1]"}, "voice_stage_daily", "Exactly 5"),
            ({"voice_stage_daily": '{"a": 1}'}, "voice_stage_daily", "Exactly 5"),
            (
                {"delivery_pause_percent": "97", "delivery_target_percent": "95"},
                "delivery_pause_percent",
                "must not exceed",
            ),
            ({"duration_days": 0}, "duration_days", "greater than or equal to 1"),
        ],
    )
    def test_a_bad_plan_is_refused_on_the_form_and_changes_nothing(
        self, admin_client, changes, field, message
    ):
        plan = default_plan()
        before = plans_state()

        response = post_plan(admin_client, plan, **changes)

        assert response.status_code == HTTPStatus.OK
        errors = response.context["adminform"].form.errors
        assert message in " ".join(errors[field]), errors
        assert plans_state() == before

    def test_a_name_taken_is_refused(self, admin_client):
        WarmupPlanFactory(name="Fast")
        before = plans_state()

        response = post_plan(admin_client, None, name="Fast")

        assert "already exists" in str(response.context["adminform"].form.errors["name"])
        assert plans_state() == before

    def test_marking_a_plan_default_unmarks_the_previous_one(self, admin_client):
        previous = default_plan()
        fast = WarmupPlanFactory(name="Fast", duration_days=10)

        response = post_plan(admin_client, fast, is_default=True)

        assert response.status_code == HTTPStatus.FOUND
        assert list(WarmupPlan.objects.filter(is_default=True)) == [fast]
        previous.refresh_from_db()
        assert previous.is_default is False
        followed = admin_client.get(response["Location"]).content.decode()
        assert f"Fast is now the default plan, instead of {previous.name}." in followed

    def test_a_new_plan_added_as_default_takes_over(self, admin_client):
        previous = default_plan()

        response = post_plan(admin_client, None, name="Brand new", is_default=True)

        assert response.status_code == HTTPStatus.FOUND
        assert default_plan().name == "Brand new"
        assert WarmupPlan.objects.get(pk=previous.pk).is_default is False

    def test_the_default_cannot_be_unmarked_or_deleted(self, admin_client):
        plan = default_plan()
        before = plans_state()

        unmarked = post_plan(admin_client, plan, is_default=False)
        deleted = admin_client.post(reverse(f"{PLANS}_delete", args=[plan.pk]), {"post": "yes"})

        assert "mark another plan default instead" in str(
            unmarked.context["adminform"].form.errors["is_default"]
        )
        assert deleted.status_code == HTTPStatus.FORBIDDEN
        assert plans_state() == before

    def test_a_plan_in_use_is_not_deleted(self, admin_client, business):
        plan = WarmupPlanFactory(name="Used")
        BusinessWarmupPlan.objects.create(business=business, plan=plan)

        admin_client.post(reverse(f"{PLANS}_delete", args=[plan.pk]), {"post": "yes"})

        assert WarmupPlan.objects.filter(pk=plan.pk).exists()

    def test_an_unused_plan_is_deleted(self, admin_client):
        plan = WarmupPlanFactory(name="Spare")

        admin_client.post(reverse(f"{PLANS}_delete", args=[plan.pk]), {"post": "yes"})

        assert not WarmupPlan.objects.filter(pk=plan.pk).exists()

    def test_staff_without_the_change_permission_cannot_edit(self, client):
        user = UserFactory(username="viewer", is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="view_warmupplan"))
        client.force_login(user)
        plan = default_plan()
        before = plans_state()

        response = post_plan(client, plan, sms_daily_target=5000)

        assert response.status_code == HTTPStatus.FORBIDDEN
        assert plans_state() == before


class TestPlanChoices:
    def test_a_business_plan_is_chosen_and_removed(self, admin_client, business):
        plan = WarmupPlanFactory(name="Gentle")

        added = admin_client.post(
            reverse("admin:warmup_businesswarmupplan_add"),
            {"business": str(business.pk), "plan": str(plan.pk)},
        )
        admin_client.post(
            reverse("admin:warmup_businesswarmupplan_delete", args=[business.pk]), {"post": "yes"}
        )

        assert added.status_code == HTTPStatus.FOUND
        assert not BusinessWarmupPlan.objects.exists()

    def test_a_number_s_own_plan_is_chosen_with_an_event_in_its_history(
        self, admin_client, admin_user, business
    ):
        number = PhoneNumberFactory(business=business)
        fast = WarmupPlanFactory(name="Fast")
        add_url = reverse("admin:warmup_numberwarmup_add") + f"?phone_number={number.pk}"
        assert f'value="{number.pk}"' in admin_client.get(add_url).content.decode()

        response = admin_client.post(
            reverse("admin:warmup_numberwarmup_add"),
            {"phone_number": str(number.pk), "plan": str(fast.pk)},
        )

        assert response.status_code == HTTPStatus.FOUND
        assert NumberWarmup.objects.get(phone_number=number).plan == fast
        event = PhoneNumberEvent.objects.get(phone_number=number)
        assert (event.type, event.title, event.actor) == (
            EventType.UPDATED,
            "Warmup plan changed",
            admin_user,
        )
        assert event.data == {"before": {"warmupPlan": None}, "after": {"warmupPlan": str(fast.pk)}}
        assert "→ Fast" in event.details

    def test_changing_a_number_s_plan_keeps_the_engine_s_state(self, admin_client, business):
        number = PhoneNumberFactory(business=business)
        fast = WarmupPlanFactory(name="Fast")
        NumberWarmupFactory(phone_number=number, plan=fast, plan_day=6, last_action="held")

        admin_client.post(
            reverse("admin:warmup_numberwarmup_change", args=[number.pk]),
            {"plan": "", "plan_day": 1, "last_action": ""},
        )

        warmup = NumberWarmup.objects.get(phone_number=number)
        assert (warmup.plan, warmup.plan_day, warmup.last_action) == (None, 6, "held")
        event = PhoneNumberEvent.objects.get(phone_number=number)
        assert event.data == {"before": {"warmupPlan": str(fast.pk)}, "after": {"warmupPlan": None}}

    def test_a_released_number_s_plan_does_not_change(self, admin_client, business):
        gone = PhoneNumberFactory(business=business, inventory_state="Released")
        fast = WarmupPlanFactory(name="Fast")

        response = admin_client.post(
            reverse("admin:warmup_numberwarmup_add"),
            {"phone_number": str(gone.pk), "plan": str(fast.pk)},
        )

        assert response.status_code == HTTPStatus.OK
        assert "is released" in str(response.context["adminform"].form.errors)
        assert not NumberWarmup.objects.exists()
        assert not PhoneNumberEvent.objects.exists()

    def test_number_warmups_are_found_by_number(self, admin_client, business):
        mine = PhoneNumberFactory(business=business, number="+14155552671")
        other = PhoneNumberFactory(business=business)
        NumberWarmupFactory(phone_number=mine)
        NumberWarmupFactory(phone_number=other)

        response = admin_client.get(
            reverse("admin:warmup_numberwarmup_changelist"), {"q": "(415) 555-2671"}
        )

        assert [row.phone_number for row in response.context["cl"].result_list] == [mine]


class TestReadOnlyRecords:
    @pytest.mark.parametrize("model", ["enginerun", "dailystats"])
    def test_nobody_adds_or_edits_them(self, admin_client, model):
        assert admin_client.get(reverse(f"admin:warmup_{model}_add")).status_code == 403

    def test_engine_runs_newest_first_with_duration_and_error(self, admin_client):
        now = timezone.now()
        EngineRunFactory(started_at=now - timedelta(hours=1), finished_at=now)
        EngineRunFactory(
            started_at=now, finished_at=now + timedelta(seconds=2), status="failed", error="boom\nx"
        )

        response = admin_client.get(reverse("admin:warmup_enginerun_changelist"))

        rows = response.context["cl"].result_list
        assert [run.status for run in rows] == ["failed", "succeeded"]
        body = response.content.decode()
        assert "2.0 s" in body and "boom" in body

    def test_daily_stats_filter_by_day_and_search_by_number(self, admin_client, business):
        mine = PhoneNumberFactory(business=business, number="+14155552671")
        other = PhoneNumberFactory(business=business)
        today = timezone.localdate()
        DailyStatsFactory(phone_number=mine, day=today)
        old = DailyStatsFactory(phone_number=mine, day=today - timedelta(days=10))
        DailyStatsFactory(phone_number=other, day=today)
        url = reverse("admin:warmup_dailystats_changelist")

        found = admin_client.get(url, {"q": "+1 415 555 2671"}).context["cl"].result_list
        dated = (
            admin_client.get(
                url,
                {
                    "q": "4155552671",
                    "day__gte": (today - timedelta(days=11)).isoformat(),
                    "day__lt": (today - timedelta(days=9)).isoformat(),
                },
            )
            .context["cl"]
            .result_list
        )

        assert {row.phone_number_id for row in found} == {mine.pk}
        assert len(found) == 2
        assert list(dated) == [old]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_marking_two_plans_default_at_once_leave_one_default():
    from django.test import Client

    from tests.concurrently import all_at_once

    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    plans = [WarmupPlanFactory(name=f"Race {index}") for index in range(2)]
    clients = []
    for _ in plans:
        client = Client()
        client.force_login(staff)
        clients.append(client)

    results = all_at_once(
        [
            lambda client=client, plan=plan: post_plan(client, plan, is_default=True).status_code
            for client, plan in zip(clients, plans, strict=True)
        ]
    )

    assert results == [HTTPStatus.FOUND, HTTPStatus.FOUND]
    defaults = list(WarmupPlan.objects.filter(is_default=True))
    assert len(defaults) == 1
    assert defaults[0] in plans
