from collections import Counter
from datetime import UTC, datetime

import pytest
from django.db.models import Count, Q

from bench import generate_load_data, load_data
from businesses.models import Business
from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc
from phonenumbers_app.numbers import normalize_number
from phonenumbers_app.vocabularies import (
    EventType,
    InventoryState,
    PhoneNumberStatus,
    WarmupHealthState,
)
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db

# An event's before/after key → the PhoneNumber attribute it describes.
API_FIELDS = {
    "number": "number",
    "name": "name",
    "businessId": "business_id",
    "userId": "user_id",
    "inventoryState": "inventory_state",
    "status": "status",
    "enabled": "enabled",
    "warmupEnabled": "warmup_enabled",
    "warmupState": "warmup_state",
    "warmupPauseReason": "warmup_pause_reason",
    "healthStatus": "health_status",
    "healthReason": "health_reason",
    "warmupProgressPercent": "warmup_progress_percent",
    "warmupHealthScore": "warmup_health_score",
    "routing.voiceEnabled": "routing_voice_enabled",
    "capabilities.testing": "capability_testing",
    "isApprovedTestDestination": "is_approved_test_destination",
}


def generate(*args: str) -> str:
    """Run bench/generate_load_data.py with these arguments; what it printed."""
    lines: list[str] = []
    generate_load_data.main(list(args), out=lines.append)
    return "\n".join(lines)


def snapshot() -> list[tuple]:
    return list(
        PhoneNumber.objects.order_by("number").values_list(
            "number",
            "inventory_state",
            "status",
            "warmup_state",
            "health_status",
            "business__name",
            "ten_dlc__campaign_status",
        )
    )


@pytest.fixture
def loaded() -> str:
    return generate("--numbers", "200", "--events-per-number", "3", "--seed", "7")


def test_counts_are_exact_and_every_number_has_its_rows(loaded):
    assert PhoneNumber.objects.count() == 200
    assert TenDlc.objects.count() == 200
    assert Billing.objects.count() == 200
    assert PhoneNumberEvent.objects.count() == 600
    assert Business.objects.count() == 1  # about 200 / 1000, at least one
    assert not PhoneNumber.objects.filter(Q(ten_dlc__isnull=True) | Q(billing__isnull=True))
    per_number = PhoneNumber.objects.annotate(n=Count("events")).values_list("n", flat=True)
    assert set(per_number) == {3}


def test_prints_a_summary_with_counts_time_and_rate(loaded):
    summary = loaded.strip().splitlines()[-1]
    assert summary.startswith("Generated 200 phone numbers, 200 10DLC rows, 200 billing rows")
    assert "600 events" in summary and "1 businesses" in summary
    assert " s: " in summary and "rows/s" in summary and "seed 7" in summary


def test_every_vocabulary_value_appears(loaded):
    def used(field: str) -> set:
        return set(PhoneNumber.objects.values_list(field, flat=True))

    assert used("inventory_state") == set(InventoryState.values)
    assert used("status") == set(PhoneNumberStatus.values)
    assert used("warmup_state") == set(WarmupHealthState.values)
    assert used("health_status") == set(WarmupHealthState.values)
    campaign = set(TenDlc.objects.values_list("campaign_status", flat=True))
    assert campaign == set(load_data.CAMPAIGN_STATUSES)
    assert set(PhoneNumberEvent.objects.values_list("type", flat=True)) <= set(EventType.values)


def test_distribution_is_mostly_healthy_assigned_and_active(loaded):
    states = Counter(PhoneNumber.objects.values_list("inventory_state", flat=True))
    statuses = Counter(PhoneNumber.objects.values_list("status", flat=True))
    health = Counter(PhoneNumber.objects.values_list("health_status", flat=True))
    assert states.most_common(2) == [
        (InventoryState.ASSIGNED, 60),
        (InventoryState.READY_FOR_SMS, 50),
    ]
    assert statuses.most_common(1)[0][0] == PhoneNumberStatus.ACTIVE
    assert health.most_common(1)[0][0] == WarmupHealthState.HEALTHY


def test_numbers_are_valid_unique_e164_with_a_us_location(loaded):
    numbers = list(PhoneNumber.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers) == 200
    assert all(normalize_number(n) == n for n in numbers)
    assert not PhoneNumber.objects.exclude(location_country_code="US")
    assert not PhoneNumber.objects.filter(location_state__isnull=True)
    assert not PhoneNumber.objects.filter(location_description__isnull=True)


def test_numbers_beyond_the_fictional_lines_are_valid_too():
    fictional = len(load_data.area_codes()) * load_data.FICTIONAL_LINES
    plan = load_data.Plan(
        numbers=fictional + 5000,
        events_per_number=1,
        businesses=1,
        seed=1,
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    indexes = range(fictional - 100, fictional + 5000, 7)
    numbers = {i: plan.row(i)["number"] for i in indexes}
    assert all(normalize_number(n) == n for n in numbers.values())
    assert len(set(numbers.values())) == len(numbers)
    # +1 NPA NXX XXXX: 555-01XX first, then real exchanges from 400 up (never 555).
    assert all(n[5:10] == "55501" for i, n in numbers.items() if i < fictional)
    assert all(n[5:8] != "555" and n[5:8] >= "400" for i, n in numbers.items() if i >= fictional)


def test_rows_keep_the_domain_rules(loaded):
    assert not PhoneNumber.objects.filter(inventory_state="Available", business__isnull=False)
    owned = ["Assigned", "Ready for SMS", "Ready for voice", "Warmup-only"]
    assert not PhoneNumber.objects.filter(inventory_state__in=owned, business__isnull=True)
    defaults = PhoneNumber.objects.filter(is_default=True)
    assert defaults.exists() and not defaults.filter(business__isnull=True)
    per_business = defaults.values("business").annotate(n=Count("id"))
    assert {row["n"] for row in per_business} == {1}
    for field in ("warmup_health_score", "warmup_progress_percent"):
        values = PhoneNumber.objects.values_list(field, flat=True)
        assert min(values) >= 0 and max(values) <= 100
    attention = ["Needs Attention", "Paused", "Blocked"]
    assert not PhoneNumber.objects.filter(health_status__in=attention, health_reason=None)
    paused = PhoneNumber.objects.filter(warmup_state__in=["Paused", "Blocked"])
    assert not paused.filter(warmup_pause_reason=None)
    failed = PhoneNumber.objects.filter(status="FailedProvisioning")
    assert failed.exists() and not failed.filter(provider_error=None)
    rejected = TenDlc.objects.filter(campaign_status__in=["Rejected", "Failed"])
    assert rejected.exists() and not rejected.filter(failure_reason=None)
    released = PhoneNumber.objects.filter(inventory_state="Released")
    assert not released.filter(Q(enabled=True) | Q(provider_released_at=None) | Q(is_default=True))
    for billing in Billing.objects.select_related("phone_number"):
        assert billing.business_id == billing.phone_number.business_id
        assert billing.monthly_amount is not None and billing.monthly_amount >= 0


def test_every_trail_starts_with_created_and_moves_forward_in_time(loaded):
    demo_user = PhoneNumberEvent.objects.exclude(actor=None).values_list("actor", flat=True)
    assert len(set(demo_user)) == 1
    numbers = PhoneNumber.objects.prefetch_related("events")
    for number in numbers:
        events = sorted(number.events.all(), key=lambda e: (e.created_at, e.id))
        assert events[0].type == EventType.CREATED
        assert events[0].created_at == number.created_at
        times = [e.created_at for e in events]
        assert times == sorted(set(times))
        assert number.modified_at == times[-1]
        assert all(isinstance(e.data, dict) and e.data for e in events)
        assert all(e.title and e.details for e in events)
    created = PhoneNumber.objects.values_list("created_at", flat=True)
    assert (max(created) - min(created)).days > 300


def test_long_trails_replay_to_the_stored_state():
    """With enough events for every story, applying each event's `after` in order to the
    created event's snapshot gives the number's stored values."""
    generate("--numbers", "200", "--events-per-number", "10", "--seed", "3")
    checked = Counter()
    for number in PhoneNumber.objects.prefetch_related("events"):
        events = sorted(number.events.all(), key=lambda e: e.created_at)
        state: dict = {}
        for event in events:
            assert set(event.data.get("before", {})) <= set(state) | set(API_FIELDS), event.data
            state.update(event.data["after"])
        for key, value in state.items():
            stored = getattr(number, API_FIELDS[key])
            stored = str(stored) if key in ("businessId", "userId") and stored else stored
            assert value == stored, (number.number, key, [e.data for e in events])
            checked[key] += 1
        if number.inventory_state == "Released":
            assert events[-1].type == EventType.RELEASED
        if number.warmup_state == "Paused":
            assert EventType.WARMUP_PAUSED in {e.type for e in events}
    assert checked["inventoryState"] == checked["status"] == 200
    assert checked["warmupProgressPercent"] > 0


def test_the_seed_makes_the_load_reproducible(loaded):
    first = snapshot()

    generate("--numbers", "200", "--events-per-number", "3", "--seed", "7", "--reset")
    assert snapshot() == first

    generate("--numbers", "200", "--events-per-number", "3", "--seed", "8", "--reset")
    assert snapshot() != first


def test_refuses_to_add_to_existing_numbers(unchanged_db):
    PhoneNumberFactory()
    with unchanged_db(), pytest.raises(SystemExit, match="already holds 1 phone numbers"):
        generate("--numbers", "10")


def test_refuses_to_add_to_an_earlier_load_without_reset(loaded, unchanged_db):
    with unchanged_db(), pytest.raises(SystemExit, match="--reset"):
        generate("--numbers", "10")


def test_reset_refuses_when_some_numbers_were_made_otherwise(loaded, unchanged_db):
    PhoneNumberFactory(number="+14155551234")
    with unchanged_db(), pytest.raises(SystemExit, match="1 of the 201 phone numbers"):
        generate("--numbers", "10", "--reset")


def test_reset_replaces_the_previous_load(loaded):
    before = set(Business.objects.values_list("pk", flat=True))

    generate("--numbers", "50", "--events-per-number", "2", "--businesses", "3", "--reset")

    assert PhoneNumber.objects.count() == TenDlc.objects.count() == Billing.objects.count() == 50
    assert PhoneNumberEvent.objects.count() == 100
    assert Business.objects.count() == 3
    assert not before & set(Business.objects.values_list("pk", flat=True)) - before
    assert set(PhoneNumber.objects.values_list("version", flat=True)) == {2}


def test_reset_leaves_other_businesses_alone(loaded):
    other = Business.objects.create(name="Real Customer")

    generate("--numbers", "20", "--reset")

    assert Business.objects.filter(pk=other.pk).exists()
    assert PhoneNumber.objects.count() == 20


def test_the_benchmarks_reset_all_replaces_numbers_made_otherwise_too(loaded):
    PhoneNumberFactory(number="+14155551234")

    load_data.generate(numbers=20, events_per_number=1, reset_all=True)

    assert PhoneNumber.objects.count() == 20
    assert not PhoneNumber.objects.filter(number="+14155551234")


def test_one_event_per_number_is_just_the_created_event():
    generate("--numbers", "30", "--events-per-number", "1", "--seed", "1")

    assert set(PhoneNumberEvent.objects.values_list("type", flat=True)) == {"created"}
    assert not PhoneNumber.objects.exclude(modified_at=None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--numbers", "0"], "numbers must be from 1"),
        (["--events-per-number", "0"], "events per number must be from 1"),
        (["--businesses", "0"], "businesses must be from 1"),
    ],
)
def test_rejects_bad_options(args, message, unchanged_db):
    with unchanged_db(), pytest.raises(SystemExit, match=message):
        generate(*args)


def test_sql_method_needs_postgresql(on_postgres, unchanged_db):
    if on_postgres:
        pytest.skip("only SQLite refuses the sql method")
    with unchanged_db(), pytest.raises(SystemExit, match="needs PostgreSQL"):
        generate("--numbers", "10", "--method", "sql")


def _all_rows() -> dict:
    def rows(queryset, *exclude):
        return [
            {k: v for k, v in row.items() if k not in exclude}
            for row in queryset.order_by("pk").values()
        ]

    return {
        "businesses": rows(Business.objects.all()),
        "numbers": rows(PhoneNumber.objects.all()),
        "ten_dlc": rows(TenDlc.objects.all()),
        "billing": rows(Billing.objects.all()),
        "events": rows(PhoneNumberEvent.objects.all()),
    }


@pytest.mark.postgres
def test_set_based_sql_and_bulk_create_write_the_same_rows():
    now = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    options = {"numbers": 450, "events_per_number": 6, "businesses": 7, "seed": 11, "now": now}

    load_data.generate(method="sql", **options)
    by_sql = _all_rows()
    load_data.generate(method="bulk", reset=True, **options)
    by_bulk = _all_rows()

    for table in by_sql:
        assert len(by_sql[table]) == len(by_bulk[table]) > 0, table
        for sql_row, bulk_row in zip(by_sql[table], by_bulk[table], strict=True):
            assert sql_row == bulk_row, table
