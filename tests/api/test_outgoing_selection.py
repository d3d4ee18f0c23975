"""POST /phone-numbers/outgoing/new and /phone-numbers/outgoing/conversation/{id}: each rule
reached by a scenario, stickiness, the canSend-false answers, tenancy, validation, the
idempotency key and the queries a selection costs."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outgoing.models import Conversation, ConversationEvent, LeadSender
from phonenumbers_app.vocabularies import InventoryState, WarmupHealthState
from tests.api.selection_calls import (
    NEW,
    conversation_url,
    eligible,
    events,
    published,
    remembered,
    select_for,
    select_new,
)
from tests.conftest import DEAD_REDIS_URL, client_for
from tests.factories import MembershipFactory, UserFactory
from tests.outgoing_factories import default_plan_with, sender
from warmup import capacity
from warmup.models import CapacityReservation

pytestmark = pytest.mark.django_db

W = WarmupHealthState
SF = "+14155550199"  # San Francisco, CA (area code 415)
NY = "+12125550123"  # New York, NY


def minute_limit(n: int) -> None:
    """Every number of the tests sends under the default plan: n a minute."""
    default_plan_with(sms_minute_max=n, voice_minute_max=n)


@pytest.fixture
def other_client(other_business):
    user = UserFactory(username="other-member")
    MembershipFactory(user=user, business=other_business)
    return client_for(user)


# --- Each rule, reached ---------------------------------------------------------------


class TestEachReason:
    def test_healthy_pool_when_no_earlier_rule_offers_a_number(self, member_client, business):
        number = sender(business, "+12125550100")

        body = select_new(member_client, recipientPhoneNumber=SF)
        assert (body["canSend"], body["number"]) == (True, number.number)
        assert body["phoneNumberId"] == str(number.pk)
        assert body["selectionReason"] == "HealthyPool"
        assert body["reasonLabel"] == "Healthiest number with the most capacity left"
        assert body["wasManuallyOverridden"] is False
        assert body["setupMessage"] is None
        assert body["reservedUntil"] is not None
        assert (body["channel"], body["conversationId"]) == ("sms", None)
        assert (body["healthStatus"], body["healthLabel"]) == ("Healthy", "Healthy (95/100)")
        (entry,) = body["eligibleNumbers"]
        assert (entry["isSelected"], entry["canSend"]) == (True, True)

    def test_healthy_pool_ranks_a_small_pool_whole(self, member_client, business):
        sender(business, "+12125550100", warmup_health_score=80)
        best = sender(business, "+12125550101", warmup_health_score=97)

        first = select_new(member_client)
        assert first["number"] == best.number
        assert [e["number"] for e in first["eligibleNumbers"]] == [best.number, "+12125550100"]

    def test_the_default_number_is_held_back_until_no_other_number_has_room(
        self, member_client, business
    ):
        minute_limit(1)
        default = sender(business, "+12125550100", is_default=True, warmup_health_score=99)
        pool = sender(business, "+12125550101", warmup_health_score=60)

        first = select_new(member_client)
        assert (first["number"], first["selectionReason"]) == (pool.number, "HealthyPool")
        second = select_new(member_client)
        assert (second["number"], second["selectionReason"]) == (default.number, "FallbackDefault")
        assert second["canSend"] is True
        assert second["reasonLabel"] == "The business's default number: no other number has room"
        assert eligible(second)[pool.number]["canSend"] is False

    def test_the_default_number_is_held_back_from_local_area_too(self, member_client, business):
        default = sender(business, "+14155550100", is_default=True)
        pool = sender(business, "+12125550101")

        first = select_new(member_client, recipientPhoneNumber=SF)
        assert (first["number"], first["selectionReason"]) == (pool.number, "HealthyPool")
        # Not even listed: the last resort is read only when no other number has room.
        assert default.number not in eligible(first)

    def test_a_business_with_only_its_default_number_sends_from_it(self, member_client, business):
        default = sender(business, is_default=True)
        body = select_new(member_client)
        assert (body["number"], body["selectionReason"]) == (default.number, "FallbackDefault")

    def test_preferred_numbers_come_before_the_pool(self, member_client, business):
        sender(business, "+12125550100", warmup_health_score=99)
        preferred = sender(business, "+12125550101", is_preferred=True, warmup_health_score=70)

        body = select_new(member_client)
        assert (body["number"], body["selectionReason"]) == (preferred.number, "Preferred")

    @pytest.mark.parametrize("field", ["campaignId", "sourceId"])
    def test_a_number_routed_to_the_campaign_or_source_comes_before_preferred_ones(
        self, member_client, business, field
    ):
        sender(business, "+12125550100", is_preferred=True)
        routed = sender(business, "+12125550101", campaign_id="spring", source_id="spring")
        sender(business, "+12125550102", campaign_id="autumn", source_id="autumn")

        body = select_new(member_client, **{field: "spring"})
        assert (body["number"], body["selectionReason"]) == (routed.number, "CampaignOrSource")
        assert body[field] == "spring"

    def test_a_number_routed_to_both_campaign_and_source_beats_one_routed_to_either(
        self, member_client, business
    ):
        sender(business, "+12125550100", campaign_id="c", warmup_health_score=99)
        both = sender(business, "+12125550101", campaign_id="c", source_id="s")

        body = select_new(member_client, campaignId="c", sourceId="s")
        assert (body["number"], body["selectionReason"]) == (both.number, "CampaignOrSource")

    def test_local_area_prefers_the_recipient_s_area_code(self, member_client, business):
        sender(business, "+12125550100", is_default=False, warmup_health_score=99)
        local = sender(business, "+14155550100", warmup_health_score=60)

        body = select_new(member_client, recipientPhoneNumber="(415) 555-0199")
        assert (body["number"], body["selectionReason"]) == (local.number, "LocalArea")
        assert "415" in body["reasonLabel"]

    def test_local_area_falls_back_to_the_recipient_s_state(self, member_client, business):
        sender(business, "+12125550100", location_state="NY", warmup_health_score=99)
        in_state = sender(business, "+12015550100", location_state="CA", warmup_health_score=50)

        body = select_new(member_client, recipientPhoneNumber="+13105550100")  # California
        assert (body["number"], body["selectionReason"]) == (in_state.number, "LocalArea")
        assert "CA" in body["reasonLabel"]

    def test_the_area_code_beats_the_state(self, member_client, business):
        sender(business, "+16505550100", location_state="CA", warmup_health_score=99)
        same_code = sender(business, "+14155550100", location_state="CA", warmup_health_score=50)

        body = select_new(member_client, recipientPhoneNumber=SF)
        assert (body["number"], body["selectionReason"]) == (same_code.number, "LocalArea")

    def test_a_new_conversation_with_a_lead_starts_on_the_lead_s_number(
        self, member_client, business
    ):
        sender(business, "+12125550100")
        sender(business, "+12125550101")
        first = select_for(member_client, "c1", leadId="lead-1")

        # The pool would now take the other number (the first holds a unit).
        body = select_for(member_client, "c2", leadId="lead-1")
        assert (body["number"], body["selectionReason"]) == (first["number"], "LeadAssigned")
        lead = LeadSender.objects.get(business=business, lead_id="lead-1")
        assert str(lead.phone_number_id) == first["phoneNumberId"]

    def test_the_conversation_s_second_selection_sticks_to_its_number(
        self, member_client, business
    ):
        sender(business, "+12125550100")
        sender(business, "+12125550101")
        first = select_for(member_client, "c1")
        assert first["conversationId"] == "c1"

        for _ in range(3):
            body = select_for(member_client, "c1", recipientPhoneNumber=NY)
            assert (body["number"], body["selectionReason"]) == (
                first["number"],
                "StickyConversation",
            )
        assert not ConversationEvent.objects.exists()


# --- Stickiness moves when the number may not send ------------------------------------


class TestStickiness:
    def test_a_paused_number_is_passed_over_and_the_move_is_written(self, member_client, business):
        one = sender(business, "+12125550100", warmup_health_score=99)
        two = sender(business, "+12125550101", warmup_health_score=60)
        assert select_for(member_client, "c1")["number"] == one.number

        one.warmup_state, one.warmup_pause_reason = W.PAUSED, "Opt-outs above 2%"
        one.save()
        body = select_for(member_client, "c1")

        assert (body["number"], body["selectionReason"]) == (two.number, "HealthyPool")
        assert body["passedOver"] == [
            {
                "phoneNumberId": str(one.pk),
                "number": one.number,
                "selectionReason": "StickyConversation",
                "reason": "Warmup is paused: Opt-outs above 2%",
            }
        ]
        (event,) = events("c1", business)
        assert event.type == "sender_changed"
        assert (event.previous_number, event.number) == (one.number, two.number)
        assert "Warmup is paused" in event.reason
        assert event.actor is None
        # And it sticks to its new number, even once the old one may send again.
        one.warmup_state = W.READY
        one.save()
        again = select_for(member_client, "c1")
        assert (again["number"], again["selectionReason"]) == (two.number, "StickyConversation")
        assert len(events("c1", business)) == 1

    def test_a_full_sticky_number_is_passed_over_for_this_send_only(self, member_client, business):
        minute_limit(1)
        one = sender(business, "+12125550100", warmup_health_score=99)
        two = sender(business, "+12125550101")
        select_for(member_client, "c1")

        body = select_for(member_client, "c1")
        assert body["number"] == two.number
        (passed,) = body["passedOver"]
        assert passed["number"] == one.number
        assert passed["selectionReason"] == "StickyConversation"
        assert "no capacity left" in passed["reason"]


# --- canSend false, with why -------------------------------------------------------------


def cannot_send(body: dict) -> str:
    assert body["canSend"] is False
    assert body["phoneNumberId"] is None and body["selectionReason"] is None
    assert body["reservedUntil"] is None
    assert isinstance(body["setupMessage"], str) and body["setupMessage"]
    return body["setupMessage"]


class TestNothingCanSend:
    def test_no_numbers(self, member_client, business):
        before = remembered()
        message = cannot_send(select_for(member_client, "c1", leadId="l1"))
        assert "has no phone numbers" in message
        assert remembered() == before

    def test_all_paused(self, member_client, business):
        sender(business, warmup_state=W.PAUSED, warmup_pause_reason="Complaints")
        sender(business, warmup_state=W.PAUSED)
        message = cannot_send(select_new(member_client))
        assert message.startswith("All 2 numbers that could send SMS are paused or blocked")

    def test_no_approved_campaign_stops_sms_but_not_calls(self, member_client, business):
        number = sender(business, campaign="Pending")
        message = cannot_send(select_new(member_client))
        assert "approved A2P 10DLC campaign" in message

        call = select_new(member_client, channel="call")
        assert (call["canSend"], call["number"], call["channel"]) == (True, number.number, "call")

    @pytest.mark.parametrize(
        ("channel", "field", "words"),
        [
            ("sms", "routing_sms_enabled", "routing.smsEnabled"),
            ("call", "routing_voice_enabled", "routing.voiceEnabled"),
        ],
    )
    def test_not_routed_for_the_channel(self, member_client, business, channel, field, words):
        sender(business, **{field: False})
        message = cannot_send(select_new(member_client, channel=channel))
        assert words in message

    def test_a_team_with_no_numbers(self, member_client, business):
        sender(business, team_id="north")
        message = cannot_send(select_new(member_client, teamId="south"))
        assert "routed to team south" in message
        # Numbers of no team serve every team.
        anyone = sender(business)
        assert select_new(member_client, teamId="south")["number"] == anyone.number

    def test_no_capacity_says_when_it_frees_up(self, member_client, business):
        minute_limit(1)
        number = sender(business)
        assert select_new(member_client)["canSend"] is True

        body = select_new(member_client)
        message = cannot_send(body)
        assert re.search(r"frees up at \d\d:\d\d(:\d\d)? ET", message), message
        assert number.number in message
        assert eligible(body)[number.number]["canSend"] is False
        assert eligible(body)[number.number]["capacityLeft"]["minute"] == 0

    def test_counters_unavailable(self, member_client, business, settings):
        sender(business)
        settings.REDIS_URL = DEAD_REDIS_URL
        capacity.redis_client.cache_clear()
        try:
            before = remembered()
            message = cannot_send(select_for(member_client, "c1", leadId="l1"))
        finally:
            capacity.redis_client.cache_clear()
        assert "counters are unavailable" in message
        assert remembered() == before


# --- Tenancy ------------------------------------------------------------------------------


class TestTenancy:
    def test_another_business_s_same_conversation_id_is_its_own_conversation(
        self, member_client, other_client, business, other_business
    ):
        mine = sender(business, "+12125550100")
        theirs = sender(other_business, "+12125550101")
        assert select_for(member_client, "shared-id", leadId="lead")["number"] == mine.number

        body = select_for(other_client, "shared-id", leadId="lead")

        assert (body["number"], body["selectionReason"]) == (theirs.number, "HealthyPool")
        assert body["passedOver"] == []
        assert Conversation.objects.filter(conversation_id="shared-id").count() == 2
        assert all(e["number"] != mine.number for e in body["eligibleNumbers"])

    def test_another_business_s_conversation_id_never_reveals_its_pin(
        self, member_client, other_client, business, other_business
    ):
        mine = sender(business, "+12125550100")
        Conversation.objects.create(business=business, conversation_id="c1", override=mine)
        cannot_send(select_for(other_client, "c1"))  # other_business has no numbers

    @pytest.mark.parametrize("how", ["released", "moved"])
    def test_a_number_that_left_the_business_is_never_chosen_for_it(
        self, member_client, business, other_business, how
    ):
        gone = sender(business, "+12125550100", warmup_health_score=99)
        stays = sender(business, "+12125550101")
        select_for(member_client, "c1", leadId="lead")
        Conversation.objects.filter(conversation_id="c1").update(override=gone)
        if how == "released":
            gone.inventory_state, gone.business = InventoryState.RELEASED, None
        else:
            gone.business = other_business
        gone.save()

        for body in (select_for(member_client, "c1"), select_new(member_client, leadId="lead")):
            assert body["number"] == stays.number
            assert gone.number not in eligible(body)
        assert {p["selectionReason"] for p in body["passedOver"]} == {"LeadAssigned"}

    def test_staff_must_name_the_business(self, staff_client, business):
        sender(business)
        before = remembered()
        response = staff_client.post(NEW, {"conversationId": "c1"}, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "businessId" in response.json()["errors"]
        assert remembered() == before

        body = select_new(staff_client, businessId=str(business.pk), conversationId="c1")
        assert body["canSend"] is True

    def test_a_tenant_naming_another_business_is_refused(
        self, member_client, business, other_business
    ):
        sender(other_business)
        before = remembered()
        response = member_client.post(
            NEW, {"businessId": str(other_business.pk), "conversationId": "c1"}, format="json"
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "businessId" in response.json()["errors"]
        assert remembered() == before


# --- Validation ------------------------------------------------------------------------


class TestValidation:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"channel": "fax"}, "channel"),
            ({"channel": "SMS"}, "channel"),
            ({"recipientPhoneNumber": "not a number"}, "recipientPhoneNumber"),
            ({"recipientPhoneNumber": 4155550199}, "recipientPhoneNumber"),
            ({"leadId": ""}, "leadId"),
            ({"colour": "red"}, "colour"),
        ],
    )
    def test_a_bad_field_is_a_400_problem_and_writes_nothing(
        self, member_client, business, body, field
    ):
        sender(business)
        before = remembered()
        for url in (NEW, conversation_url("c1")):
            response = member_client.post(
                url, {**body, "leadId": body.get("leadId", "l")}, format="json"
            )
            assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
            assert response["Content-Type"] == "application/problem+json"
            assert field in response.json()["errors"]
        assert remembered() == before

    @pytest.mark.parametrize("raw", ["[]", '"sms"', "null", "42"])
    def test_a_body_that_is_not_an_object_is_a_400_problem(self, member_client, business, raw):
        sender(business)
        before = remembered()
        response = member_client.post(NEW, raw, content_type="application/json")
        assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert remembered() == before

    def test_a_conversation_id_in_the_body_must_be_the_path_s(self, member_client, business):
        sender(business)
        before = remembered()
        response = member_client.post(
            conversation_url("c1"), {"conversationId": "c2"}, format="json"
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "conversationId" in response.json()["errors"]
        assert remembered() == before
        # The path's own id in the body is fine.
        assert select_for(member_client, "c1", conversationId="c1")["conversationId"] == "c1"


# --- Idempotency-Key ------------------------------------------------------------------------


def test_an_idempotency_key_replays_the_first_answer_and_holds_one_unit(member_client, business):
    number = sender(business)
    responses = [
        member_client.post(NEW, {"leadId": "l1"}, format="json", HTTP_IDEMPOTENCY_KEY="select-once")
        for _ in range(3)
    ]
    assert {r.status_code for r in responses} == {HTTPStatus.OK}
    first = published(responses[0].json())
    assert all(r.json() == first for r in responses)
    assert CapacityReservation.objects.filter(phone_number=number).count() == 1
    # A request without the key is a new selection, and sees the one unit held.
    after = select_new(member_client)
    assert eligible(after)[number.number]["capacityLeft"]["minute"] == (
        eligible(first)[number.number]["capacityLeft"]["minute"] - 1
    )


# --- Queries ------------------------------------------------------------------------------


# A tenant's selection, the same on SQLite and PostgreSQL (counters in local memory, holds
# in the database): the key, the business, the plans, and one statement of the rules'
# numbers; then the hold taken under the number's row lock (savepoint, lock, expired out,
# count, insert, release). Sticky: also the conversation before; its one statement reads
# the remembered number and the pool's sample, whose use is read after the hold for the
# alternatives listed. With Redis the holds and uses are Redis calls: 5 and 4 queries.
STICKY_QUERIES = 12
# The pool: no conversation, and the rule's use read before ranking it.
POOL_QUERIES = 11


def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def tenant_with_numbers(count: int):
    """A client of a new business holding `count` numbers that may send."""
    from tests.factories import BusinessFactory

    owner = BusinessFactory()
    user = UserFactory()
    MembershipFactory(user=user, business=owner)
    for i in range(count):
        sender(owner, f"+1212{count:03d}{i:04d}")
    return client_for(user)


@pytest.mark.usefixtures("locmem_cache")
class TestQueries:
    def test_a_sticky_selection_costs_the_same_however_many_numbers(self):
        counts = {}
        for count in (5, 60):
            client = tenant_with_numbers(count)
            select_for(client, "c1")  # the conversation's first: it remembers its number
            select_for(client, "c1")  # the second: per-process caches are warm

            counts[count] = queries_of(lambda client=client: select_for(client, "c1"))
            assert select_for(client, "c1")["selectionReason"] == "StickyConversation"
        assert counts[5] == counts[60], counts
        assert counts[5] == STICKY_QUERIES, counts

    def test_a_pool_selection_costs_the_same_however_many_numbers(self):
        counts = {}
        for count in (5, 60):
            client = tenant_with_numbers(count)
            select_new(client)  # per-process caches are warm

            answers = []
            counts[count] = queries_of(
                lambda client=client, answers=answers: answers.append(select_new(client))
            )
            assert answers[0]["selectionReason"] == "HealthyPool"
        assert counts[5] == counts[60], counts
        assert counts[5] == POOL_QUERIES, counts
