"""/webhook-endpoints: create, list, read, change, delete, rotate the secret."""

from __future__ import annotations

import datetime
import logging
import uuid
from http import HTTPStatus

import pytest
from django.utils import timezone

from core.models import IdempotencyRecord
from tests.factories import BusinessFactory, MembershipFactory
from tests.webhooks.api.conftest import PUBLIC_URL
from webhooks.models import WebhookEndpoint, WebhookEndpointEvent
from webhooks.secrets import secret_decrypt
from webhooks.services import DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS, endpoint_create

pytestmark = pytest.mark.django_db

URL = "/webhook-endpoints"


def detail(endpoint) -> str:
    return f"{URL}/{endpoint.pk}"


class TestCreate:
    def test_a_member_adds_an_endpoint_of_their_business_and_sees_its_secret_once(
        self, member_client, business
    ):
        response = member_client.post(
            URL,
            {"url": "https://hooks.example.com/in", "eventTypes": ["phone_number.released"]},
            format="json",
        )

        assert response.status_code == HTTPStatus.CREATED
        body = response.json()
        endpoint = WebhookEndpoint.objects.get()
        assert body["id"] == str(endpoint.pk)
        assert body["businessId"] == str(business.pk)
        assert body["eventTypes"] == ["phone_number.released"]
        assert body["enabled"] is True
        assert body["secret"].startswith("whsec_")
        assert secret_decrypt(endpoint.secret) == body["secret"]
        assert body["secret"] not in endpoint.secret  # kept encrypted
        assert response["Location"].endswith(f"{URL}/{endpoint.pk}")
        event = WebhookEndpointEvent.objects.get(endpoint=endpoint)
        assert event.type == "created"
        assert body["secret"] not in str(event.data) + event.details

    def test_defaults_are_all_event_types_enabled_and_no_description(self, member_client):
        body = member_client.post(URL, {"url": "https://h.example.com"}, format="json").json()

        assert body["eventTypes"] is None
        assert body["enabled"] is True
        assert body["description"] == ""

    def test_staff_without_business_id_makes_a_global_endpoint(self, staff_client):
        response = staff_client.post(URL, {"url": "https://h.example.com"}, format="json")

        assert response.status_code == HTTPStatus.CREATED
        assert response.json()["businessId"] is None
        assert WebhookEndpoint.objects.get().business_id is None

    def test_staff_names_any_business(self, staff_client, other_business):
        response = staff_client.post(
            URL,
            {"url": "https://h.example.com", "businessId": str(other_business.pk)},
            format="json",
        )

        assert response.status_code == HTTPStatus.CREATED
        assert response.json()["businessId"] == str(other_business.pk)

    def test_a_tenant_naming_another_business_hears_what_an_unknown_one_gets(
        self, member_client, other_business, unchanged_webhooks
    ):
        with unchanged_webhooks():
            theirs = member_client.post(
                URL,
                {"url": "https://h.example.com", "businessId": str(other_business.pk)},
                format="json",
            )
            unknown = member_client.post(
                URL,
                {"url": "https://h.example.com", "businessId": str(uuid.uuid4())},
                format="json",
            )

        assert theirs.status_code == unknown.status_code == HTTPStatus.BAD_REQUEST
        assert theirs.json()["errors"] == unknown.json()["errors"]
        assert list(theirs.json()["errors"]) == ["businessId"]

    def test_a_tenant_cannot_make_a_global_endpoint(self, member_client, unchanged_webhooks):
        with unchanged_webhooks():
            response = member_client.post(
                URL, {"url": "https://h.example.com", "businessId": None}, format="json"
            )

        assert response.status_code == HTTPStatus.FORBIDDEN
        problem = response.json()
        assert problem["type"] == "/problems/field-not-writable"
        assert "null" in problem["errors"]["businessId"][0]

    def test_a_tenant_of_two_businesses_must_name_one(
        self, member, member_client, other_business, unchanged_webhooks
    ):
        MembershipFactory(user=member, business=BusinessFactory(name="Second"))

        with unchanged_webhooks():
            response = member_client.post(URL, {"url": "https://h.example.com"}, format="json")

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "businessId" in response.json()["errors"]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "url"),
            ({"url": ""}, "url"),
            ({"url": 5}, "url"),
            ({"url": "ftp://h.example.com/x"}, "url"),
            ({"url": "https://"}, "url"),
            ({"url": "https://user:pw@h.example.com/x"}, "url"),
            ({"url": "https://h.example.com/" + "x" * 2048}, "url"),
            ({"url": "https://h.example.com", "eventTypes": []}, "eventTypes"),
            ({"url": "https://h.example.com", "eventTypes": "phone_number.created"}, "eventTypes"),
            ({"url": "https://h.example.com", "eventTypes": ["phone_number.nope"]}, "eventTypes"),
            ({"url": "https://h.example.com", "enabled": "yes"}, "enabled"),
            ({"url": "https://h.example.com", "description": "x" * 256}, "description"),
            ({"url": "https://h.example.com", "businessId": "nope"}, "businessId"),
            ({"url": "https://h.example.com", "secret": "whsec_mine"}, "secret"),
        ],
    )
    def test_a_bad_field_is_a_400_on_it_and_changes_nothing(
        self, staff_client, body, field, unchanged_webhooks
    ):
        with unchanged_webhooks():
            response = staff_client.post(URL, body, format="json")

        assert response.status_code == HTTPStatus.BAD_REQUEST
        problem = response.json()
        assert problem["type"] == "/problems/validation-error"
        assert field in problem["errors"], problem

    def test_an_unknown_event_type_is_refused_naming_the_catalog(self, staff_client):
        response = staff_client.post(
            URL,
            {"url": "https://h.example.com", "eventTypes": ["phone_number.created", "nope.x"]},
            format="json",
        )

        (message,) = response.json()["errors"]["eventTypes"]
        assert "nope.x" in message
        assert "/asyncapi.json" in message

    def test_bad_url_and_bad_event_types_are_reported_together(self, staff_client):
        response = staff_client.post(
            URL, {"url": "ftp://x.example.com", "eventTypes": ["nope"]}, format="json"
        )

        assert set(response.json()["errors"]) == {"url", "eventTypes"}


class TestUrlRulesInProduction:
    """With local targets not allowed (production), only public https addresses."""

    @pytest.fixture(autouse=True)
    def production_targets(self, settings):
        settings.WEBHOOK_ALLOW_LOCAL_TARGETS = False

    @pytest.mark.parametrize(
        ("url", "says"),
        [
            ("http://93.184.215.14/hook", "https://"),
            ("https://127.0.0.1/hook", "not a public address"),
            ("https://10.1.2.3/hook", "not a public address"),
            ("https://192.168.0.10:8443/hook", "not a public address"),
            ("https://169.254.169.254/latest/meta-data", "not a public address"),
            ("https://[::1]/hook", "not a public address"),
            ("https://localhost/hook", "not a public address"),
            ("https://printer.local/hook", "not a public address"),
        ],
    )
    def test_a_non_public_or_plain_http_url_is_refused(
        self, member_client, url, says, unchanged_webhooks
    ):
        with unchanged_webhooks():
            response = member_client.post(URL, {"url": url}, format="json")

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert says in response.json()["errors"]["url"][0]

    def test_a_public_https_url_is_accepted(self, member_client):
        response = member_client.post(URL, {"url": PUBLIC_URL}, format="json")

        assert response.status_code == HTTPStatus.CREATED, response.content

    def test_a_change_to_a_private_url_is_refused_too(
        self, member_client, endpoint, unchanged_webhooks
    ):
        with unchanged_webhooks():
            response = member_client.patch(
                detail(endpoint), {"url": "https://10.0.0.1/x"}, format="json"
            )

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "url" in response.json()["errors"]


class TestTheSecretIsShownOnce:
    def test_no_read_list_or_change_answer_has_it(self, member_client):
        created = member_client.post(URL, {"url": "https://h.example.com"}, format="json").json()
        secret = created["secret"]
        path = f"{URL}/{created['id']}"

        answers = [
            member_client.get(path),
            member_client.get(URL),
            member_client.patch(path, {"description": "Billing"}, format="json"),
        ]

        for answer in answers:
            assert answer.status_code == HTTPStatus.OK
            assert b"secret" not in answer.content.replace(b"previousSecretExpiresAt", b"")
            assert secret.encode() not in answer.content

    def test_it_is_in_no_log(self, member_client, caplog):
        caplog.set_level(logging.DEBUG)

        created = member_client.post(URL, {"url": "https://h.example.com"}, format="json").json()
        rotated = member_client.post(
            f"{URL}/{created['id']}/rotate-secret", {}, format="json"
        ).json()

        for secret in (created["secret"], rotated["secret"]):
            assert secret not in caplog.text
            assert all(secret not in str(record.__dict__) for record in caplog.records)

    def test_a_retry_with_the_idempotency_key_gets_the_same_answer_secret_included(
        self, member_client
    ):
        body = {"url": "https://h.example.com"}
        first = member_client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="create-1")
        again = member_client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="create-1")

        assert first.status_code == again.status_code == HTTPStatus.CREATED
        assert again["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        assert again["Location"] == first["Location"]
        assert WebhookEndpoint.objects.count() == 1

    def test_the_stored_answer_keeps_the_secret_sealed(self, member_client):
        first = member_client.post(
            URL, {"url": "https://h.example.com"}, format="json", HTTP_IDEMPOTENCY_KEY="create-2"
        )
        secret = first.json()["secret"]
        endpoint = WebhookEndpoint.objects.get()
        rotated = member_client.post(
            detail(endpoint) + "/rotate-secret", {}, format="json", HTTP_IDEMPOTENCY_KEY="rot-1"
        )

        stored = b"".join(bytes(r.body) for r in IdempotencyRecord.objects.all())
        assert secret.encode() not in stored
        assert rotated.json()["secret"].encode() not in stored
        assert stored.count(b"sealed:") == 2
        replayed = member_client.post(
            detail(endpoint) + "/rotate-secret", {}, format="json", HTTP_IDEMPOTENCY_KEY="rot-1"
        )
        assert replayed.json()["secret"] == rotated.json()["secret"]


class TestRead:
    def test_a_member_lists_only_their_businesses_endpoints(
        self, member_client, endpoint, other_endpoint, staff_user
    ):
        endpoint_create(acting_user=staff_user, business=None, url="https://global.example.com")

        body = member_client.get(URL).json()

        assert [item["id"] for item in body["items"]] == [str(endpoint.pk)]
        assert body["continuationToken"] is None

    def test_staff_see_every_endpoint_global_ones_included(
        self, staff_client, staff_user, endpoint, other_endpoint
    ):
        global_one, _ = endpoint_create(
            acting_user=staff_user, business=None, url="https://global.example.com"
        )

        body = staff_client.get(URL, {"includeCount": "true"}).json()

        assert {item["id"] for item in body["items"]} == {
            str(endpoint.pk),
            str(other_endpoint.pk),
            str(global_one.pk),
        }
        assert body["totalCount"] == 3

    def test_the_list_filters_by_business_and_enabled(self, staff_client, endpoint, other_endpoint):
        WebhookEndpoint.objects.filter(pk=other_endpoint.pk).update(enabled=False)

        by_business = staff_client.get(URL, {"businessId": str(endpoint.business_id)}).json()
        disabled = staff_client.get(URL, {"enabled": "false"}).json()

        assert [i["id"] for i in by_business["items"]] == [str(endpoint.pk)]
        assert [i["id"] for i in disabled["items"]] == [str(other_endpoint.pk)]

    @pytest.mark.parametrize(
        "query", ["enabled=maybe", "businessId=nope", "colour=red", "pageSize=0"]
    )
    def test_bad_list_parameters_are_a_400(self, staff_client, query):
        response = staff_client.get(f"{URL}?{query}")

        assert response.status_code == HTTPStatus.BAD_REQUEST

    def test_the_list_pages_with_a_continuation_token(self, staff_client, staff_user, business):
        made = [
            endpoint_create(acting_user=staff_user, business=business, url=f"https://{i}.ex.com")[0]
            for i in range(5)
        ]

        first = staff_client.get(URL, {"pageSize": 2}).json()
        second = staff_client.get(
            URL, {"pageSize": 2, "continuationToken": first["continuationToken"]}
        ).json()
        third = staff_client.get(
            URL, {"pageSize": 2, "continuationToken": second["continuationToken"]}
        ).json()

        seen = [item["id"] for page in (first, second, third) for item in page["items"]]
        assert seen == [str(e.pk) for e in made]  # oldest first
        assert third["continuationToken"] is None

    def test_a_member_reads_their_endpoint_with_and_without_a_trailing_slash(
        self, member_client, endpoint
    ):
        for path in (detail(endpoint), detail(endpoint) + "/"):
            response = member_client.get(path)
            assert response.status_code == HTTPStatus.OK
            assert response.json()["url"] == "https://a.example.com/hook"


class TestChange:
    def test_a_member_changes_every_field(self, member_client, endpoint, member):
        response = member_client.patch(
            detail(endpoint),
            {
                "url": "https://new.example.com/in",
                "eventTypes": ["phone_number.created", "phone_number.released"],
                "description": "CRM",
                "enabled": False,
            },
            format="json",
        )

        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert body["url"] == "https://new.example.com/in"
        assert body["eventTypes"] == ["phone_number.created", "phone_number.released"]
        assert body["description"] == "CRM"
        assert body["enabled"] is False
        endpoint.refresh_from_db()
        assert (endpoint.url, endpoint.enabled) == ("https://new.example.com/in", False)
        event = WebhookEndpointEvent.objects.filter(type="updated").get()
        assert event.actor == member

    def test_event_types_null_means_all_and_absent_keeps_them(self, member_client, endpoint):
        member_client.patch(
            detail(endpoint), {"eventTypes": ["phone_number.created"]}, format="json"
        )
        kept = member_client.patch(detail(endpoint), {"description": "x"}, format="json").json()
        all_types = member_client.patch(
            detail(endpoint), {"eventTypes": None}, format="json"
        ).json()

        assert kept["eventTypes"] == ["phone_number.created"]
        assert all_types["eventTypes"] is None

    def test_an_empty_body_changes_nothing(self, member_client, endpoint, unchanged_webhooks):
        with unchanged_webhooks():
            response = member_client.patch(detail(endpoint), {}, format="json")

        assert response.status_code == HTTPStatus.OK

    @pytest.mark.parametrize(
        "body",
        [
            {"url": "ftp://x.example.com", "description": "ok"},
            {"eventTypes": ["nope"], "description": "ok"},
            {"eventTypes": [], "description": "ok"},
            {"enabled": 1},
            {"businessId": None},
            {"description": "ok", "secret": "whsec_x"},
        ],
    )
    def test_a_failed_change_changes_nothing(
        self, member_client, endpoint, body, unchanged_webhooks
    ):
        with unchanged_webhooks():
            response = member_client.patch(detail(endpoint), body, format="json")

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["type"] == "/problems/validation-error"


class TestDelete:
    def test_a_member_deletes_their_endpoint(self, member_client, endpoint):
        response = member_client.delete(detail(endpoint))

        assert response.status_code == HTTPStatus.NO_CONTENT
        assert not WebhookEndpoint.objects.exists()
        assert member_client.get(detail(endpoint)).status_code == HTTPStatus.NOT_FOUND
        assert WebhookEndpointEvent.objects.filter(type="deleted").exists()


class TestRotateSecret:
    def test_the_previous_secret_signs_for_the_grace_period(self, member_client, endpoint):
        before = secret_decrypt(endpoint.secret)

        response = member_client.post(
            detail(endpoint) + "/rotate-secret", {"graceSeconds": 3600}, format="json"
        )

        assert response.status_code == HTTPStatus.OK
        body = response.json()
        endpoint.refresh_from_db()
        assert body["secret"] != before
        assert secret_decrypt(endpoint.secret) == body["secret"]
        assert secret_decrypt(endpoint.previous_secret) == before
        expires = datetime.datetime.fromisoformat(body["previousSecretExpiresAt"])
        assert abs(expires - (timezone.now() + datetime.timedelta(hours=1))).total_seconds() < 60

    def test_by_default_the_grace_period_is_a_day_and_zero_ends_it_at_once(
        self, member_client, endpoint
    ):
        default = member_client.post(detail(endpoint) + "/rotate-secret").json()
        at_once = member_client.post(
            detail(endpoint) + "/rotate-secret", {"graceSeconds": 0}, format="json"
        ).json()

        expires = datetime.datetime.fromisoformat(default["previousSecretExpiresAt"])
        in_a_day = timezone.now() + datetime.timedelta(seconds=DEFAULT_GRACE_SECONDS)
        assert abs((expires - in_a_day).total_seconds()) < 60
        assert at_once["previousSecretExpiresAt"] is None

    @pytest.mark.parametrize("grace", [-1, MAX_GRACE_SECONDS + 1, "60", 1.5, True, None, 10**30])
    def test_a_bad_grace_period_changes_nothing(
        self, member_client, endpoint, grace, unchanged_webhooks
    ):
        with unchanged_webhooks():
            response = member_client.post(
                detail(endpoint) + "/rotate-secret", {"graceSeconds": grace}, format="json"
            )

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "graceSeconds" in response.json()["errors"]


class TestAnotherTenantsEndpoint:
    """A member of business A acting on B's endpoint: as if it did not exist."""

    @pytest.mark.parametrize(
        ("method", "suffix", "body"),
        [
            ("get", "", None),
            ("patch", "", {"description": "mine now"}),
            ("delete", "", None),
            ("post", "/rotate-secret", {}),
            ("post", "/test", {}),
            ("get", "/deliveries", None),
        ],
    )
    def test_is_a_404_and_unchanged(
        self, member_client, other_endpoint, method, suffix, body, unchanged_webhooks
    ):
        with unchanged_webhooks():
            kwargs = {"format": "json"} if body is not None else {}
            args = (body,) if body is not None else ()
            theirs = getattr(member_client, method)(
                detail(other_endpoint) + suffix, *args, **kwargs
            )
            missing = getattr(member_client, method)(
                f"{URL}/{uuid.uuid4()}{suffix}", *args, **kwargs
            )

        assert theirs.status_code == missing.status_code == HTTPStatus.NOT_FOUND
        assert theirs.json()["detail"] == missing.json()["detail"]

    def test_a_global_endpoint_is_a_404_to_a_member(
        self, member_client, staff_user, unchanged_webhooks
    ):
        global_one, _ = endpoint_create(
            acting_user=staff_user, business=None, url="https://g.example.com"
        )

        with unchanged_webhooks():
            response = member_client.delete(detail(global_one))

        assert response.status_code == HTTPStatus.NOT_FOUND

    def test_staff_act_on_any_endpoint(self, staff_client, other_endpoint):
        response = staff_client.patch(
            detail(other_endpoint), {"description": "Checked by support"}, format="json"
        )

        assert response.status_code == HTTPStatus.OK
