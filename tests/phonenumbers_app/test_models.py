"""Rules the database itself enforces, whatever code writes the row."""

import pytest
from django.db import IntegrityError, transaction

from phonenumbers_app.models import PhoneNumberEvent
from phonenumbers_app.vocabularies import EventType, InventoryState
from tests.factories import BusinessFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db


def assert_rejected(**fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneNumberFactory(**fields)


def test_one_unreleased_row_per_number():
    PhoneNumberFactory(number="+14155552671")

    assert_rejected(number="+14155552671")


def test_released_rows_do_not_block_the_number():
    PhoneNumberFactory(number="+14155552671", inventory_state=InventoryState.RELEASED)
    PhoneNumberFactory(number="+14155552671", inventory_state=InventoryState.RELEASED)

    PhoneNumberFactory(number="+14155552671")


def test_at_most_one_default_number_per_business():
    business = BusinessFactory()
    PhoneNumberFactory(business=business, is_default=True)

    assert_rejected(business=business, is_default=True)
    PhoneNumberFactory(business=business, is_default=False)


@pytest.mark.parametrize("field", ["warmup_health_score", "warmup_progress_percent"])
@pytest.mark.parametrize("value", [-1, 101])
def test_scores_and_percents_stay_within_0_and_100(field, value):
    assert_rejected(**{field: value})


@pytest.mark.parametrize(
    "fields",
    [
        {"inventory_state": "Lost"},
        {"status": "Active-ish"},
        {"warmup_state": "warming"},
        {"health_status": "OK"},
        {"number": "4155552671"},
        {"inventory_state": InventoryState.ASSIGNED, "business": None},
        {"is_default": True, "business": None},
    ],
)
def test_values_outside_the_vocabularies_and_rules_are_rejected(fields):
    assert_rejected(**fields)


def test_a_number_of_a_business_is_never_available():
    assert_rejected(inventory_state=InventoryState.AVAILABLE, business=BusinessFactory())


def test_events_are_append_only():
    event = PhoneNumberEvent.objects.create(
        phone_number=PhoneNumberFactory(), type=EventType.UPDATED, title="t"
    )

    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        PhoneNumberEvent.objects.filter(pk=event.pk).update(title="changed")
    with pytest.raises(TypeError):
        PhoneNumberEvent.objects.all().delete()
