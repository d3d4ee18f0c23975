"""A selection as the published OutgoingNumberSelectionResponse, with ours beside it."""

from __future__ import annotations

from typing import Any

from outgoing.selection import CHOSEN_BY_A_PERSON, Candidate, Selection
from outgoing.services import Ask
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.numbers import display_number
from phonenumbers_app.readiness import READINESS_HEALTH
from phonenumbers_app.vocabularies import WarmupHealthState as W
from warmup import capacity

CHANNEL_NAMES = {capacity.SMS: "sms", capacity.VOICE: "call"}


def _health(n: PhoneNumber) -> dict[str, Any]:
    status = READINESS_HEALTH[n.health_status]
    scored = n.health_status in (W.HEALTHY, W.NEEDS_ATTENTION, W.READY)
    return {
        "healthStatus": status,
        "healthLabel": f"{status} ({n.warmup_health_score}/100)" if scored else status,
        "healthWarning": n.health_reason if n.health_status == W.NEEDS_ATTENTION else None,
    }


def _left(candidate: Candidate) -> dict[str, int] | None:
    if candidate.used is None:
        return None
    minute, hour, day = (
        max(0, limit - used) for used, limit in zip(candidate.used, candidate.limits, strict=True)
    )
    return {"minute": minute, "hour": hour, "day": day}


def _eligible(candidate: Candidate, chosen: Candidate | None) -> dict[str, Any]:
    n = candidate.number
    selected = candidate is chosen
    return {
        "phoneNumberId": str(n.pk),
        "number": n.number,
        "displayNumber": display_number(n.number),
        **_health(n),
        "canSend": selected or candidate.has_room,
        "selectionReason": candidate.reason,
        "reasonLabel": candidate.label,
        "label": n.name,
        "campaignId": n.campaign_id,
        "sourceId": n.source_id,
        "teamId": n.team_id,
        "isSelected": selected,
        "capacityLeft": _left(candidate),
    }


def answer(selection: Selection, ask: Ask) -> dict[str, Any]:
    chosen = selection.chosen
    # The number the answer is about: the chosen one, or the one a person chose.
    subject = chosen.number if chosen else selection.subject
    reason = chosen.reason if chosen else (selection.subject_reason if subject else None)
    label = chosen.label if chosen else (CHOSEN_BY_A_PERSON if subject else None)
    return {
        "canSend": chosen is not None,
        "setupMessage": selection.setup_message,
        "phoneNumberId": str(subject.pk) if subject else None,
        "number": subject.number if subject else None,
        "displayNumber": display_number(subject.number) if subject else None,
        **(
            _health(subject)
            if subject
            else {"healthStatus": None, "healthLabel": None, "healthWarning": None}
        ),
        "selectionReason": reason,
        "reasonLabel": label,
        "wasManuallyOverridden": selection.manually_overridden,
        "campaignId": ask.wanted.campaign_id,
        "sourceId": ask.wanted.source_id,
        "eligibleNumbers": [_eligible(c, chosen) for c in selection.listed()],
        "channel": CHANNEL_NAMES[ask.channel],
        "conversationId": ask.conversation_id,
        "reservedUntil": chosen.reserved_until if chosen else None,
        "passedOver": [
            {
                "phoneNumberId": str(s.number.pk),
                "number": s.number.number,
                "selectionReason": s.reason,
                "reason": s.why,
            }
            for s in selection.skipped
        ],
    }
