"""Who may write which field: the table, and the update service holding every caller to it."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from phonenumbers_app.api.representation import phone_number_representation
from phonenumbers_app.errors import FieldNotWritable
from phonenumbers_app.field_ownership import (
    FIELD_OWNERS,
    STAFF,
    SYSTEM,
    TENANT,
    not_writable,
    owned_by,
    writer_for,
)
from phonenumbers_app.imports.columns import COLUMNS
from phonenumbers_app.imports.reader import field_name
from phonenumbers_app.models import PhoneNumberEvent
from phonenumbers_app.number_rows import row_of
from phonenumbers_app.services import phone_number_update, phone_number_update_check
from phonenumbers_app.services.events import api_name
from phonenumbers_app.services.update import BILLING_FIELDS, TEN_DLC_FIELDS, UPDATABLE_FIELDS
from tests.conftest import db_state
from tests.factories import BusinessFactory, MembershipFactory, PhoneNumberFactory, UserFactory

README = Path(__file__).resolve().parents[2] / "README.md"

# What phone_number_update accepts, by the table's names.
UPDATE_FIELDS = {
    *(api_name(f) for f in UPDATABLE_FIELDS),
    *(api_name(f, "tenDlc") for f in TEN_DLC_FIELDS),
    *(api_name(f, "billing") for f in BILLING_FIELDS),
    "businessId",
}
# Representation members that the table knows by another name: the owner objects are
# written as businessId and userId (`organization` is `business` by the document's name).
WRITTEN_AS = {"business": "businessId", "organization": "businessId", "user": "userId"}
OWNER_OBJECTS = tuple(WRITTEN_AS)
# Shown, but not fields of their own: routing's ids mirror the top-level ones, billing's
# names are those of its business and user, the nested warmup is the flat warmup fields
# in the published document's vocabularies.
NOT_FIELDS_OF_THEIR_OWN = {
    "routing.teamId",
    "routing.sourceId",
    "routing.campaignId",
    "billing.businessName",
    "billing.userName",
    "warmup.enabled",
    "warmup.state",
    "warmup.healthStatus",
    "warmup.healthScore",
    "warmup.progressPercent",
    "warmup.callStage",
}


def _leaves(data: dict, prefix: str = "") -> set[str]:
    names = set()
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and key not in OWNER_OBJECTS:
            names |= _leaves(value, name)
        else:
            names.add(name)
    return names


@pytest.fixture
def number(business):
    return PhoneNumberFactory(business=business)


# --- The table ----------------------------------------------------------------------------


def test_every_field_the_update_service_accepts_has_an_owner_that_is_not_system():
    assert set(FIELD_OWNERS) >= UPDATE_FIELDS
    assert not {field for field in UPDATE_FIELDS if FIELD_OWNERS[field] == SYSTEM}


@pytest.mark.django_db
def test_every_field_of_the_representation_is_in_the_table(number):
    shown = {
        WRITTEN_AS.get(name, name) for name in _leaves(phone_number_representation(row_of(number)))
    }

    assert shown - NOT_FIELDS_OF_THEIR_OWN == set(FIELD_OWNERS)


def test_the_issues_examples_are_staff_fields_and_the_tenants_settings_are_its_own():
    for field in (
        "billing.monthlyAmount",
        "tenDlc.campaignStatus",
        "status",
        "inventoryState",
        "warmupHealthScore",
        "provider",
    ):
        assert FIELD_OWNERS[field] == STAFF, field
    for field in ("name", "enabled", "isDefault", "isPreferred", "routing.smsEnabled", "teamId"):
        assert FIELD_OWNERS[field] == TENANT, field


def test_who_writes_as_whom(staff_user, member):
    assert writer_for(staff_user) == STAFF
    assert writer_for(member) == TENANT
    # No user: a staff door that names none (the import without --user).
    assert writer_for(None) == STAFF


def test_a_tenant_may_move_between_businesses_but_only_staff_return_to_the_pool():
    assert not_writable({"businessId": "some-business-id"}, TENANT) == {}
    assert set(not_writable({"businessId": None}, TENANT)) == {"businessId"}
    assert not_writable({"businessId": None}, STAFF) == {}


def test_a_field_missing_from_the_table_is_nobodys_to_write():
    assert set(not_writable({"somethingNew": 1}, STAFF)) == {"somethingNew"}


def test_every_import_column_is_a_field_the_staff_door_may_write():
    fields = {field_name(column) for column in COLUMNS if column != "number"}

    assert fields <= set(FIELD_OWNERS)
    assert not_writable(dict.fromkeys(fields), STAFF) == {}


def test_the_readme_lists_exactly_the_tables_fields_and_owners():
    text = README.read_text()
    section = text.split("### Who may write which field", 1)[1].split("\n#", 1)[0]
    listed: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        owner = cells[1].split()[0]
        for field in re.findall(r"`([^`]+)`", cells[0]):
            assert field not in listed, f"{field} is listed twice"
            listed[field] = owner

    assert listed == {field: owner.name.lower() for field, owner in FIELD_OWNERS.items()}
    assert set(owned_by(TENANT)) | set(owned_by(STAFF)) | set(owned_by(SYSTEM)) == set(listed)


# --- The update service -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "refused"),
    [
        ({"billing": {"monthly_amount": Decimal("0.00")}}, {"billing.monthlyAmount"}),
        ({"ten_dlc": {"campaign_status": "Approved"}}, {"tenDlc.campaignStatus"}),
        ({"fields": {"status": "Provisioning"}}, {"status"}),
        ({"fields": {"warmup_health_score": 100}}, {"warmupHealthScore"}),
        ({"fields": {"inventory_state": "Ready for SMS"}}, {"inventoryState"}),
        ({"fields": {"capability_testing": True}}, {"capabilities.testing"}),
        ({"business": None}, {"businessId"}),
    ],
)
def test_a_tenant_writing_a_staff_field_is_refused_and_nothing_changes(
    number, member, kwargs, refused
):
    before = db_state()

    with pytest.raises(FieldNotWritable) as error:
        phone_number_update(phone_number=number, acting_user=member, **kwargs)

    assert set(error.value.extensions["errors"]) == refused
    assert error.value.status == 403
    assert db_state() == before


def test_the_refusal_names_every_refused_field_at_once(number, member):
    before = db_state()

    with pytest.raises(FieldNotWritable) as error:
        phone_number_update(
            phone_number=number,
            acting_user=member,
            fields={"name": "Mine", "status": "Provisioning", "warmup_health_score": 100},
            ten_dlc={"campaign_status": "Approved"},
            billing={"monthly_amount": Decimal("0.00")},
        )

    refused = ["status", "warmupHealthScore", "tenDlc.campaignStatus", "billing.monthlyAmount"]
    assert list(error.value.extensions["errors"]) == refused
    for field in refused:
        assert field in error.value.detail
    assert "name" not in error.value.extensions["errors"]
    assert db_state() == before


def test_the_check_for_forms_refuses_the_same(number, member):
    with pytest.raises(FieldNotWritable):
        phone_number_update_check(
            phone_number=number, acting_user=member, billing={"monthly_amount": Decimal("0")}
        )


def test_a_staff_field_sent_with_the_value_it_has_is_not_a_write_of_it(number, member):
    number.billing.monthly_amount = Decimal("1.15")
    number.billing.save()

    phone_number_update(
        phone_number=number,
        acting_user=member,
        fields={"name": "Renamed", "status": number.status, "warmup_health_score": 0},
        billing={"monthly_amount": Decimal("1.15")},
    )

    event = PhoneNumberEvent.objects.get(phone_number=number)
    assert event.data["after"] == {"name": "Renamed"}


def test_bad_values_are_a_validation_error_before_ownership_is_asked(number, member):
    before = db_state()

    with pytest.raises(ValidationError) as error:
        phone_number_update(
            phone_number=number,
            acting_user=member,
            fields={"warmup_health_score": 101, "status": "Active"},
        )

    assert set(error.value.message_dict) == {"warmupHealthScore"}
    assert db_state() == before


def test_staff_write_the_staff_fields(number, staff_user):
    phone_number_update(
        phone_number=number,
        acting_user=staff_user,
        fields={"status": "Provisioning", "warmup_health_score": 100},
        ten_dlc={"campaign_status": "Approved"},
        billing={"monthly_amount": Decimal("0.00")},
    )

    number.refresh_from_db()
    assert (number.status, number.warmup_health_score) == ("Provisioning", 100)
    assert number.ten_dlc.campaign_status == "Approved"
    assert number.billing.monthly_amount == Decimal("0.00")


@pytest.mark.django_db
def test_a_tenant_moves_a_number_between_its_own_businesses():
    first, second = BusinessFactory(), BusinessFactory()
    owner = UserFactory()
    MembershipFactory(user=owner, business=first)
    MembershipFactory(user=owner, business=second)
    number = PhoneNumberFactory(business=first)

    phone_number_update(phone_number=number, acting_user=owner, business=second)

    number.refresh_from_db()
    assert number.business == second
