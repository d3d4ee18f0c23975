"""Bearer API keys, and that a key of one business never reaches another."""

from http import HTTPStatus

import pytest
from rest_framework.test import APIClient

from accounts.services import api_key_create, api_key_revoke
from phonenumbers_app.models import PhoneNumber
from tests.conftest import client_for
from tests.factories import MembershipFactory, PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db
BODY = {"name": "A", "number": "+14155552671"}


def assert_401(response) -> None:
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/unauthenticated"


class TestAuthentication:
    def test_no_key_is_a_401_with_bearer_challenge(self, unchanged_db):
        with unchanged_db():
            assert_401(APIClient().post("/phone-numbers", BODY, format="json"))

    @pytest.mark.parametrize(
        "header",
        [
            "Bearer nonsense",
            "Bearer abc.def",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "Token abc.def",
            "Bearer a b",
        ],
    )
    def test_bad_or_malformed_key_is_a_401(self, header, unchanged_db):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)

        with unchanged_db():
            assert_401(client.post("/phone-numbers", BODY, format="json"))

    def test_right_prefix_with_wrong_secret_is_a_401(self, staff_user):
        api_key, _ = api_key_create(user=staff_user, name="t")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.prefix}.wrong-secret")

        assert_401(client.post("/phone-numbers", BODY, format="json"))

    def test_revoked_key_is_a_401(self, staff_user):
        api_key, key = api_key_create(user=staff_user, name="t")
        api_key_revoke(prefix=api_key.prefix)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

        assert_401(client.post("/phone-numbers", BODY, format="json"))

    def test_key_of_a_deactivated_user_is_a_401(self, staff_user):
        client = client_for(staff_user)
        staff_user.is_active = False
        staff_user.save()

        assert_401(client.post("/phone-numbers", BODY, format="json"))

    def test_keys_are_stored_hashed(self, staff_user):
        api_key, key = api_key_create(user=staff_user, name="t")

        assert key.split(".")[1] not in api_key.hashed_key
        assert api_key.hashed_key.startswith("sha512$$")


class TestTenancy:
    def test_member_cannot_create_in_another_business(
        self, member_client, other_business, unchanged_db
    ):
        with unchanged_db():
            response = member_client.post(
                "/phone-numbers", {**BODY, "businessId": str(other_business.pk)}, format="json"
            )

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["errors"] == {"businessId": ["No business with this id exists."]}

    def test_other_business_is_answered_like_a_missing_one(self, member_client, other_business):
        import uuid

        hidden = member_client.post(
            "/phone-numbers", {**BODY, "businessId": str(other_business.pk)}, format="json"
        ).json()
        missing = member_client.post(
            "/phone-numbers", {**BODY, "businessId": str(uuid.uuid4())}, format="json"
        ).json()

        assert hidden["errors"] == missing["errors"]
        assert hidden["detail"] == missing["detail"]

    def test_member_cannot_see_a_number_of_another_business(self, member_client, other_business):
        theirs = PhoneNumberFactory(business=other_business, inventory_state="Assigned")

        response = member_client.get(f"/phone-numbers/{theirs.pk}")

        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json()["type"] == "/problems/not-found"

    def test_member_sees_their_own_number(self, member_client, business):
        mine = PhoneNumberFactory(business=business, inventory_state="Assigned")

        assert member_client.get(f"/phone-numbers/{mine.pk}").status_code == HTTPStatus.OK

    def test_member_cannot_create_unassigned_inventory(self, business, unchanged_db):
        user = UserFactory()
        MembershipFactory(user=user, business=business)
        MembershipFactory(user=user)  # a second business: businessId can't be inferred
        client = client_for(user)

        with unchanged_db():
            response = client.post("/phone-numbers", BODY, format="json")

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "2 businesses" in response.json()["errors"]["businessId"][0]

    def test_member_of_no_business_must_name_one(self, unchanged_db):
        client = client_for(UserFactory())

        with unchanged_db():
            response = client.post("/phone-numbers", BODY, format="json")

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "businessId" in response.json()["errors"]

    def test_member_claim_never_takes_a_number_of_another_business(
        self, member_client, other_business, unchanged_db
    ):
        PhoneNumberFactory(business=other_business, inventory_state="Assigned")

        with unchanged_db():
            response = member_client.post("/phone-numbers", {"name": "A"}, format="json")

        assert response.status_code == HTTPStatus.CONFLICT
        assert PhoneNumber.objects.filter(business__isnull=True).count() == 0


def test_expired_key_is_a_401(staff_user):
    import datetime

    from django.utils import timezone

    api_key, key = api_key_create(user=staff_user, name="t")
    api_key.expiry_date = timezone.now() - datetime.timedelta(minutes=1)
    api_key.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    assert_401(client.get("/businesses"))


def test_key_with_a_future_expiry_works(staff_user):
    import datetime

    from django.utils import timezone

    api_key, key = api_key_create(user=staff_user, name="t")
    api_key.expiry_date = timezone.now() + datetime.timedelta(days=1)
    api_key.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    assert client.get("/businesses").status_code == HTTPStatus.OK
