"""The seed product's list row (`PhoneNumberTableRow`) of a number, as its published
document shapes it, for `POST /phone-numbers/all/organization`; and its nested warmup
object (`PhoneNumberReadiness`), which the full representation carries too.

Our vocabularies are the seed's create contract's; the document's warmup enums differ,
so they are mapped here, by `readiness` alone. The seed's document lists no null in these
enums (so a client generated from it refuses null there): every value, null included,
maps to one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from phonenumbers_app.number_rows import Row
from phonenumbers_app.vocabularies import InventoryState
from phonenumbers_app.vocabularies import WarmupHealthState as W

# warmupState -> PhoneNumberReadiness.state (Not Started, In Progress, Paused, Blocked, Ready)
READINESS_STATE = {
    None: "Not Started",
    W.NOT_STARTED: "Not Started",
    W.WARMING: "In Progress",
    W.HEALTHY: "In Progress",
    W.NEEDS_ATTENTION: "In Progress",
    W.PAUSED: "Paused",
    W.BLOCKED: "Blocked",
    W.READY: "Ready",
}
# healthStatus -> PhoneNumberReadiness.healthStatus
# (Not Evaluated, Evaluating, Healthy, Needs Attention, Blocked); a paused number's
# health is not being evaluated.
READINESS_HEALTH = {
    None: "Not Evaluated",
    W.NOT_STARTED: "Not Evaluated",
    W.PAUSED: "Not Evaluated",
    W.WARMING: "Evaluating",
    W.HEALTHY: "Healthy",
    W.NEEDS_ATTENTION: "Needs Attention",
    W.BLOCKED: "Blocked",
    W.READY: "Healthy",
}
# Voice warmup stages are not tracked here: every number is at the start.
CALL_STAGE = "Stage 0"
# The columns `readiness` reads.
READINESS_COLUMNS = (
    "warmup_enabled",
    "warmup_state",
    "health_status",
    "warmup_health_score",
    "warmup_progress_percent",
)


def readiness(n: Mapping[str, Any]) -> dict[str, Any]:
    """A number's warmup as the seed's document has it (`PhoneNumberReadiness`), from its
    row (or any mapping of READINESS_COLUMNS): our warmupState and healthStatus mapped to
    the document's vocabularies (READINESS_STATE, READINESS_HEALTH), score and progress
    as integers (our flat `warmupHealthScore`/`warmupProgressPercent` are integer
    strings), and the call stage (always CALL_STAGE).

    The one mapping of our warmup to the document's: the table row and the full
    representation both take their `warmup` from here.
    """
    return {
        "enabled": n["warmup_enabled"],
        "state": READINESS_STATE[n["warmup_state"]],
        "healthStatus": READINESS_HEALTH[n["health_status"]],
        "healthScore": n["warmup_health_score"],
        "progressPercent": n["warmup_progress_percent"],
        "callStage": CALL_STAGE,
    }


# North American toll-free area codes: numbers under them are "TollFree", others "Local".
TOLL_FREE_AREA_CODES = ("800", "833", "844", "855", "866", "877", "888")
SMS_READY_STATES = (InventoryState.READY_FOR_SMS,)
VOICE_READY_STATES = (InventoryState.READY_FOR_SMS, InventoryState.READY_FOR_VOICE)


def number_type(number: str) -> str:
    return "TollFree" if number[:2] == "+1" and number[2:5] in TOLL_FREE_AREA_CODES else "Local"


def routing_summary(n: Row) -> str:
    channels = [
        name
        for name, on in (("SMS", n["routing_sms_enabled"]), ("voice", n["routing_voice_enabled"]))
        if on
    ]
    text = " and ".join(channels) if channels else "No channels"
    if n["routing_warmup_only"]:
        text += ", warmup only"
    if n["routing_internal_test_only"]:
        text += ", internal test only"
    return text[0].upper() + text[1:]


def table_row_representation(n: Row) -> dict[str, Any]:
    """A listed number, from its row (phonenumbers_app.number_rows)."""
    business_id = n["business_id"]
    enabled, state = n["enabled"], n["inventory_state"]
    return {
        "id": str(n["id"]),
        "name": n["name"],
        "number": n["number"],
        "type": number_type(n["number"]),
        "organization": n["business_name"] if business_id else "",
        "organizationId": str(business_id) if business_id else None,
        "enabled": enabled,
        "warmup": readiness(n),
        "ownership": "Leadping-owned" if n["leadping_owned"] else "Customer-owned",
        "routingSummary": routing_summary(n),
        "smsReady": enabled and state in SMS_READY_STATES,
        "voiceReady": enabled and state in VOICE_READY_STATES,
        "tenDlcCampaignStatus": n["ten_dlc__campaign_status"],
    }
