"""The seed product's list row (`PhoneNumberTableRow`) of a number, as its published
document shapes it, for `POST /phone-numbers/all/organization`. Its nested warmup object
comes from the one mapping of our warmup vocabularies to the document's
(phonenumbers_app/readiness.py).
"""

from __future__ import annotations

from typing import Any

from phonenumbers_app.number_rows import Row
from phonenumbers_app.readiness import readiness
from phonenumbers_app.vocabularies import InventoryState

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
