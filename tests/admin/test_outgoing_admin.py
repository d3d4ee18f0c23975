"""The outgoing-number selection's admin: conversations with their history, leads' numbers,
and unpinning a sender through the service (an event names the person)."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from outgoing.models import Conversation, ConversationEvent, LeadSender
from outgoing.services import Ask, override_set, sender_select
from outgoing.vocabularies import ConversationEventType
from tests.factories import UserFactory
from tests.outgoing_factories import sender
from warmup import capacity

pytestmark = pytest.mark.django_db

CONVERSATIONS = "admin:outgoing_conversation"


@pytest.fixture
def pinned(business, admin_user):
    """Conversation c-1 of `business` sent from one number, pinned to another."""
    first = sender(business, "+14155550100")
    second = sender(business, "+14155550101")
    ask = Ask(business=business, channel=capacity.SMS, conversation_id="c-1", lead_id="l-1")
    sender_select(ask=ask, now=timezone.now())
    override_set(ask=ask, phone_number_id=second.pk, acting_user=admin_user, now=timezone.now())
    return Conversation.objects.get(conversation_id="c-1"), first, second


@pytest.mark.parametrize("model", ["conversation", "leadsender"])
def test_changelists_render_with_rows(admin_client, pinned, model):
    response = admin_client.get(reverse(f"admin:outgoing_{model}_changelist"))
    assert response.status_code == HTTPStatus.OK
    assert "c-1" in response.text or "l-1" in response.text


def test_conversation_page_shows_its_history_with_the_person(admin_client, pinned, admin_user):
    conversation, _, second = pinned
    response = admin_client.get(reverse(f"{CONVERSATIONS}_change", args=[conversation.pk]))
    assert response.status_code == HTTPStatus.OK
    assert "Sender pinned" in response.text
    assert second.number in response.text
    assert admin_user.display_name in response.text


@pytest.mark.parametrize("term", ["c-1", "l-1", "+14155550101", "(415) 555-0100"])
def test_search_finds_a_conversation_by_its_id_its_lead_or_a_number(admin_client, pinned, term):
    response = admin_client.get(reverse(f"{CONVERSATIONS}_changelist"), {"q": term})
    assert response.context["cl"].result_count == 1


def test_search_for_something_else_finds_nothing(admin_client, pinned):
    response = admin_client.get(reverse(f"{CONVERSATIONS}_changelist"), {"q": "c-2"})
    assert response.context["cl"].result_count == 0


def test_unpin_clears_the_pin_through_the_service_with_an_event(admin_client, pinned, admin_user):
    conversation, _, _ = pinned
    response = admin_client.post(
        reverse(f"{CONVERSATIONS}_changelist"),
        {"action": "unpin", "_selected_action": [conversation.pk]},
        follow=True,
    )
    assert response.status_code == HTTPStatus.OK
    conversation.refresh_from_db()
    assert conversation.override_id is None
    cleared = ConversationEvent.objects.get(type=ConversationEventType.OVERRIDE_CLEARED)
    assert cleared.actor == admin_user
    assert cleared.previous_number == "+14155550101"


def test_unpin_needs_the_change_permission(client, pinned):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_conversation"))
    client.force_login(viewer)
    conversation, _, _ = pinned
    client.post(
        reverse(f"{CONVERSATIONS}_changelist"),
        {"action": "unpin", "_selected_action": [conversation.pk]},
    )
    conversation.refresh_from_db()
    assert conversation.override_id is not None


def test_nothing_is_added_or_edited_by_hand(admin_client, pinned):
    assert admin_client.get(reverse(f"{CONVERSATIONS}_add")).status_code == HTTPStatus.FORBIDDEN
    lead = LeadSender.objects.get()
    page = admin_client.get(reverse("admin:outgoing_leadsender_change", args=[lead.pk]))
    assert page.status_code == HTTPStatus.OK
    assert 'name="_save"' not in page.text
