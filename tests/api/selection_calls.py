"""Calls of the outgoing-number operations for tests, each 200 answer checked against the
published document's OutgoingNumberSelectionResponse (strict: every declared property
present, date-times well formed); tests/api/conftest.py checks them against ours."""

from __future__ import annotations

from functools import cache
from http import HTTPStatus
from typing import Any

from outgoing.models import Conversation, ConversationEvent, LeadSender
from tests.seed_document import load_seed_document, seed_errors, seed_validator
from warmup.models import CapacityReservation

NEW = "/phone-numbers/outgoing/new"
CHECK = "/phone-numbers/outgoing/manual-override"


def conversation_url(conversation_id: str) -> str:
    return f"/phone-numbers/outgoing/conversation/{conversation_id}"


def override_url(conversation_id: str) -> str:
    return f"{conversation_url(conversation_id)}/override"


@cache
def _validator():
    return seed_validator(load_seed_document(), "OutgoingNumberSelectionResponse", strict=True)


def published(body: dict) -> dict:
    """`body`, asserted to be the published OutgoingNumberSelectionResponse."""
    errors = seed_errors(_validator(), body)
    assert not errors, errors
    return body


def _answer(response) -> dict:
    assert response.status_code == HTTPStatus.OK, response.content
    return published(response.json())


def select_new(client, **body: Any) -> dict:
    return _answer(client.post(NEW, body, format="json"))


def select_for(client, conversation_id: str, **body: Any) -> dict:
    return _answer(client.post(conversation_url(conversation_id), body, format="json"))


def check(client, phone_number, **selection: Any) -> dict:
    body = {"fromPhoneNumberId": str(phone_number.pk), "selection": selection}
    return _answer(client.post(CHECK, body, format="json"))


def pin(client, conversation_id: str, phone_number, **selection: Any) -> dict:
    body = {"fromPhoneNumberId": str(phone_number.pk), "selection": selection}
    return _answer(client.post(override_url(conversation_id), body, format="json"))


def unpin(client, conversation_id: str, business_id: str | None = None) -> dict:
    query = f"?businessId={business_id}" if business_id else ""
    return _answer(client.delete(override_url(conversation_id) + query))


def remembered() -> dict:
    """What the selection writes: compared before and after a request that must write
    nothing."""
    return {
        "conversations": list(Conversation.objects.order_by("pk").values()),
        "events": list(ConversationEvent.objects.order_by("pk").values()),
        "leads": list(LeadSender.objects.order_by("pk").values()),
        "reservations": list(CapacityReservation.objects.order_by("pk").values()),
    }


def events(conversation_id: str, business) -> list[ConversationEvent]:
    """The conversation's history, oldest first."""
    return list(
        ConversationEvent.objects.filter(
            conversation__business=business, conversation__conversation_id=conversation_id
        ).order_by("created_at", "id")
    )


def eligible(body: dict) -> dict[str, dict]:
    """{number: eligibleNumbers entry}."""
    return {entry["number"]: entry for entry in body["eligibleNumbers"]}
