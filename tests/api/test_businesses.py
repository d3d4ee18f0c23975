from http import HTTPStatus

import pytest

from businesses.models import Business
from tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


class TestCreate:
    def test_staff_creates_a_business(self, staff_client):
        response = staff_client.post("/businesses", {"name": "  Bright Dental "}, format="json")

        assert response.status_code == HTTPStatus.CREATED
        business = Business.objects.get()
        assert response.json() == {
            "id": str(business.pk),
            "name": "Bright Dental",
            "createdAt": business.created_at.isoformat().replace("+00:00", "Z"),
            "modifiedAt": None,
        }
        assert response["Location"].endswith(f"/businesses/{business.pk}")

    def test_non_staff_cannot_create_a_business(self, member_client, unchanged_db):
        with unchanged_db():
            response = member_client.post("/businesses", {"name": "X"}, format="json")

        assert response.status_code == HTTPStatus.FORBIDDEN

    @pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 256}, {"name": "A", "x": 1}])
    def test_bad_body_is_a_400(self, staff_client, body, unchanged_db):
        with unchanged_db():
            response = staff_client.post("/businesses/", body, format="json")

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["type"] == "/problems/validation-error"


class TestRead:
    def test_member_lists_only_their_businesses(self, member_client, business, other_business):
        body = member_client.get("/businesses").json()

        assert [item["id"] for item in body["items"]] == [str(business.pk)]
        assert body["totalCount"] is None
        assert body["continuationToken"] is None
        assert body["pageSize"] == 50

    def test_list_pages_with_a_continuation_token(self, staff_client):
        created = [BusinessFactory() for _ in range(5)]

        first = staff_client.get("/businesses?pageSize=2&includeCount=true").json()
        second = staff_client.get(
            "/businesses", {"pageSize": 2, "continuationToken": first["continuationToken"]}
        ).json()
        third = staff_client.get(
            "/businesses", {"pageSize": 2, "continuationToken": second["continuationToken"]}
        ).json()

        assert first["totalCount"] == 5
        seen = [item["id"] for page in (first, second, third) for item in page["items"]]
        assert sorted(seen) == sorted(str(b.pk) for b in created)
        assert third["continuationToken"] is None

    @pytest.mark.parametrize(
        "query", ["pageSize=0", "pageSize=501", "pageSize=x", "continuationToken=garbage"]
    )
    def test_bad_paging_parameters_are_a_400(self, staff_client, query):
        response = staff_client.get(f"/businesses?{query}")

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response["Content-Type"] == "application/problem+json"

    def test_member_gets_their_business(self, member_client, business):
        response = member_client.get(f"/businesses/{business.pk}/")

        assert response.status_code == HTTPStatus.OK
        assert response.json()["name"] == "Acme Roofing"

    def test_other_business_is_a_404_for_a_member(self, member_client, other_business):
        assert member_client.get(f"/businesses/{other_business.pk}").status_code == 404


class TestChange:
    def test_staff_renames_a_business(self, staff_client, business):
        response = staff_client.patch(
            f"/businesses/{business.pk}", {"name": "Acme Roofing & Siding"}, format="json"
        )

        assert response.status_code == HTTPStatus.OK
        assert response.json()["name"] == "Acme Roofing & Siding"
        assert response.json()["modifiedAt"] is not None

    def test_members_cannot_rename_their_business(self, member_client, business, unchanged_db):
        with unchanged_db():
            response = member_client.patch(
                f"/businesses/{business.pk}", {"name": "Mine"}, format="json"
            )

        assert response.status_code == HTTPStatus.FORBIDDEN

    def test_bad_rename_is_a_400(self, staff_client, business, unchanged_db):
        with unchanged_db():
            response = staff_client.patch(f"/businesses/{business.pk}", {"name": ""}, format="json")

        assert response.status_code == HTTPStatus.BAD_REQUEST


class TestDelete:
    def test_staff_deletes_an_empty_business_and_its_memberships(
        self, staff_client, member, business
    ):
        response = staff_client.delete(f"/businesses/{business.pk}")

        assert response.status_code == HTTPStatus.NO_CONTENT
        assert not Business.objects.filter(pk=business.pk).exists()
        assert not member.memberships.exists()

    def test_business_with_numbers_cannot_be_deleted(self, staff_client, business, unchanged_db):
        from tests.factories import PhoneNumberFactory

        PhoneNumberFactory(business=business)

        with unchanged_db():
            response = staff_client.delete(f"/businesses/{business.pk}")

        assert response.status_code == HTTPStatus.CONFLICT
        assert response.json()["type"] == "/problems/business-not-empty"

    def test_members_cannot_delete_and_unknown_is_a_404(
        self, member_client, staff_client, business
    ):
        import uuid

        assert member_client.delete(f"/businesses/{business.pk}").status_code == 403
        assert staff_client.delete(f"/businesses/{uuid.uuid4()}").status_code == 404
