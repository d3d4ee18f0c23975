"""Migration 0005 fills the owner of existing events from their numbers and trails."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("phonenumbers_app", "0004_fk_indexes_without_nulls")]
AFTER = [("phonenumbers_app", "0005_event_owner_and_staff_actor")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    apps = migrate(BEFORE)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_events_get_the_owner_they_were_written_under_and_staff_loses_numbers(old_apps):
    apps = old_apps
    Business = apps.get_model("businesses", "Business")
    User = apps.get_model("accounts", "User")
    PhoneNumber = apps.get_model("phonenumbers_app", "PhoneNumber")
    Billing = apps.get_model("phonenumbers_app", "Billing")
    Event = apps.get_model("phonenumbers_app", "PhoneNumberEvent")
    bravo = Business.objects.create(id=uuid.uuid4(), name="Bravo")
    charlie = Business.objects.create(id=uuid.uuid4(), name="Charlie")
    staff = User.objects.create(id=uuid.uuid4(), username="ops", is_staff=True)
    member = User.objects.create(id=uuid.uuid4(), username="member")

    # Never changed owner: every event is Bravo's.
    steady = PhoneNumber.objects.create(
        number="+14155550100", name="Steady", business=bravo, user=staff, inventory_state="Assigned"
    )
    Billing.objects.create(phone_number=steady, business=bravo, user=staff)
    # Pool stock claimed by Bravo, returned to the pool, then moved... and claimed by Charlie.
    moved = PhoneNumber.objects.create(
        number="+14155550101",
        name="Moved",
        business=charlie,
        user=member,
        inventory_state="Assigned",
    )
    Billing.objects.create(phone_number=moved, business=charlie, user=member)

    def event(number, minute, data, actor=None, type="updated"):
        return Event.objects.create(
            id=uuid.uuid4(),
            phone_number=number,
            type=type,
            title="t",
            actor=actor,
            data=data,
            created_at=f"2026-01-01T00:{minute:02d}:00Z",
        )

    steady_events = [
        event(steady, 0, {"after": {"number": steady.number, "businessId": str(bravo.pk)}}),
        event(steady, 1, {"before": {"name": "a"}, "after": {"name": "b"}}, actor=staff),
    ]
    trail = [
        event(moved, 0, {"after": {"number": moved.number, "businessId": None}}, type="created"),
        event(moved, 1, {"before": {"status": "Unregistered"}, "after": {"status": "Active"}}),
        event(moved, 2, {"before": {"businessId": None}, "after": {"businessId": str(bravo.pk)}}),
        event(moved, 3, {"before": {"name": "x"}, "after": {"name": "y"}}, actor=member),
        event(moved, 4, {"before": {"businessId": str(bravo.pk)}, "after": {"businessId": None}}),
        event(moved, 5, {"before": {"enabled": True}, "after": {"enabled": False}}),
        event(moved, 6, {"before": {"businessId": None}, "after": {"businessId": str(charlie.pk)}}),
        event(moved, 7, {"before": {"name": "y"}, "after": {"name": "z"}}),
    ]

    apps = migrate(AFTER)
    Event = apps.get_model("phonenumbers_app", "PhoneNumberEvent")
    PhoneNumber = apps.get_model("phonenumbers_app", "PhoneNumber")
    Billing = apps.get_model("phonenumbers_app", "Billing")

    def owners(events):
        return [Event.objects.get(pk=e.pk).business_id for e in events]

    assert owners(steady_events) == [bravo.pk, bravo.pk]
    assert owners(trail) == [None, None, bravo.pk, bravo.pk, bravo.pk, None, charlie.pk, charlie.pk]
    assert Event.objects.get(pk=steady_events[1].pk).actor_is_staff is True
    assert Event.objects.get(pk=trail[3].pk).actor_is_staff is False
    assert PhoneNumber.objects.get(pk=steady.pk).user_id is None
    assert Billing.objects.get(phone_number_id=steady.pk).user_id is None
    assert PhoneNumber.objects.get(pk=moved.pk).user_id == member.pk
