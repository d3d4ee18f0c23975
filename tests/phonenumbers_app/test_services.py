"""The domain services called directly, as the admin and commands will call them."""

import pytest
from django.core.exceptions import ValidationError

from phonenumbers_app.errors import InventoryExhausted, NumberExists
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.services import phone_number_assign, phone_number_claim, phone_number_create
from phonenumbers_app.vocabularies import EventType, InventoryState
from tests.conftest import db_state
from tests.factories import PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(username="ops", first_name="Olive", last_name="Ops", is_staff=True)


def test_create_makes_the_number_with_its_10dlc_billing_and_event(staff, business):
    number = phone_number_create(
        acting_user=staff, name=" Sales ", number="(212) 555-0142", business=business
    )

    number = PhoneNumber.objects.select_related("ten_dlc", "billing").get(pk=number.pk)
    assert number.number == "+12125550142"
    assert number.name == "Sales"
    assert number.location_description == "New York, NY"
    assert number.billing.business == business
    assert number.ten_dlc.campaign_status is None
    event = PhoneNumberEvent.objects.get(phone_number=number)
    assert (event.type, event.actor, event.actor_name) == (EventType.CREATED, staff, "Olive Ops")


def test_non_staff_cannot_create_inventory_without_a_business(member):
    before = db_state()

    with pytest.raises(ValidationError) as error:
        phone_number_create(acting_user=member, name="A", number="+14155552671")

    assert "businessId" in error.value.message_dict
    assert db_state() == before


def test_claim_assigns_and_records_before_and_after(staff, business):
    stock = PhoneNumberFactory(name="Stock")

    claimed = phone_number_claim(business=business, acting_user=staff, name="Front desk")

    assert claimed.pk == stock.pk
    assert claimed.inventory_state == InventoryState.ASSIGNED
    assert claimed.modified_at is not None
    event = PhoneNumberEvent.objects.get(phone_number=stock)
    assert event.type == EventType.ASSIGNED
    assert event.data["before"]["inventoryState"] == "Available"
    assert event.data["after"]["inventoryState"] == "Assigned"


def test_claim_from_an_empty_pool_raises_and_writes_nothing(staff, business):
    before = db_state()

    with pytest.raises(InventoryExhausted):
        phone_number_claim(business=business, acting_user=staff, name="A")

    assert db_state() == before


def test_assigning_a_number_that_left_the_pool_raises_and_writes_nothing(
    staff, business, other_business
):
    stock = PhoneNumberFactory(business=other_business, inventory_state=InventoryState.ASSIGNED)
    before = db_state()

    with pytest.raises(NumberExists) as error:
        phone_number_assign(phone_number=stock, business=business, acting_user=staff)

    assert error.value.extensions["inventoryState"] == "Assigned"
    assert db_state() == before


def test_an_invalid_name_fails_before_the_pool_is_touched(staff, business):
    PhoneNumberFactory()
    before = db_state()

    with pytest.raises(ValidationError):
        phone_number_claim(business=business, acting_user=staff, name=" ")

    assert db_state() == before


def test_create_reports_every_bad_input_at_once_and_writes_nothing(member):
    before = db_state()

    with pytest.raises(ValidationError) as error:
        phone_number_create(acting_user=member, name="", number="nope")

    assert set(error.value.message_dict) == {"name", "number", "businessId"}
    assert db_state() == before
