"""Conversation ids in the path and businessId in the query are held to the body fields'
rules: a 400 naming them, never a database error (PostgreSQL stores no NUL character and
the column holds 255)."""

from http import HTTPStatus

import pytest

from outgoing.models import Conversation
from tests.outgoing_factories import sender

pytestmark = pytest.mark.django_db

OUTGOING = "/phone-numbers/outgoing/conversation"


@pytest.fixture(autouse=True)
def a_sender(business):
    return sender(business)


@pytest.mark.parametrize(
    ("conversation", "message"),
    [("a%00b", "Null characters are not allowed."), ("x" * 256, "no more than 255")],
)
@pytest.mark.parametrize("door", ["select", "pin", "unpin"])
def test_a_bad_conversation_id_in_the_path_is_a_400_naming_it(
    member_client, a_sender, conversation, message, door
):
    if door == "select":
        response = member_client.post(f"{OUTGOING}/{conversation}", {}, format="json")
    elif door == "pin":
        body = {"fromPhoneNumberId": str(a_sender.pk), "selection": {}}
        response = member_client.post(f"{OUTGOING}/{conversation}/override", body, format="json")
    else:
        response = member_client.delete(f"{OUTGOING}/{conversation}/override")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.json()["errors"]["conversationId"][0]
    assert not Conversation.objects.exists()


def test_the_longest_conversation_id_is_kept_whole(member_client):
    conversation = "x" * 255
    response = member_client.post(f"{OUTGOING}/{conversation}", {}, format="json")
    assert response.json()["canSend"] is True
    assert Conversation.objects.get().conversation_id == conversation


@pytest.mark.parametrize(("value", "message"), [("a%00", "Null characters"), ("", "blank")])
def test_a_bad_business_id_in_the_query_is_a_400_naming_it(staff_client, value, message):
    response = staff_client.delete(f"{OUTGOING}/c-1/override?businessId={value}")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.json()["errors"]["businessId"][0]


def test_staff_unpinning_name_the_business_in_the_query(staff_client, business):
    response = staff_client.delete(f"{OUTGOING}/c-1/override?businessId={business.pk}")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["canSend"] is True
    assert staff_client.delete(f"{OUTGOING}/c-1/override").status_code == 400
