"""PATCH and PUT /phone-numbers/{id}: a tenant's key writes the tenant's fields only."""

from http import HTTPStatus

import pytest
from drf_spectacular.generators import SchemaGenerator

from phonenumbers_app.api.inputs import NULL_STAFF_ONLY, STAFF_ONLY
from phonenumbers_app.field_ownership import FIELD_OWNERS, STAFF, TENANT, owned_by
from phonenumbers_app.models import PhoneNumberEvent
from tests.factories import BusinessFactory, MembershipFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db

# What a tenant might try: (body, the fields the answer must name).
STAFF_WRITES = [
    ({"billing": {"monthlyAmount": "0.00"}}, ["billing.monthlyAmount"]),
    ({"tenDlc": {"campaignStatus": "Approved"}}, ["tenDlc.campaignStatus"]),
    ({"status": "Provisioning"}, ["status"]),
    ({"warmupHealthScore": "100"}, ["warmupHealthScore"]),
    ({"inventoryState": "Ready for SMS"}, ["inventoryState"]),
    ({"warmupState": "Ready", "healthStatus": "Healthy"}, ["warmupState", "healthStatus"]),
    ({"warmupProgressPercent": 100}, ["warmupProgressPercent"]),
    ({"warmupNextActionAt": "2030-01-01T00:00:00Z"}, ["warmupNextActionAt"]),
    ({"healthReason": "All good"}, ["healthReason"]),
    ({"capabilities": {"testing": True}}, ["capabilities.testing"]),
    ({"routing": {"messagingProfileId": "mp-1"}}, ["routing.messagingProfileId"]),
    ({"routing": {"tenDlcApplicationId": "app-1"}}, ["routing.tenDlcApplicationId"]),
    ({"routing": {"warmupOnly": True}}, ["routing.warmupOnly"]),
    ({"businessId": None}, ["businessId"]),
]
# Every TENANT field with a new value (the mirrors teamId etc. as top-level fields).
TENANT_WRITE = {
    "name": "Sales",
    "enabled": False,
    "teamId": "team-1",
    "campaignId": "camp-1",
    "sourceId": "src-1",
    "routing": {"smsEnabled": True, "voiceEnabled": False},
    "isDefault": True,
    "isPreferred": True,
    "warmupEnabled": False,
}


@pytest.fixture
def number(business):
    return PhoneNumberFactory(number="+14155552671", business=business, name="Front desk")


def url(number) -> str:
    return f"/phone-numbers/{number.pk}"


def patch(client, number, body):
    return client.patch(url(number), body, format="json")


def _flat(body: dict, prefix: str = "") -> set[str]:
    names = set()
    for key, value in body.items():
        name = f"{prefix}.{key}" if prefix else key
        names |= _flat(value, name) if isinstance(value, dict) else {name}
    return names


@pytest.mark.parametrize(("body", "refused"), STAFF_WRITES)
def test_a_tenant_cannot_write_a_staff_field(member_client, number, body, refused, unchanged_db):
    with unchanged_db():
        response = patch(member_client, number, body)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/field-not-writable"
    assert list(problem["errors"]) == refused
    assert member_client.get(url(number))["ETag"] == number.etag


def test_the_answer_names_every_refused_field_at_once(member_client, number, unchanged_db):
    body = {"name": "Mine", "status": "Provisioning", "warmupHealthScore": "100"}
    body |= {"tenDlc": {"campaignStatus": "Approved"}, "billing": {"monthlyAmount": "0.00"}}

    with unchanged_db():
        response = patch(member_client, number, body)

    problem = response.json()
    refused = ["status", "warmupHealthScore", "tenDlc.campaignStatus", "billing.monthlyAmount"]
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert list(problem["errors"]) == refused
    assert all(field in problem["detail"] for field in refused)
    assert all(
        message == ["Only a staff key may change this field."]
        for message in problem["errors"].values()
    )


@pytest.mark.parametrize(("body", "refused"), STAFF_WRITES[:-1])
def test_staff_write_the_same_fields(staff_client, number, body, refused):
    response = patch(staff_client, number, body)

    assert response.status_code == HTTPStatus.OK, response.json()
    event = PhoneNumberEvent.objects.get(phone_number=number)
    assert set(refused) <= set(event.data["after"])


def test_a_tenant_writes_every_tenant_field(member_client, member, business, number):
    # The body covers the table's TENANT fields (businessId has its own test below).
    assert _flat(TENANT_WRITE) == set(owned_by(TENANT)) - {"businessId"}
    number.warmup_enabled = True
    number.save()

    response = patch(member_client, number, TENANT_WRITE)

    assert response.status_code == HTTPStatus.OK, response.json()
    body = response.json()
    for key, value in TENANT_WRITE.items():
        if isinstance(value, dict):
            assert {k: body[key][k] for k in value} == value
        else:
            assert body[key] == value, key
    event = PhoneNumberEvent.objects.get(phone_number=number)
    assert event.actor == member


def test_a_tenant_moves_its_number_to_another_of_its_businesses_by_patch_and_put(
    member_client, member, business, number
):
    second = BusinessFactory(name="Second Co")
    MembershipFactory(user=member, business=second)

    moved = patch(member_client, number, {"businessId": str(second.pk)})
    back = member_client.put(
        url(number), {"name": "Front desk", "businessId": str(business.pk)}, format="json"
    )

    assert moved.status_code == back.status_code == HTTPStatus.OK
    assert back.json()["business"]["id"] == str(business.pk)


def test_a_tenant_put_back_to_the_pool_is_refused(member_client, number, unchanged_db):
    with unchanged_db():
        response = member_client.put(
            url(number), {"name": "Front desk", "businessId": None}, format="json"
        )

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["errors"] == {
        "businessId": ["Only a staff key may set this field to null."]
    }


def test_a_whole_representation_sent_back_is_accepted(member_client, number):
    """Staff fields unchanged are not writes of them: GET, edit the name, PATCH it all back."""
    representation = member_client.get(url(number)).json()
    body = {
        key: representation[key]
        for key in ("status", "inventoryState", "warmupHealthScore", "warmupState", "healthReason")
    }
    body["name"] = "Renamed"
    body["tenDlc"] = {"campaignStatus": representation["tenDlc"]["campaignStatus"]}
    body["billing"] = {"monthlyAmount": representation["billing"]["monthlyAmount"]}

    response = patch(member_client, number, body)

    assert response.status_code == HTTPStatus.OK, response.json()
    event = PhoneNumberEvent.objects.get(phone_number=number)
    assert event.data["after"] == {"name": "Renamed"}


def test_a_bad_value_is_a_400_before_anyone_asks_who_owns_it(member_client, number, unchanged_db):
    with unchanged_db():
        response = patch(
            member_client, number, {"billing": {"monthlyAmount": "-1"}, "status": "Active"}
        )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert list(response.json()["errors"]) == ["billing.monthlyAmount"]


def test_warmup_pause_and_resume_stay_open_to_tenants(member_client, business):
    warming = PhoneNumberFactory(business=business, warmup_enabled=True, warmup_state="Warming")

    paused = member_client.post(url(warming) + "/warmup/pause", {"reason": "x"}, format="json")
    resumed = member_client.post(url(warming) + "/warmup/resume")

    assert paused.status_code == resumed.status_code == HTTPStatus.OK


# --- The schema says which fields need a staff key ------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _properties(schema: dict, component: str, prefix: str = "") -> dict[str, dict]:
    """{dotted name: property} of a request component and the groups it nests."""
    components = schema["components"]["schemas"]
    found = {}
    for name, prop in components[component]["properties"].items():
        ref = prop.get("$ref") or next(
            (item["$ref"] for item in prop.get("allOf", []) if "$ref" in item), None
        )
        dotted = f"{prefix}.{name}" if prefix else name
        group = ref and components[ref.rsplit("/", 1)[-1]]
        if group and "properties" in group:  # not an enum's component
            found |= _properties(schema, ref.rsplit("/", 1)[-1], dotted)
        else:
            found[dotted] = prop
    return found


MIRRORS = {"routing.teamId": "teamId", "routing.sourceId": "sourceId"}
MIRRORS |= {"routing.campaignId": "campaignId", "organizationId": "businessId"}


def test_the_patch_body_says_staff_only_on_exactly_the_staff_fields(schema):
    properties = _properties(schema, "PatchedPhoneNumberPatch")
    documented_staff = set()
    for dotted, prop in properties.items():
        field = MIRRORS.get(dotted, dotted)
        says = STAFF_ONLY in prop.get("description", "")
        assert says == (FIELD_OWNERS[field] == STAFF), dotted
        if says:
            documented_staff.add(field)

    # Every staff field the PATCH body takes is documented as such.
    assert documented_staff == {f for f in owned_by(STAFF) if f in properties}
    assert NULL_STAFF_ONLY in properties["businessId"]["description"]
    assert NULL_STAFF_ONLY in properties["organizationId"]["description"]


def test_the_put_body_says_null_business_needs_a_staff_key(schema):
    properties = _properties(schema, "PhoneNumberCreate")

    assert NULL_STAFF_ONLY in properties["businessId"]["description"]
    assert not any(STAFF_ONLY in p.get("description", "") for p in properties.values())


@pytest.mark.parametrize("method", ["patch", "put"])
def test_patch_and_put_document_the_403_field_not_writable(schema, method):
    responses = schema["paths"]["/phone-numbers/{id}"][method]["responses"]

    assert "field-not-writable" in responses["403"]["description"]
