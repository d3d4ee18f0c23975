"""The rules of outgoing/selection.py and outgoing/setup.py, called directly: the ranking
within a rule, the reads of large pools, the scope of a business and team, and the words
of each canSend-false cause."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from outgoing import candidates, selection
from outgoing.candidates import Scope
from outgoing.selection import Candidate, Remembered, Wanted
from outgoing.vocabularies import SelectionReason as R
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus, WarmupHealthState
from tests.outgoing_factories import default_plan_with, sender
from warmup import capacity, reservations

pytestmark = pytest.mark.django_db

W = WarmupHealthState
LIMITS = (10, 100, 1000)


def candidate(number: str, *, used=(0, 0, 0), order=0, **fields) -> Candidate:
    row = PhoneNumber(number=number, health_status=W.HEALTHY, warmup_health_score=90)
    for name, value in fields.items():
        setattr(row, name, value)
    return Candidate(row, R.HEALTHY_POOL, "", LIMITS, order, used)


class TestRank:
    def test_the_rule_s_order_comes_first(self):
        ranked = sorted(
            [candidate("+1", order=1, used=(0, 0, 0)), candidate("+2", order=0, used=(9, 99, 999))],
            key=Candidate.rank,
        )
        assert [c.number.number for c in ranked] == ["+2", "+1"]

    def test_good_standing_then_share_of_the_day_left_then_health_then_number(self):
        ranked = sorted(
            [
                candidate("+15", health_status=W.NEEDS_ATTENTION, used=(0, 0, 0)),
                candidate("+14", used=(0, 0, 500)),
                candidate("+13", used=(0, 0, 100), warmup_health_score=70),
                candidate("+12", used=(0, 0, 100), warmup_health_score=99),
                candidate("+11", used=(0, 0, 100), warmup_health_score=99),
            ],
            key=Candidate.rank,
        )
        assert [c.number.number for c in ranked] == ["+11", "+12", "+13", "+14", "+15"]

    def test_room_means_every_window_below_its_limit(self):
        assert candidate("+1", used=(9, 99, 999)).has_room
        for full in ((10, 0, 0), (0, 100, 0), (0, 0, 1000)):
            one = candidate("+1", used=full)
            assert not one.has_room
            assert one.full_windows() == [full.index(max(full))]


class TestAreaCodes:
    def test_a_north_american_number_s_area_code(self):
        assert candidates.area_code("+14155552671") == "415"
        assert candidates.area_code("+442071234567") is None
        assert candidates.area_code("+1415555") is None

    def test_the_area_code_read_is_the_range_of_the_code(self, business):
        inside = [sender(business, n) for n in ("+14150000000", "+14159999999")]
        for outside in ("+14149999999", "+14160000000", "+12124150000"):
            sender(business, outside)
        _, pages = candidates.read(Scope(business, capacity.SMS), candidates.Asked(area_code="415"))
        (area,) = [page for page in pages if page.rule == candidates.AREA]
        assert set(area.rows) == set(inside)


class TestScope:
    def test_eligible_is_the_business_s_numbers_that_judged_lets_send(
        self, business, other_business
    ):
        rows = [
            sender(business),
            sender(business, team_id="north"),
            sender(business, team_id="south"),
            sender(business, warmup_state=W.PAUSED),
            sender(business, status=PhoneNumberStatus.SUSPENDED),
            sender(business, campaign="Rejected"),
            sender(business, routing_warmup_only=True),
            sender(business, inventory_state=InventoryState.WARMUP_ONLY),
            sender(other_business),
        ]
        for channel in capacity.CHANNELS:
            for team in (None, "north"):
                scope = Scope(business, channel, team)
                chosen = set(scope.eligible())
                fresh = PhoneNumber.objects.select_related("warmup", "ten_dlc")
                judged = {n for n in fresh if candidates.judged(scope, n) is None}
                assert chosen == judged, (channel, team)
        assert set(Scope(business, capacity.VOICE, "north").eligible()) == {
            rows[0],
            rows[1],
            rows[5],
        }

    def test_another_business_s_remembered_number_is_passed_over_with_why(
        self, business, other_business
    ):
        theirs = sender(other_business, warmup_health_score=99)
        mine = sender(business)
        chosen = selection.select(
            Scope(business, capacity.SMS),
            Wanted(),
            [Remembered(R.STICKY_CONVERSATION, theirs.pk)],
            now=timezone.now(),
            reserve=False,
        )
        assert chosen.chosen.number == mine
        (skipped,) = chosen.skipped
        assert (skipped.number, skipped.reason) == (theirs, R.STICKY_CONVERSATION)
        assert skipped.why == "The number is no longer one of the business's."


class TestLargePools:
    def test_a_full_sample_reads_on_until_a_number_has_room(self, business):
        default_plan_with(sms_minute_max=1)
        numbers = [sender(business, f"+1212555{i:04d}") for i in range(candidates.SAMPLE + 15)]
        now = timezone.now()
        free = numbers[7]
        for number in numbers:
            if number != free:
                assert reservations.reserve(number.pk, capacity.SMS, (1, 10, 10), now=now)

        chosen = selection.select(Scope(business, capacity.SMS), Wanted(), [], now=now)

        assert chosen.chosen.number == free
        assert chosen.chosen.reason == R.HEALTHY_POOL
        assert len(chosen.listed()) <= selection.LIST_LIMIT
        assert chosen.chosen in chosen.listed()


class TestSetupMessages:
    def why(self, business, channel=capacity.SMS, team=None) -> str:
        chosen = selection.select(Scope(business, channel, team), Wanted(), [], now=timezone.now())
        assert chosen.chosen is None
        return chosen.setup_message

    @pytest.mark.parametrize(
        "fields",
        [
            {"enabled": False},
            {"status": PhoneNumberStatus.PROVISIONING},
            {"inventory_state": InventoryState.INTERNAL_TEST_ONLY},
            {"routing_internal_test_only": True},
        ],
    )
    def test_no_number_active_for_leads(self, business, fields):
        sender(business, **fields)
        assert self.why(business).startswith(
            "None of the business's 1 number is active for leads' traffic"
        )

    def test_the_only_number_paused_names_it_and_why(self, business):
        number = sender(business, warmup_state=W.PAUSED, warmup_pause_reason="Complaints")
        assert self.why(business) == (
            "The business's only number that could send SMS is paused or blocked "
            f"({number.number}: Warmup is paused: Complaints)."
        )

    def test_blocked_numbers_count_as_paused_or_blocked(self, business):
        sender(business, warmup_state=W.BLOCKED)
        sender(business, warmup_state=W.PAUSED)
        assert self.why(business, capacity.VOICE).startswith(
            "All 2 numbers that could send calls are paused or blocked"
        )

    def test_released_numbers_are_no_numbers(self, business):
        sender(business, inventory_state=InventoryState.RELEASED)
        assert "has no phone numbers" in self.why(business)

    def test_the_first_stage_that_leaves_none_is_the_reason(self, business):
        # One number fails the channel, another the campaign: the channel stage leaves
        # one, the campaign stage none.
        sender(business, routing_sms_enabled=False)
        sender(business, campaign="Pending")
        assert "approved A2P 10DLC campaign" in self.why(business)


class TestFreesUp:
    def test_a_number_has_room_at_the_time_the_message_says(self, business):
        default_plan_with(sms_minute_max=1)
        number = sender(business)
        scope = Scope(business, capacity.SMS)
        minute = timezone.now().replace(second=0, microsecond=0)
        now = minute + timedelta(seconds=30)
        assert selection.select(scope, Wanted(), [], now=now).chosen.number == number

        full = selection.select(scope, Wanted(), [], now=now)
        assert full.chosen is None
        # The minute is full of a unit held for an unreported send: it frees up when the
        # hold expires, not when the minute ends.
        said = now + timedelta(seconds=settings.OUTGOING_RESERVATION_SECONDS)
        assert f"frees up at {selection.eastern(said, now)}" in full.setup_message

        next_minute = minute + timedelta(minutes=1, seconds=1)
        assert selection.select(scope, Wanted(), [], now=next_minute).chosen is None
        at_that_time = selection.select(scope, Wanted(), [], now=said + timedelta(seconds=1))
        assert at_that_time.chosen is not None, at_that_time.setup_message

    def test_a_number_full_of_reported_sends_frees_up_when_its_window_resets(self, business):
        default_plan_with(sms_minute_max=1)
        number = sender(business)
        scope = Scope(business, capacity.SMS)
        minute = timezone.now().replace(second=0, microsecond=0)
        now = minute + timedelta(seconds=30)
        capacity.record_usage({(number.pk, capacity.SMS, now): 1}, now=now)

        full = selection.select(scope, Wanted(), [], now=now)
        said = minute + timedelta(minutes=1)
        assert f"frees up at {selection.eastern(said, now)}" in full.setup_message
        assert selection.select(scope, Wanted(), [], now=said).chosen is not None
