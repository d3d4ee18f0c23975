"""The representation as a superset of the seed page's and the seed's published document's
`PhoneNumberResponse`: `phoneIdentityId`, `organization`, `routing.tenDlcApplicationId` and
the nested `warmup`, next to the seed page's fields, which keep their names and values."""

from __future__ import annotations

import csv
import io
from http import HTTPStatus

import pytest
from django.core.management import call_command

from phonenumbers_app.api.representation import phone_number_representation
from phonenumbers_app.api.table_rows import table_row_representation
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.number_rows import row_of
from phonenumbers_app.services.ownership import OWNER_FIELDS
from phonenumbers_app.vocabularies import EventType, WarmupHealthState
from tests.factories import BusinessFactory, PhoneNumberFactory
from tests.seed_document import load_seed_document, seed_errors, seed_validator

pytestmark = pytest.mark.django_db

W = WarmupHealthState
# Our warmupState -> the document's warmup.state.
STATES = [
    (None, "Not Started"),
    (W.NOT_STARTED, "Not Started"),
    (W.WARMING, "In Progress"),
    (W.HEALTHY, "In Progress"),
    (W.NEEDS_ATTENTION, "In Progress"),
    (W.PAUSED, "Paused"),
    (W.BLOCKED, "Blocked"),
    (W.READY, "Ready"),
]
# Our healthStatus -> the document's warmup.healthStatus.
HEALTH = [
    (None, "Not Evaluated"),
    (W.NOT_STARTED, "Not Evaluated"),
    (W.PAUSED, "Not Evaluated"),
    (W.WARMING, "Evaluating"),
    (W.HEALTHY, "Healthy"),
    (W.NEEDS_ATTENTION, "Needs Attention"),
    (W.BLOCKED, "Blocked"),
    (W.READY, "Healthy"),
]
SEED_PAGE_WARMUP = (
    "warmupEnabled",
    "warmupState",
    "healthStatus",
    "warmupHealthScore",
    "warmupProgressPercent",
)


@pytest.fixture(scope="module")
def strict_response():
    """Asserts a body is a PhoneNumberResponse of the published document, every property
    it declares (nested ones too) present."""
    validator = seed_validator(load_seed_document(), "PhoneNumberResponse", strict=True)

    def check(body: dict) -> dict:
        errors = seed_errors(validator, body)
        assert not errors, errors
        return body

    return check


@pytest.fixture
def number(business):
    return PhoneNumberFactory(
        number="+14155552671",
        business=business,
        name="Front desk",
        warmup_enabled=True,
        warmup_state=W.WARMING,
        health_status=W.NEEDS_ATTENTION,
        warmup_health_score=71,
        warmup_progress_percent=35,
    )


def url(number) -> str:
    return f"/phone-numbers/{number.pk}"


def patch(client, number, body):
    return client.patch(url(number), body, format="json")


def representation(number: PhoneNumber) -> dict:
    number = PhoneNumber.objects.select_related(
        "business", "user", "ten_dlc", "billing__business", "billing__user"
    ).get(pk=number.pk)
    return phone_number_representation(row_of(number))


# --- The representation ---------------------------------------------------------------------


class TestTheRepresentation:
    def test_has_the_documents_fields_with_the_documents_types(self, number, business):
        body = representation(number)

        assert body["organization"] == body["business"]
        assert body["organization"] == {"id": str(business.pk), "name": business.name}
        assert body["phoneIdentityId"] is None
        assert body["routing"]["tenDlcApplicationId"] is None
        assert body["warmup"] == {
            "enabled": True,
            "state": "In Progress",
            "healthStatus": "Needs Attention",
            "healthScore": 71,
            "progressPercent": 35,
            "callStage": "Stage 1",  # the voice stage of 35% of the plan (20-39%)
        }

    def test_the_seed_pages_fields_keep_their_names_values_and_order(self, number):
        body = representation(number)

        assert [body[key] for key in SEED_PAGE_WARMUP] == [
            True,
            "Warming",
            "Needs Attention",
            "71",
            "35",
        ]
        seed_page = [k for k in body if k not in ("phoneIdentityId", "organization", "warmup")]
        assert seed_page[:3] == ["number", "business", "user"]
        assert seed_page[-4:] == ["name", "id", "createdAt", "modifiedAt"]
        assert list(body["routing"])[-1] == "tenDlcApplicationId"

    def test_a_pool_number_has_no_organization(self):
        body = representation(PhoneNumberFactory())

        assert body["organization"] is None and body["business"] is None

    def test_the_provider_identity_is_shown_once_set(self, number):
        PhoneNumber.objects.filter(pk=number.pk).update(
            phone_identity_id="pid-1", routing_ten_dlc_application_id="app-1"
        )

        body = representation(number)

        assert body["phoneIdentityId"] == "pid-1"
        assert body["routing"]["tenDlcApplicationId"] == "app-1"

    @pytest.mark.parametrize(("ours", "documents"), STATES)
    def test_warmup_state_maps_to_the_documents_vocabulary(self, ours, documents):
        body = representation(PhoneNumberFactory(warmup_state=ours))

        assert body["warmup"]["state"] == documents
        assert body["warmupState"] == ours

    @pytest.mark.parametrize(("ours", "documents"), HEALTH)
    def test_health_status_maps_to_the_documents_vocabulary(self, ours, documents):
        body = representation(PhoneNumberFactory(health_status=ours))

        assert body["warmup"]["healthStatus"] == documents
        assert body["healthStatus"] == ours

    @pytest.mark.parametrize(("score", "progress"), [(0, 0), (100, 100), (7, 93)])
    def test_score_and_progress_are_integers_there_and_integer_strings_flat(self, score, progress):
        body = representation(
            PhoneNumberFactory(warmup_health_score=score, warmup_progress_percent=progress)
        )

        assert (body["warmup"]["healthScore"], body["warmup"]["progressPercent"]) == (
            score,
            progress,
        )
        assert (body["warmupHealthScore"], body["warmupProgressPercent"]) == (
            str(score),
            str(progress),
        )

    def test_the_table_row_has_the_same_warmup(self, number):
        number = PhoneNumber.objects.select_related(
            "business", "user", "ten_dlc", "billing__business", "billing__user"
        ).get(pk=number.pk)
        row = row_of(number)

        assert table_row_representation(row)["warmup"] == phone_number_representation(row)["warmup"]


# --- Real answers against the published document ----------------------------------------


class TestAnswersValidateAgainstThePublishedDocument:
    def test_get_detail(self, member_client, number, strict_response):
        response = member_client.get(url(number))

        assert response.status_code == HTTPStatus.OK
        strict_response(response.json())

    def test_get_list_items(self, staff_client, number, strict_response):
        PhoneNumberFactory(warmup_state=None, health_status=None)  # a pool number: no organization

        response = staff_client.get("/phone-numbers")

        assert response.status_code == HTTPStatus.OK
        items = response.json()["items"]
        assert len(items) == 2
        for item in items:
            strict_response(item)

    def test_post_create(self, member_client, business, strict_response):
        response = member_client.post(
            "/phone-numbers", {"name": "Sales", "number": "+14155550142"}, format="json"
        )

        assert response.status_code == HTTPStatus.OK, response.json()
        body = strict_response(response.json())
        assert body["organization"] == {"id": str(business.pk), "name": business.name}
        assert body["warmup"]["callStage"] == "Stage 0"

    def test_patch(self, staff_client, number, strict_response):
        response = patch(staff_client, number, {"routing": {"tenDlcApplicationId": "app-1"}})

        assert response.status_code == HTTPStatus.OK, response.json()
        assert strict_response(response.json())["routing"]["tenDlcApplicationId"] == "app-1"

    def test_a_missing_documented_field_fails_the_strict_check(self, member_client, number):
        body = member_client.get(url(number)).json()
        del body["warmup"]["callStage"]
        validator = seed_validator(load_seed_document(), "PhoneNumberResponse", strict=True)

        assert seed_errors(validator, body)
        lenient = seed_validator(load_seed_document(), "PhoneNumberResponse")
        assert not seed_errors(lenient, body)


# --- PATCH routing.tenDlcApplicationId ----------------------------------------------------


class TestPatchTenDlcApplicationId:
    def test_staff_set_it(self, staff_client, number):
        response = patch(staff_client, number, {"routing": {"tenDlcApplicationId": "app-1"}})

        assert response.status_code == HTTPStatus.OK, response.json()
        number.refresh_from_db()
        assert number.routing_ten_dlc_application_id == "app-1"
        event = PhoneNumberEvent.objects.get(phone_number=number)
        assert event.data == {
            "before": {"routing.tenDlcApplicationId": None},
            "after": {"routing.tenDlcApplicationId": "app-1"},
        }

    def test_staff_clear_it_with_null(self, staff_client, number):
        PhoneNumber.objects.filter(pk=number.pk).update(routing_ten_dlc_application_id="app-1")

        response = patch(staff_client, number, {"routing": {"tenDlcApplicationId": None}})

        assert response.status_code == HTTPStatus.OK, response.json()
        assert response.json()["routing"]["tenDlcApplicationId"] is None

    def test_a_tenant_gets_403_and_nothing_changes(self, member_client, number, unchanged_db):
        with unchanged_db():
            response = patch(member_client, number, {"routing": {"tenDlcApplicationId": "app-1"}})

        assert response.status_code == HTTPStatus.FORBIDDEN
        problem = response.json()
        assert problem["type"] == "/problems/field-not-writable"
        assert list(problem["errors"]) == ["routing.tenDlcApplicationId"]

    def test_a_tenant_may_send_it_back_unchanged(self, member_client, number):
        response = patch(
            member_client, number, {"name": "Mine", "routing": {"tenDlcApplicationId": None}}
        )

        assert response.status_code == HTTPStatus.OK, response.json()

    def test_too_long_is_400(self, staff_client, number, unchanged_db):
        with unchanged_db():
            response = patch(staff_client, number, {"routing": {"tenDlcApplicationId": "x" * 256}})

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "routing.tenDlcApplicationId" in str(response.json()["errors"])

    @pytest.mark.parametrize("client", ["staff_client", "member_client"])
    def test_phone_identity_id_is_written_by_no_request(
        self, request, client, number, unchanged_db
    ):
        api = request.getfixturevalue(client)

        with unchanged_db():
            response = patch(api, number, {"phoneIdentityId": "pid-1"})

        # As every system field the PATCH body does not take (leadpingOwned, number, ...).
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()["errors"]) == ["phoneIdentityId"]


# --- A change of owner --------------------------------------------------------------------


@pytest.fixture
def set_up(staff_client, number):
    PhoneNumber.objects.filter(pk=number.pk).update(phone_identity_id="pid-1")
    response = patch(staff_client, number, {"routing": {"tenDlcApplicationId": "app-b"}})
    assert response.status_code == HTTPStatus.OK
    return number


class TestAChangeOfOwner:
    def test_the_application_is_the_owners_and_the_identity_the_numbers(self):
        assert "routing_ten_dlc_application_id" in OWNER_FIELDS
        assert "phone_identity_id" not in OWNER_FIELDS

    def test_returned_to_the_pool_clears_the_application_and_keeps_the_identity(
        self, staff_client, set_up
    ):
        response = patch(staff_client, set_up, {"businessId": None})

        assert response.status_code == HTTPStatus.OK, response.json()
        body = response.json()
        assert body["organization"] is None
        assert body["routing"]["tenDlcApplicationId"] is None
        assert body["phoneIdentityId"] == "pid-1"
        left = PhoneNumberEvent.objects.get(phone_number=set_up, type=EventType.UNASSIGNED)
        assert left.data["before"]["routing.tenDlcApplicationId"] == "app-b"
        assert left.data["after"]["routing.tenDlcApplicationId"] is None

    def test_moved_to_another_business_clears_the_application_and_keeps_the_identity(
        self, staff_client, set_up
    ):
        other = BusinessFactory(name="Charlie")

        response = patch(staff_client, set_up, {"businessId": str(other.pk)})

        assert response.status_code == HTTPStatus.OK, response.json()
        body = response.json()
        assert body["organization"] == {"id": str(other.pk), "name": "Charlie"}
        assert body["routing"]["tenDlcApplicationId"] is None
        assert body["phoneIdentityId"] == "pid-1"
        arrived = PhoneNumberEvent.objects.get(phone_number=set_up, type=EventType.ASSIGNED)
        assert "app-b" not in str(arrived.data)

    def test_released_loses_the_application(self, staff_client, set_up):
        response = staff_client.delete(url(set_up))

        assert response.status_code == HTTPStatus.NO_CONTENT, response.content
        set_up.refresh_from_db()
        assert set_up.routing_ten_dlc_application_id is None
        assert set_up.phone_identity_id == "pid-1"


# --- The import and the export ------------------------------------------------------------


class TestImportAndExport:
    def test_the_import_writes_the_application_and_the_export_writes_it_back(
        self, tmp_path, number
    ):
        path = tmp_path / "in.csv"
        path.write_text(f"number,routingTenDlcApplicationId\n{number.number},app-9\n")
        call_command(
            "import_phone_numbers",
            str(path),
            "--on-conflict",
            "update",
            "--no-progress",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        number.refresh_from_db()
        assert number.routing_ten_dlc_application_id == "app-9"

        out = io.StringIO()
        call_command("export_phone_numbers", "-", stdout=out, stderr=io.StringIO())
        (row,) = csv.DictReader(io.StringIO(out.getvalue()))
        assert row["routingTenDlcApplicationId"] == "app-9"

    def test_the_import_refuses_the_provider_identity(self, tmp_path, number):
        path = tmp_path / "in.csv"
        path.write_text(f"number,phoneIdentityId\n{number.number},pid-1\n")

        with pytest.raises(Exception, match="phoneIdentityId"):
            call_command(
                "import_phone_numbers",
                str(path),
                "--no-progress",
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
