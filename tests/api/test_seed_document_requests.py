"""Requests as clients generated from the seed product's published phone-numbers document
send them: `organizationId` for `businessId`, bodies as `application/*+json`, and errors
asked for as `application/json`."""

from __future__ import annotations

import json
from http import HTTPStatus
from uuid import uuid4

import pytest

from phonenumbers_app.models import PhoneNumber
from tests.conftest import db_state
from tests.factories import BusinessFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db


def post(client, body: dict, content_type: str = "application/json", **headers):
    return client.generic(
        "POST", "/phone-numbers", json.dumps(body), content_type=content_type, headers=headers
    )


class TestOrganizationId:
    def test_creates_for_the_organization(self, member_client, business):
        response = post(
            member_client,
            {"name": "Org", "number": "+14155550190", "organizationId": str(business.pk)},
        )

        assert response.status_code < 300, response.content
        assert PhoneNumber.objects.get(number="+14155550190").business == business

    def test_equal_to_business_id_is_accepted(self, member_client, business):
        body = {
            "name": "Both",
            "number": "+14155550191",
            "businessId": str(business.pk),
            "organizationId": str(business.pk),
        }

        assert post(member_client, body).status_code < 300

    def test_different_from_business_id_is_a_400_that_changes_nothing(self, staff_client, business):
        other = BusinessFactory()
        before = db_state()
        body = {
            "name": "Both",
            "number": "+14155550192",
            "businessId": str(business.pk),
            "organizationId": str(other.pk),
        }

        response = post(staff_client, body)

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert set(response.json()["errors"]) == {"organizationId"}
        assert db_state() == before

    def test_patch_moves_the_number_to_the_organization(self, staff_client, business):
        number = PhoneNumberFactory()

        response = staff_client.generic(
            "PATCH",
            f"/phone-numbers/{number.pk}",
            json.dumps({"organizationId": str(business.pk)}),
            content_type="application/json",
        )

        assert response.status_code == HTTPStatus.OK, response.content
        number.refresh_from_db()
        assert number.business == business

    def test_another_tenant_s_organization_is_refused_like_its_business_id(self, member_client):
        stranger = BusinessFactory()
        before = db_state()

        response = post(
            member_client,
            {"name": "X", "number": "+14155550193", "organizationId": str(stranger.pk)},
        )

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert db_state() == before
        # named as the client named it
        assert response.json()["errors"] == {"organizationId": ["No business with this id exists."]}

    def test_a_business_id_error_keeps_its_name(self, member_client):
        response = post(
            member_client, {"name": "X", "number": "+14155550193", "businessId": str(uuid4())}
        )
        assert response.json()["errors"] == {"businessId": ["No business with this id exists."]}


class TestStructuredJsonBodies:
    @pytest.mark.parametrize(
        "content_type",
        [
            "application/*+json",
            "application/vnd.leadping+json",
            "application/merge-patch+json; charset=utf-8",
        ],
    )
    def test_is_read_as_json(self, staff_client, content_type):
        response = post(staff_client, {"name": "Typed", "number": "+14155550194"}, content_type)

        assert response.status_code < 300, response.content
        assert PhoneNumber.objects.filter(number="+14155550194").exists()

    @pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "text/json+json"])
    def test_other_types_are_still_415(self, staff_client, content_type):
        response = post(staff_client, {"name": "Typed", "number": "+14155550195"}, content_type)

        assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
        assert not PhoneNumber.objects.filter(number="+14155550195").exists()


class TestErrorContentType:
    @pytest.mark.parametrize(
        ("accept", "expected"),
        [
            (None, "application/problem+json"),
            ("*/*", "application/problem+json"),
            ("application/json, application/problem+json", "application/problem+json"),
            ("application/json", "application/json"),
            ("application/json;q=0.9, text/plain", "application/json"),
        ],
    )
    def test_problem_json_unless_only_json_is_asked_for(self, staff_client, accept, expected):
        headers = {"Accept": accept} if accept else {}

        response = post(staff_client, {"name": ""}, **headers)

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response["Content-Type"] == expected
        assert response.json()["type"] == "/problems/validation-error"

    def test_accepting_only_problem_json_is_a_406_in_problem_json(self, staff_client):
        # Successful answers are application/json, which this client does not accept.
        response = post(staff_client, {"name": ""}, Accept="application/problem+json")

        assert response.status_code == HTTPStatus.NOT_ACCEPTABLE
        assert response["Content-Type"] == "application/problem+json"

    def test_a_404_outside_the_api_views_negotiates_too(self, staff_client):
        response = staff_client.get("/no-such-thing", headers={"Accept": "application/json"})

        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response["Content-Type"] == "application/json"
        assert response.json()["status"] == HTTPStatus.NOT_FOUND
