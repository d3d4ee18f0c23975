"""event_changes: every kind of event the services write, read back as its changes for
people (labels, values) and as the API's raw values, in one order on both databases."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from phonenumbers_app import services
from phonenumbers_app.event_changes import (
    Change,
    changes_by_event,
    event_changes,
    label,
    raw_changes,
    value_text,
)
from phonenumbers_app.models import PhoneNumberEvent
from phonenumbers_app.vocabularies import EventType, InventoryState
from phonenumbers_app.vocabularies import WarmupHealthState as W
from tests.factories import BusinessFactory, PhoneNumberFactory, UserFactory
from warmup import engine
from warmup.models import DailyStats, NumberWarmup, WarmupPlan
from warmup.services.plans import number_plan_set


def shown(event: PhoneNumberEvent) -> dict[str, tuple[str, str]]:
    """{label: (before, after)} as the staff pages show the event."""
    return {c.label: (c.before, c.after) for c in changes_by_event([event])[event.pk]}


def latest(number, type: str | None = None) -> PhoneNumberEvent:
    events = PhoneNumberEvent.objects.filter(phone_number=number)
    if type:
        events = events.filter(type=type)
    return events.order_by("-created_at", "-id").first()


@pytest.fixture
def admin_user(db):
    return UserFactory(username="demo-admin", first_name="Demo", last_name="Admin", is_staff=True)


@pytest.fixture
def owned(business, admin_user):
    return services.phone_number_create(
        acting_user=admin_user, name="Sales line", number="+14155552671", business=business
    )


class TestEveryEventType:
    def test_created_lists_what_the_number_starts_with(self, admin_user, business):
        number = services.phone_number_create(
            acting_user=admin_user, name="Sales line", number="+14155552671", business=business
        )
        changes = shown(latest(number, EventType.CREATED))
        assert changes["Number"] == ("—", "+14155552671")
        assert changes["Name"] == ("—", "Sales line")
        assert changes["Business"] == ("—", "Acme Roofing")  # its name, not its id
        assert changes["Inventory state"] == ("—", "Assigned")
        assert changes["Enabled"] == ("—", "Yes")

    def test_updated_name(self, owned, admin_user):
        services.phone_number_update(
            phone_number=owned, acting_user=admin_user, fields={"name": "Support line"}
        )
        event = latest(owned)
        assert event.type == EventType.UPDATED
        assert event_changes(event) == [Change("name", "Name", "Sales line", "Support line")]
        assert raw_changes(event.data) == [("name", "Sales line", "Support line")]

    def test_updated_10dlc_billing_and_warmup_fields_read_for_people(self, owned, admin_user):
        services.phone_number_update(
            phone_number=owned,
            acting_user=admin_user,
            fields={
                "warmup_enabled": True,
                "warmup_progress_percent": 40,
                "warmup_next_action_at": datetime(2026, 11, 28, 14, 5, 9, tzinfo=UTC),
            },
            ten_dlc={"campaign_status": "Approved"},
            billing={"monthly_amount": Decimal("1234.5")},
        )
        changes = shown(latest(owned))
        assert changes["10DLC campaign status"] == ("—", "Approved")
        assert changes["Monthly amount"] == ("—", "$1,234.50 USD")
        assert changes["Warmup enabled"] == ("No", "Yes")
        assert changes["Warmup progress"] == ("0%", "40%")
        assert changes["Next warmup action"] == ("—", "2026-11-28 09:05 EST")

    def test_state_changed(self, owned, admin_user):
        services.phone_number_update(
            phone_number=owned,
            acting_user=admin_user,
            fields={"inventory_state": InventoryState.SUSPENDED},
        )
        event = latest(owned)
        assert event.type == EventType.STATE_CHANGED
        assert shown(event)["Inventory state"] == ("Assigned", "Suspended")

    def test_default_taken_from_another_number_is_recorded_on_it(self, business, admin_user):
        first = services.phone_number_create(
            acting_user=admin_user, name="One", number="+14155552671", business=business
        )
        second = services.phone_number_create(
            acting_user=admin_user, name="Two", number="+14155552672", business=business
        )
        services.phone_number_update(
            phone_number=first, acting_user=admin_user, fields={"is_default": True}
        )
        services.phone_number_update(
            phone_number=second, acting_user=admin_user, fields={"is_default": True}
        )
        assert shown(latest(first))["Default number"] == ("Yes", "No")
        assert shown(latest(second))["Default number"] == ("No", "Yes")

    def test_moved_to_another_business_unassigned_then_assigned(
        self, owned, admin_user, other_business
    ):
        services.phone_number_update(
            phone_number=owned,
            acting_user=admin_user,
            fields={"team_id": "team-7"},
        )
        services.phone_number_update(
            phone_number=owned, acting_user=admin_user, business=other_business
        )
        left = shown(latest(owned, EventType.UNASSIGNED))
        assert left["Business"] == ("Acme Roofing", "—")  # no word of the new owner
        assert left["Team ID"] == ("team-7", "—")
        arrived = shown(latest(owned, EventType.ASSIGNED))
        assert arrived["Business"] == ("—", "Other Co")
        assert "Team ID" not in arrived  # never the previous owner's values

    def test_claimed_from_the_pool(self, admin_user, business):
        member = UserFactory(username="jo", first_name="Jo", last_name="Tenant")
        PhoneNumberFactory(number="+14155550100", name="+14155550100")
        number = services.phone_number_claim(business=business, acting_user=member, name="Claimed")
        changes = shown(latest(number, EventType.ASSIGNED))
        assert changes["Business"] == ("—", "Acme Roofing")
        assert changes["User"] == ("—", "Jo Tenant")
        assert changes["Inventory state"] == ("Available", "Assigned")
        assert changes["Name"] == ("+14155550100", "Claimed")

    def test_released(self, owned, admin_user):
        services.phone_number_update(
            phone_number=owned, acting_user=admin_user, billing={"channel": "stripe"}
        )
        services.phone_number_release(phone_number=owned, acting_user=admin_user)
        changes = shown(latest(owned, EventType.RELEASED))
        assert changes["Inventory state"] == ("Assigned", "Released")
        assert changes["Enabled"] == ("Yes", "No")
        assert changes["Billing channel"] == ("stripe", "—")
        assert changes["Released at the provider"][0] == "—"
        assert changes["Released at the provider"][1].endswith((" EST", " EDT"))

    def test_warmup_paused_and_resumed(self, owned, admin_user):
        services.phone_number_update(
            phone_number=owned,
            acting_user=admin_user,
            fields={"warmup_enabled": True, "warmup_state": W.WARMING},
        )
        services.phone_number_warmup_pause(
            phone_number=owned, acting_user=admin_user, reason="Carrier complaint"
        )
        paused = shown(latest(owned, EventType.WARMUP_PAUSED))
        assert paused == {
            "Warmup state": ("Warming", "Paused"),
            "Warmup pause reason": ("—", "Carrier complaint"),
        }
        services.phone_number_warmup_resume(phone_number=owned, acting_user=admin_user)
        resumed = shown(latest(owned, EventType.WARMUP_RESUMED))
        assert resumed["Warmup state"] == ("Paused", "Warming")
        assert resumed["Warmup pause reason"] == ("Carrier complaint", "—")

    def test_warmup_plan_changed_names_the_plans(self, owned, admin_user):
        plan = WarmupPlan.objects.create(name="Gentle ramp")
        number_plan_set(phone_number=owned, plan=plan, acting_user=admin_user)
        assert shown(latest(owned))["Warmup plan"] == ("Business's or default plan", "Gentle ramp")

    def test_engine_events_show_the_plan_day_and_scores(self, business):
        number = PhoneNumberFactory(
            business=business, warmup_enabled=True, warmup_state=W.WARMING, health_status=W.HEALTHY
        )
        today = date(2026, 11, 27)
        NumberWarmup.objects.create(
            phone_number=number, plan_day=5, evaluated_day=today - timedelta(days=1)
        )
        DailyStats.objects.create(
            phone_number=number,
            business_id=business.pk,
            day=today - timedelta(days=1),
            sms_sent=40,
            sms_delivered=40,
            updated_at=datetime(2026, 11, 27, 14, 0, tzinfo=UTC),
        )
        engine.run_pass(now=datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
        changes = shown(latest(number, EventType.WARMUP_ADVANCED))
        assert changes["Plan day"] == ("5", "6")
        assert changes["Warmup progress"] == ("0%", "24%")

    def test_imported_and_updated_by_an_import(self, tmp_path: Path, business):
        path = tmp_path / "in.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["number", "businessId"])
            writer.writerow(["+12015550100", str(business.pk)])
        call_command("import_phone_numbers", str(path), "--no-progress", stdout=io.StringIO())
        event = PhoneNumberEvent.objects.get(type=EventType.IMPORTED)
        assert shown(event)["Business"] == ("—", "Acme Roofing")
        assert shown(event)["Number"] == ("—", "+12015550100")

        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["number", "name", "billingMonthlyAmount"])
            writer.writerow(["+12015550100", "Imported name", "2.5"])
        call_command(
            "import_phone_numbers",
            str(path),
            "--on-conflict",
            "update",
            "--no-progress",
            stdout=io.StringIO(),
        )
        updated = shown(PhoneNumberEvent.objects.get(type=EventType.UPDATED))
        assert updated["Name"] == ("+12015550100", "Imported name")
        assert updated["Monthly amount"] == ("—", "$2.50 USD")


class TestReading:
    def test_fields_come_in_one_order_whatever_order_they_were_stored_in(self):
        data = {
            "before": {"tenDlc.campaignStatus": None, "zeta": 1, "name": "A"},
            "after": {"zeta": 2, "name": "B", "tenDlc.campaignStatus": "Approved"},
        }
        assert [f for f, _, _ in raw_changes(data)] == ["name", "tenDlc.campaignStatus", "zeta"]

    def test_data_without_values_has_no_changes(self):
        assert raw_changes({}) == [] and raw_changes(None) == [] and raw_changes("x") == []

    def test_an_unknown_field_gets_a_label_from_its_name(self):
        assert label("tenDlc.someNewThing") == "10DLC some new thing"
        assert label("warmupState") == "Warmup state"

    @pytest.mark.parametrize(
        ("field", "value", "text"),
        [
            ("name", None, "—"),
            ("name", "", "—"),
            ("enabled", False, "No"),
            ("billing.monthlyAmount", "12.5", "$12.50 USD"),
            ("providerSyncedAt", "2026-11-28T01:02:03.456Z", "2026-11-27 20:02 EST"),
            ("providerSyncedAt", "2026-11-27T21:02:03-04:00", "2026-11-27 20:02 EST"),
            ("providerSyncedAt", "not a time", "not a time"),
            (
                "businessId",
                "0190f3a0-0000-7000-8000-000000000000",
                "0190f3a0-0000-7000-8000-000000000000",
            ),
        ],
    )
    def test_values_for_people(self, field, value, text):
        assert value_text(field, value) == text

    def test_names_of_a_page_are_read_in_a_fixed_number_of_queries(
        self, django_assert_max_num_queries, admin_user
    ):
        businesses = [BusinessFactory() for _ in range(6)]
        for index, business in enumerate(businesses):
            services.phone_number_create(
                acting_user=admin_user,
                name=f"Line {index}",
                number=f"+1415555260{index}",
                business=business,
            )
        events = list(PhoneNumberEvent.objects.all())
        with django_assert_max_num_queries(3):
            changes = changes_by_event(events)
        assert {c.after for cs in changes.values() for c in cs if c.field == "businessId"} == {
            b.name for b in businesses
        }
