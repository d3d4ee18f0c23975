"""Provider-caused writes (phonenumbers_app/services/provider_sync.py): each one checked
in the database, events with the actor "Provider", and what they refuse to touch."""

from __future__ import annotations

import pytest

from phonenumbers_app.errors import InvalidTransition, NumberExists
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.services import phone_number_release
from phonenumbers_app.services.provider_sync import (
    PROVIDER_ACTOR,
    phone_number_provider_release_confirmed,
    phone_number_provider_release_refused,
    phone_number_provider_update,
    phone_number_provision,
    phone_number_provisioning_finished,
)
from phonenumbers_app.vocabularies import EventType, InventoryState, PhoneNumberStatus
from tests.factories import BusinessFactory, PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db
NUMBER = "+13125550142"


def provision(**overrides) -> PhoneNumber:
    arguments = {
        "number": NUMBER,
        "provider": "simulated",
        "provider_phone_number_id": "pn-1",
        "provider_order_id": "order-1",
        "business": None,
        "acting_user": None,
    }
    return phone_number_provision(**{**arguments, **overrides})


def test_a_provisioned_number_is_pending_and_provisioning_so_no_one_claims_it():
    phone_number = provision()
    phone_number.refresh_from_db()
    assert phone_number.inventory_state == InventoryState.PENDING_VERIFICATION
    assert phone_number.status == PhoneNumberStatus.PROVISIONING
    assert (phone_number.provider, phone_number.provider_phone_number_id) == ("simulated", "pn-1")
    assert phone_number.location_state == "IL"
    assert not PhoneNumber.objects.pool().filter(pk=phone_number.pk).exists()
    event = PhoneNumberEvent.objects.get(phone_number=phone_number)
    assert (event.type, event.actor_name) == (EventType.CREATED, PROVIDER_ACTOR)


def test_the_operator_who_ordered_is_named_on_the_created_event():
    operator = UserFactory(is_staff=True, first_name="Ada", last_name="Ops")
    phone_number = provision(acting_user=operator)
    event = PhoneNumberEvent.objects.get(phone_number=phone_number)
    assert event.actor == operator
    assert "Ada Ops ordered" in event.details


def test_provisioning_a_number_the_inventory_holds_is_refused_and_writes_nothing():
    PhoneNumberFactory(number=NUMBER)
    before = (PhoneNumber.objects.count(), PhoneNumberEvent.objects.count())
    with pytest.raises(NumberExists):
        provision()
    assert (PhoneNumber.objects.count(), PhoneNumberEvent.objects.count()) == before


def test_success_makes_a_pool_number_active_and_available():
    phone_number = provision()
    assert phone_number_provisioning_finished(
        phone_number=phone_number, succeeded=True, provider_phone_number_id="pn-final"
    )
    phone_number.refresh_from_db()
    assert phone_number.status == PhoneNumberStatus.ACTIVE
    assert phone_number.inventory_state == InventoryState.AVAILABLE
    assert phone_number.provider_phone_number_id == "pn-final"
    assert PhoneNumber.objects.pool().filter(pk=phone_number.pk).exists()
    event = PhoneNumberEvent.objects.filter(phone_number=phone_number).latest("created_at")
    assert event.actor_name == PROVIDER_ACTOR
    assert event.data["after"]["status"] == PhoneNumberStatus.ACTIVE


def test_success_assigns_a_number_ordered_for_a_business():
    business = BusinessFactory()
    phone_number = provision(business=business)
    phone_number_provisioning_finished(phone_number=phone_number, succeeded=True)
    phone_number.refresh_from_db()
    assert (phone_number.status, phone_number.inventory_state) == (
        PhoneNumberStatus.ACTIVE,
        InventoryState.ASSIGNED,
    )
    assert phone_number.business == business


def test_failure_keeps_the_providers_reason_and_marks_the_number_failed():
    phone_number = provision()
    phone_number_provisioning_finished(
        phone_number=phone_number, succeeded=False, reason="Number no longer available"
    )
    phone_number.refresh_from_db()
    assert phone_number.status == PhoneNumberStatus.FAILED_PROVISIONING
    assert phone_number.inventory_state == InventoryState.FAILED
    assert phone_number.provider_error == "Number no longer available"


def test_a_repeated_or_late_word_changes_nothing():
    phone_number = provision()
    phone_number_provisioning_finished(phone_number=phone_number, succeeded=True)
    events = PhoneNumberEvent.objects.count()
    assert not phone_number_provisioning_finished(
        phone_number=phone_number, succeeded=False, reason="late"
    )
    phone_number.refresh_from_db()
    assert phone_number.status == PhoneNumberStatus.ACTIVE
    assert PhoneNumberEvent.objects.count() == events


def test_a_provider_update_checks_the_transition_table_and_writes_nothing_when_refused():
    phone_number = PhoneNumberFactory(status=PhoneNumberStatus.UNREGISTERED)
    version = phone_number.version
    with pytest.raises(InvalidTransition):
        phone_number_provider_update(
            phone_number=phone_number, fields={"status": PhoneNumberStatus.SUSPENDED}
        )
    phone_number.refresh_from_db()
    assert (phone_number.status, phone_number.version) == (PhoneNumberStatus.UNREGISTERED, version)
    assert not PhoneNumberEvent.objects.filter(phone_number=phone_number).exists()


def test_a_provider_update_of_10dlc_is_one_event_by_the_provider():
    phone_number = PhoneNumberFactory()
    assert phone_number_provider_update(
        phone_number=phone_number, ten_dlc={"campaign_status": "Approved"}
    )
    phone_number.refresh_from_db()
    assert phone_number.ten_dlc.campaign_status == "Approved"
    assert phone_number.ten_dlc.status_updated_at is not None
    event = PhoneNumberEvent.objects.get(phone_number=phone_number)
    assert event.actor_name == PROVIDER_ACTOR and event.actor is None
    assert not phone_number_provider_update(
        phone_number=phone_number, ten_dlc={"campaign_status": "Approved"}
    )
    assert PhoneNumberEvent.objects.filter(phone_number=phone_number).count() == 1


def test_a_provider_update_leaves_a_released_number_alone():
    staff = UserFactory(is_staff=True)
    phone_number = phone_number_release(phone_number=PhoneNumberFactory(), acting_user=staff)
    assert not phone_number_provider_update(
        phone_number=phone_number, fields={"provider_status": "active"}
    )


def test_a_confirmed_release_sets_provider_released_at_once():
    staff = UserFactory(is_staff=True)
    phone_number = PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-9")
    phone_number = phone_number_release(phone_number=phone_number, acting_user=staff)
    PhoneNumber.objects.filter(pk=phone_number.pk).update(provider_released_at=None)
    phone_number_provider_release_refused(phone_number=phone_number, reason="Number is locked")
    phone_number.refresh_from_db()
    assert phone_number.provider_error == "Number is locked"
    assert phone_number_provider_release_confirmed(phone_number=phone_number)
    phone_number.refresh_from_db()
    assert phone_number.provider_released_at is not None
    assert phone_number.provider_error is None
    assert not phone_number_provider_release_confirmed(phone_number=phone_number)
    titles = list(
        PhoneNumberEvent.objects.filter(phone_number=phone_number, actor_name=PROVIDER_ACTOR)
        .order_by("created_at")
        .values_list("title", flat=True)
    )
    assert titles == ["Release refused by the provider", "Released at the provider"]


def test_the_same_refusal_twice_is_recorded_once():
    staff = UserFactory(is_staff=True)
    phone_number = phone_number_release(
        phone_number=PhoneNumberFactory(provider="simulated", provider_phone_number_id="pn-8"),
        acting_user=staff,
    )
    PhoneNumber.objects.filter(pk=phone_number.pk).update(provider_released_at=None)
    assert phone_number_provider_release_refused(phone_number=phone_number, reason="locked")
    assert not phone_number_provider_release_refused(phone_number=phone_number, reason="locked")
