"""Why no number can send: the `setupMessage` of a `canSend: false` answer, in words a
person can act on.

The business's numbers go through the sending rule's stages in order (warmup/sending.py):
held and unreleased, routed to the team, active for leads' traffic, set up for the
channel, with an approved 10DLC campaign (SMS), not paused or blocked; one query counts
how many are left after each. The first stage that leaves none is the reason; when some
are left, they are out of capacity, and the answer says when the first frees up.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from outgoing.selection import Selection, eastern, first_free
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import InventoryState
from warmup import capacity, sending

STAGES = (sending.ACTIVE, sending.CHANNEL, sending.CAMPAIGN, sending.PAUSED)
WHAT = {capacity.SMS: "SMS", capacity.VOICE: "calls"}


def why_nothing_can_send(selection: Selection, *, now: datetime) -> str:
    scope = selection.scope
    full = [c for c in selection.considered if c.used is not None and not c.has_room]
    if full:
        first, at = first_free(full, scope.channel, now)
        return (
            f"Every number that may send {WHAT[scope.channel]} has used its capacity: the "
            f"first frees up at {eastern(at, now)} ({first.number.number})."
        )
    counts = _funnel(scope)
    held, team, *stages = counts
    what = WHAT[scope.channel]
    if held == 0:
        return (
            "The business has no phone numbers: claim one from the pool "
            "(POST /phone-numbers) or buy one."
        )
    if team == 0:
        return (
            f"None of the business's {_numbers(held)} is routed to team {scope.team_id} "
            "(or to no team)."
        )
    before = team
    for stage, left in zip(_stages(scope), stages, strict=True):
        if left == 0:
            return _stage_message(stage, before, what, scope)
        before = left
    # Counted after the selection read: a number freed or changed in between.
    return f"No number may send {what} now; try again."


def _stages(scope) -> tuple[str, ...]:
    conditions = sending.lead_conditions(scope.channel)
    return tuple(stage for stage in STAGES if any(c.stage == stage for c in conditions))


def _funnel(scope) -> list[int]:
    """How many of the business's numbers are left after each stage, in one query:
    unreleased, on the team, then each stage of the sending rule in STAGES order."""
    conditions = sending.lead_conditions(scope.channel)
    held = ~Q(inventory_state=InventoryState.RELEASED)
    cumulative = [held, held & scope.team_q()]
    for stage in _stages(scope):
        stage_q = sending.keeps(tuple(c for c in conditions if c.stage == stage))
        cumulative.append(cumulative[-1] & stage_q)
    counts = PhoneNumber.objects.filter(business=scope.business).aggregate(
        **{f"c{i}": Count("pk", filter=q) for i, q in enumerate(cumulative)}
    )
    return [counts[f"c{i}"] for i in range(len(cumulative))]


def _numbers(count: int) -> str:
    return f"{count} number" if count == 1 else f"{count} numbers"


def _stage_message(stage: str, count: int, what: str, scope) -> str:
    numbers = _numbers(count)
    if stage == sending.ACTIVE:
        return (
            f"None of the business's {numbers} is active for leads' traffic: each is "
            "disabled, suspended, not Active at its provider, or kept for warmup or "
            "internal tests."
        )
    if stage == sending.CHANNEL:
        routing = "routing.smsEnabled" if scope.channel == capacity.SMS else "routing.voiceEnabled"
        return (
            f"None of the business's {numbers} active for leads is set up for {what}: "
            f"each lacks the capability or has {routing} off."
        )
    if stage == sending.CAMPAIGN:
        return (
            f"None of the business's {numbers} able to send SMS has an approved A2P 10DLC "
            "campaign, which US carriers require for SMS: register a campaign and assign "
            "the numbers to it."
        )
    example = _paused_example(scope)
    if count == 1:
        return f"The business's only number that could send {what} is paused or blocked{example}."
    return f"All {numbers} that could send {what} are paused or blocked{example}."


def _paused_example(scope) -> str:
    """': +14155550100: Warmup is paused: <reason>' for one of them, if one is found."""
    conditions = sending.lead_conditions(scope.channel)
    before = sending.keeps(tuple(c for c in conditions if c.stage != sending.PAUSED))
    number = (
        PhoneNumber.objects.filter(business=scope.business)
        .filter(before, scope.team_q())
        .select_related("warmup", "ten_dlc")
        .order_by("-modified_at")
        .first()
    )
    if number is None:
        return ""
    why = sending.blocker(conditions, number, getattr(number, "warmup", None))
    return f" ({number.number}: {why.rstrip('.')})" if why else ""
