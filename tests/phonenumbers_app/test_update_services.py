"""phone_number_update, _release and warmup services called directly (as the admin will)."""

import pytest
from django.core.exceptions import ValidationError

from core.errors import PreconditionFailed
from phonenumbers_app.errors import InvalidTransition, NumberReleased, WarmupConflict
from phonenumbers_app.models import PhoneNumberEvent
from phonenumbers_app.services import (
    phone_number_release,
    phone_number_update,
    phone_number_warmup_pause,
    phone_number_warmup_resume,
)
from phonenumbers_app.transitions import INVENTORY_TRANSITIONS, STATUS_TRANSITIONS
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus, WarmupHealthState
from tests.conftest import db_state
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def number(business):
    return PhoneNumberFactory(business=business)


def test_the_transition_table_covers_every_state_and_released_is_terminal():
    assert set(INVENTORY_TRANSITIONS) == set(InventoryState.values)
    assert set(STATUS_TRANSITIONS) == set(PhoneNumberStatus.values)
    assert INVENTORY_TRANSITIONS[InventoryState.RELEASED] == ()
    for targets in (*INVENTORY_TRANSITIONS.values(), *STATUS_TRANSITIONS.values()):
        assert len(set(targets)) == len(targets)


def test_unknown_fields_and_bad_values_are_refused_before_anything_is_locked(number, staff_user):
    before = db_state()

    with pytest.raises(ValidationError) as error:
        phone_number_update(
            phone_number=number,
            acting_user=staff_user,
            fields={"number": "+1", "warmup_health_score": 200, "enabled": "yes"},
            ten_dlc={"nope": 1},
        )

    assert set(error.value.message_dict) == {
        "number",
        "warmupHealthScore",
        "enabled",
        "tenDlc.nope",
    }
    assert db_state() == before


def test_invalid_transition_raises_and_writes_nothing(number, staff_user):
    before = db_state()

    with pytest.raises(InvalidTransition) as error:
        phone_number_update(
            phone_number=number, acting_user=staff_user, fields={"status": "Expired"}
        )

    assert error.value.extensions["allowed"] == list(STATUS_TRANSITIONS["Unregistered"])
    assert db_state() == before


def test_stale_if_match_raises_precondition_failed(number, staff_user):
    with pytest.raises(PreconditionFailed):
        phone_number_update(
            phone_number=number,
            acting_user=staff_user,
            fields={"name": "N"},
            if_match=['"stale"'],
        )


def test_each_change_bumps_the_version_once(number, staff_user):
    updated = phone_number_update(
        phone_number=number, acting_user=staff_user, fields={"name": "A", "enabled": False}
    )

    assert updated.version == number.version + 1
    assert updated.etag != number.etag


def test_release_is_idempotent_and_then_blocks_updates(number, staff_user):
    phone_number_release(phone_number=number, acting_user=staff_user)
    phone_number_release(phone_number=number, acting_user=staff_user)

    assert PhoneNumberEvent.objects.filter(phone_number=number).count() == 1
    with pytest.raises(NumberReleased):
        phone_number_update(phone_number=number, acting_user=staff_user, fields={"name": "x"})


def test_resume_without_a_recorded_pause_goes_back_to_warming(business, staff_user):
    paused = PhoneNumberFactory(
        business=business, warmup_enabled=True, warmup_state=WarmupHealthState.PAUSED
    )

    resumed = phone_number_warmup_resume(phone_number=paused, acting_user=staff_user)

    assert resumed.warmup_state == WarmupHealthState.WARMING


def test_pause_of_a_released_number_is_refused(business, staff_user):
    number = PhoneNumberFactory(business=business, warmup_enabled=True)
    phone_number_release(phone_number=number, acting_user=staff_user)

    with pytest.raises(NumberReleased):
        phone_number_warmup_pause(phone_number=number, acting_user=staff_user, reason="r")


def test_pause_of_blocked_warmup_is_refused(business, staff_user):
    number = PhoneNumberFactory(
        business=business, warmup_enabled=True, warmup_state=WarmupHealthState.BLOCKED
    )

    with pytest.raises(WarmupConflict):
        phone_number_warmup_pause(phone_number=number, acting_user=staff_user, reason="r")
