"""Pinning a conversation's sender (POST/DELETE .../conversation/{id}/override) and checking
a person's choice (POST /phone-numbers/outgoing/manual-override)."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest

from outgoing.models import Conversation
from phonenumbers_app.vocabularies import InventoryState, WarmupHealthState
from tests.api.selection_calls import (
    CHECK,
    check,
    events,
    override_url,
    pin,
    remembered,
    select_for,
    unpin,
)
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.outgoing_factories import default_plan_with, sender
from warmup.models import CapacityReservation

pytestmark = pytest.mark.django_db

W = WarmupHealthState


@pytest.fixture
def numbers(business):
    """Two numbers that may send; the first is the healthier."""
    return (
        sender(business, "+12125550100", warmup_health_score=99),
        sender(business, "+12125550101", warmup_health_score=70),
    )


@pytest.fixture
def other_client(other_business):
    user = UserFactory(username="other-member")
    MembershipFactory(user=user, business=other_business)
    return client_for(user)


def pin_request(number, **selection) -> dict:
    return {"fromPhoneNumberId": str(number.pk), "selection": selection}


class TestPin:
    def test_a_pin_wins_over_the_sticky_number_and_is_written_with_who(
        self, member_client, member, business, numbers
    ):
        sticky = select_for(member_client, "c1")
        pinned = next(n for n in numbers if n.number != sticky["number"])
        held = CapacityReservation.objects.count()

        preview = pin(member_client, "c1", pinned)

        assert (preview["number"], preview["selectionReason"]) == (pinned.number, "ManualOverride")
        assert preview["wasManuallyOverridden"] is True
        assert preview["reasonLabel"] == "Pinned to this conversation"
        assert preview["reservedUntil"] is None
        assert CapacityReservation.objects.count() == held  # a preview holds nothing
        (event,) = events("c1", business)
        assert (event.type, event.number, event.previous_number) == (
            "override_set",
            pinned.number,
            None,
        )
        assert (event.actor, event.actor_name) == (member, member.display_name)

        for _ in range(2):
            body = select_for(member_client, "c1")
            assert (body["number"], body["selectionReason"]) == (pinned.number, "ManualOverride")
            assert body["wasManuallyOverridden"] is True
            assert body["reservedUntil"] is not None

    def test_pinning_the_pinned_number_again_writes_nothing(self, member_client, business, numbers):
        pin(member_client, "c1", numbers[1])
        before = remembered()
        pin(member_client, "c1", numbers[1])
        assert remembered() == before

    def test_repinning_names_the_previous_number(self, member_client, business, numbers):
        pin(member_client, "c1", numbers[0])
        pin(member_client, "c1", numbers[1])
        assert [(e.type, e.number, e.previous_number) for e in events("c1", business)] == [
            ("override_set", numbers[0].number, None),
            ("override_set", numbers[1].number, numbers[0].number),
        ]

    def test_a_pinned_number_that_cannot_send_now_is_passed_over(
        self, member_client, business, numbers
    ):
        paused, other = numbers
        paused.warmup_state, paused.warmup_pause_reason = W.PAUSED, "Carrier filtering"
        paused.save()

        preview = pin(member_client, "c1", paused)  # it may be pinned all the same
        assert Conversation.objects.get(conversation_id="c1").override_id == paused.pk

        for body in (preview, select_for(member_client, "c1")):
            assert body["canSend"] is True
            assert body["number"] == other.number
            assert body["selectionReason"] != "ManualOverride"
            assert body["wasManuallyOverridden"] is False
            assert body["passedOver"] == [
                {
                    "phoneNumberId": str(paused.pk),
                    "number": paused.number,
                    "selectionReason": "ManualOverride",
                    "reason": "Warmup is paused: Carrier filtering",
                }
            ]
        # Once it may send again, the pin takes it back.
        paused.warmup_state = W.READY
        paused.save()
        assert select_for(member_client, "c1")["number"] == paused.number

    def test_a_conversation_id_in_the_selection_must_be_the_path_s(self, member_client, numbers):
        before = remembered()
        response = member_client.post(
            override_url("c1"), pin_request(numbers[0], conversationId="c2"), format="json"
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "conversationId" in response.json()["errors"]
        assert remembered() == before

    @pytest.mark.parametrize(
        "body",
        [
            {"selection": {}},
            {"fromPhoneNumberId": "not-a-uuid", "selection": {}},
            {"fromPhoneNumberId": "{pk}", "selection": {}, "note": "x"},
            {"fromPhoneNumberId": "{pk}", "selection": {"channel": "fax"}},
            {"fromPhoneNumberId": "{pk}", "selection": []},
        ],
    )
    def test_a_bad_body_is_a_400_problem_and_writes_nothing(self, member_client, numbers, body):
        body = {
            key: (str(numbers[0].pk) if value == "{pk}" else value) for key, value in body.items()
        }
        before = remembered()
        for url in (override_url("c1"), CHECK):
            response = member_client.post(url, body, format="json")
            assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
            assert response["Content-Type"] == "application/problem+json"
        assert remembered() == before


class TestUnpin:
    def test_clearing_returns_the_conversation_to_the_rules_and_names_who(
        self, member_client, member, business, numbers
    ):
        pin(member_client, "c1", numbers[1])
        select_for(member_client, "c1")  # it sends from the pinned number
        held = CapacityReservation.objects.count()

        preview = unpin(member_client, "c1")

        assert preview["selectionReason"] != "ManualOverride"
        assert preview["wasManuallyOverridden"] is False
        assert preview["reservedUntil"] is None
        assert CapacityReservation.objects.count() == held
        assert Conversation.objects.get(conversation_id="c1").override_id is None
        last = events("c1", business)[-1]
        assert (last.type, last.number, last.previous_number) == (
            "override_cleared",
            None,
            numbers[1].number,
        )
        assert (last.actor, last.actor_name) == (member, member.display_name)
        # The conversation keeps to the number it last sent from.
        body = select_for(member_client, "c1")
        assert (body["number"], body["selectionReason"]) == (
            numbers[1].number,
            "StickyConversation",
        )

    def test_clearing_when_none_is_pinned_writes_nothing(self, member_client, numbers):
        select_for(member_client, "c1")
        before = remembered()
        body = unpin(member_client, "c1")
        assert body["selectionReason"] == "StickyConversation"
        assert body["reservedUntil"] is None
        unpin(member_client, "never-seen")
        assert remembered() == before

    def test_staff_name_the_business_in_the_query(
        self, staff_client, staff_user, business, numbers
    ):
        pin(staff_client, "c1", numbers[0], businessId=str(business.pk))
        before = remembered()
        response = staff_client.delete(override_url("c1"))
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "businessId" in response.json()["errors"]
        assert remembered() == before

        unpin(staff_client, "c1", business_id=str(business.pk))
        assert [(e.type, e.actor) for e in events("c1", business)] == [
            ("override_set", staff_user),
            ("override_cleared", staff_user),
        ]

    def test_a_tenant_naming_another_business_is_refused(
        self, member_client, other_client, business, other_business, numbers
    ):
        pin(member_client, "c1", numbers[0])
        before = remembered()
        response = other_client.delete(f"{override_url('c1')}?businessId={business.pk}")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "businessId" in response.json()["errors"]
        assert remembered() == before

    def test_another_tenant_cannot_clear_a_pin(
        self, member_client, other_client, business, numbers
    ):
        pin(member_client, "c1", numbers[0])
        before = remembered()
        unpin(other_client, "c1")  # its own conversation c1, which has no pin
        assert remembered() == before
        assert Conversation.objects.get(business=business).override_id == numbers[0].pk


class TestManualOverrideCheck:
    def test_a_number_that_may_send_is_held_and_the_conversation_uses_it(
        self, member_client, business, numbers
    ):
        chosen = numbers[1]
        body = check(member_client, chosen, conversationId="c1")

        assert (body["canSend"], body["number"]) == (True, chosen.number)
        assert (body["selectionReason"], body["wasManuallyOverridden"]) == ("ManualOverride", True)
        assert body["reasonLabel"] == "Chosen by a person"
        assert body["reservedUntil"] is not None
        assert CapacityReservation.objects.filter(phone_number=chosen).count() == 1
        assert Conversation.objects.get(conversation_id="c1").phone_number_id == chosen.pk
        assert Conversation.objects.get(conversation_id="c1").override_id is None
        after = select_for(member_client, "c1")
        assert (after["number"], after["selectionReason"]) == (chosen.number, "StickyConversation")

    def test_moving_a_conversation_to_the_number_records_the_move(
        self, member_client, business, numbers
    ):
        first = select_for(member_client, "c1")["number"]
        chosen = next(n for n in numbers if n.number != first)

        check(member_client, chosen, conversationId="c1")

        (event,) = events("c1", business)
        assert (event.type, event.previous_number, event.number) == (
            "sender_changed",
            first,
            chosen.number,
        )

    def test_the_move_names_the_person_who_chose_it(self, member_client, member, business, numbers):
        first = select_for(member_client, "c1")["number"]
        chosen = next(n for n in numbers if n.number != first)

        check(member_client, chosen, conversationId="c1")

        (event,) = events("c1", business)
        assert event.actor == member
        assert "Pinned" not in event.reason

    def test_a_paused_number_is_refused_in_words_and_nothing_is_written(
        self, member_client, numbers
    ):
        paused = numbers[0]
        paused.warmup_state, paused.warmup_pause_reason = W.PAUSED, "Opt-outs"
        paused.save()
        before = remembered()

        body = check(member_client, paused, conversationId="c1")

        assert body["canSend"] is False
        assert body["setupMessage"] == "Warmup is paused: Opt-outs"
        assert (body["phoneNumberId"], body["selectionReason"]) == (
            str(paused.pk),
            "ManualOverride",
        )
        assert body["reservedUntil"] is None
        assert remembered() == before

    def test_a_full_number_says_when_it_frees_up(self, member_client, numbers):
        default_plan_with(sms_minute_max=1)
        assert check(member_client, numbers[0])["canSend"] is True

        body = check(member_client, numbers[0])
        assert body["canSend"] is False
        assert re.fullmatch(
            r"The number has no room now: no capacity left \(1 of 1 this minute\); "
            r"frees up at \d\d:\d\d(:\d\d)? ET\.",
            body["setupMessage"],
        ), body["setupMessage"]
        (entry,) = body["eligibleNumbers"]
        assert (entry["number"], entry["canSend"], entry["isSelected"]) == (
            numbers[0].number,
            False,
            False,
        )
        assert entry["capacityLeft"]["minute"] == 0


class TestAnotherBusinessNumber:
    """Naming another business's number (or a released one) is a 400 on fromPhoneNumberId
    that writes nothing: not the conversation, its history, the lead, nor a reservation."""

    @pytest.fixture
    def theirs(self, other_business):
        return sender(other_business, "+12125550199")

    def refused(self, response) -> None:
        assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"] == {
            "fromPhoneNumberId": ["No number of this business has this id."]
        }

    def test_pinning_it_is_refused(self, member_client, numbers, theirs):
        select_for(member_client, "c1", leadId="lead")
        before = remembered()
        self.refused(
            member_client.post(
                override_url("c1"), pin_request(theirs, leadId="lead"), format="json"
            )
        )
        self.refused(member_client.post(override_url("c2"), pin_request(theirs), format="json"))
        assert remembered() == before

    def test_checking_it_is_refused(self, member_client, numbers, theirs):
        before = remembered()
        self.refused(
            member_client.post(
                CHECK, pin_request(theirs, conversationId="c1", leadId="lead"), format="json"
            )
        )
        assert remembered() == before

    def test_a_released_number_of_its_own_is_refused(self, member_client, business, numbers):
        released = sender(business, "+12125550150", inventory_state=InventoryState.RELEASED)
        before = remembered()
        for url in (override_url("c1"), CHECK):
            self.refused(member_client.post(url, pin_request(released), format="json"))
        assert remembered() == before

    def test_staff_naming_the_wrong_business_are_refused_alike(
        self, staff_client, business, numbers, theirs
    ):
        before = remembered()
        self.refused(
            staff_client.post(
                override_url("c1"), pin_request(theirs, businessId=str(business.pk)), format="json"
            )
        )
        assert remembered() == before
