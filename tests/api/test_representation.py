"""The fast dict builder renders exactly what the declared serializer fields would."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from phonenumbers_app.api.serializers import PhoneNumberOutput, PhoneNumberSummaryOutput
from phonenumbers_app.selectors import phone_number_get
from phonenumbers_app.services import event_record, phone_number_create
from phonenumbers_app.vocabularies import EventType
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db


def generic(serializer_class, instance) -> dict:
    """What DRF's field machinery renders from the declared fields."""
    return serializers.Serializer.to_representation(serializer_class(), instance)


@pytest.fixture
def numbers(staff_user, business):
    created = phone_number_create(
        acting_user=staff_user, name="Created", number="+14155552671", business=business
    )
    bare = PhoneNumberFactory()
    full = PhoneNumberFactory(
        business=business,
        user=staff_user,
        phone_identity_id="pid",
        routing_ten_dlc_application_id="app",
        team_id="t",
        campaign_id="c",
        source_id="s",
        provider="telnyx",
        provider_error="",
        provider_synced_at=timezone.now(),
        provider_released_at=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        warmup_state=None,
        health_status=None,
        warmup_health_score=100,
        warmup_progress_percent=7,
        warmup_next_action_at=timezone.now(),
        modified_at=timezone.now(),
        location_description="Somewhere, CA",
    )
    full.ten_dlc.campaign_status = "Approved"
    full.ten_dlc.status_updated_at = timezone.now()
    full.ten_dlc.save()
    full.billing.business = business
    full.billing.user = staff_user
    full.billing.monthly_amount = Decimal("1.5")
    full.billing.save()
    event_record(
        phone_number=full, type=EventType.UPDATED, title="t", details=None, acting_user=None
    )
    return [created, bare, full]


def test_full_representation_matches_the_declared_fields(numbers, staff_user):
    for number in (phone_number_get(user=staff_user, id=n.pk) for n in numbers):
        fast, slow = PhoneNumberOutput(number).data, generic(PhoneNumberOutput, number)
        assert fast == slow
        assert list(fast) == list(slow)  # the contract's field order too


def test_summary_representation_matches_the_declared_fields(numbers, staff_user):
    for number in (phone_number_get(user=staff_user, id=n.pk) for n in numbers):
        summary = PhoneNumberSummaryOutput(number).data
        assert summary == generic(PhoneNumberSummaryOutput, number)
        assert "events" not in summary
