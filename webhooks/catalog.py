"""The events integrations can subscribe to, and which of them a change of a number raises.

One rule, every door: every write to a number records audit events
(phonenumbers_app.PhoneNumberEvent) in its transaction, and the outbox
(webhooks/outbox.py) turns each into the webhook events `event_types_of` names. So the
API, the admin, the pages, the commands, the warmup engine and the providers' sync all
raise the same events for the same change, without any of them naming one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from phonenumbers_app.vocabularies import EventType, PhoneNumberStatus, WarmupHealthState

CREATED = "phone_number.created"
ASSIGNED = "phone_number.assigned"
UNASSIGNED = "phone_number.unassigned"
UPDATED = "phone_number.updated"
RELEASED = "phone_number.released"
WARMUP_PAUSED = "phone_number.warmup.paused"
WARMUP_RESUMED = "phone_number.warmup.resumed"
WARMUP_READY = "phone_number.warmup.ready"
HEALTH_CHANGED = "phone_number.health.changed"
TEN_DLC_CHANGED = "phone_number.ten_dlc.changed"
PROVISIONING_COMPLETED = "phone_number.provisioning.completed"
PROVISIONING_FAILED = "phone_number.provisioning.failed"
ENDPOINT_DISABLED = "webhook_endpoint.disabled"

# Every type, with the sentence the catalog (AsyncAPI, README, the API's docs) shows.
EVENT_TYPES: dict[str, str] = {
    CREATED: "A number entered the inventory: created, imported, bought or adopted from a "
    "provider.",
    ASSIGNED: "A number was assigned to the business: claimed from the pool or moved to it.",
    UNASSIGNED: "A number left the business: returned to the pool or moved to another "
    "business. The number's representation is the business's last view of it; what "
    "happens to it next is not the business's to hear.",
    UPDATED: "Anything about a number changed (fields, states, warmup, health, 10DLC). Sent "
    "beside the more specific events below.",
    RELEASED: "A number was released: it is no longer the business's and will not send.",
    WARMUP_PAUSED: "A number's warmup was paused, by a person or by the warmup engine.",
    WARMUP_RESUMED: "A number's paused warmup was resumed.",
    WARMUP_READY: "A number finished its warmup (warmupState became Ready).",
    HEALTH_CHANGED: "A number's health status changed (healthStatus).",
    TEN_DLC_CHANGED: "A number's A2P 10DLC registration changed (brand, campaign, status).",
    PROVISIONING_COMPLETED: "The provider finished provisioning a bought number "
    "(status Provisioning → Active).",
    PROVISIONING_FAILED: "The provider failed to provision a bought number "
    "(status Provisioning → FailedProvisioning; providerError says why).",
    ENDPOINT_DISABLED: "One of the owner's webhook endpoints was disabled after failing for "
    "too long. Sent to the owner's other endpoints that want it.",
}
PHONE_NUMBER_TYPES = tuple(t for t in EVENT_TYPES if t.startswith("phone_number."))

_WHOLE_NUMBER_EVENTS = {
    EventType.CREATED: CREATED,
    EventType.IMPORTED: CREATED,
    EventType.ASSIGNED: ASSIGNED,
    EventType.UNASSIGNED: UNASSIGNED,
    EventType.RELEASED: RELEASED,
}


def event_types_of(audit_type: str, data: Mapping[str, Any]) -> list[str]:
    """The webhook events one audit event of a number raises (its type and its
    before → after, as PhoneNumberEvent stores them)."""
    whole = _WHOLE_NUMBER_EVENTS.get(audit_type)
    if whole == UNASSIGNED and "businessId" not in (data.get("after") or {}):
        # The pool's own record of clearing its leftovers (a preferred flag...) from a
        # number being claimed: it left no business, and its assignment tells the rest.
        return []
    if whole is not None:
        return [whole]
    before, after = data.get("before") or {}, data.get("after") or {}
    if not after and not before:
        return []
    types = [UPDATED]
    types += _warmup_events(audit_type, before, after)
    if "healthStatus" in after and before.get("healthStatus") != after["healthStatus"]:
        types.append(HEALTH_CHANGED)
    if any(_is_registration(key) for key in (*before, *after)):
        types.append(TEN_DLC_CHANGED)
    if before.get("status") == PhoneNumberStatus.PROVISIONING and "status" in after:
        if after["status"] == PhoneNumberStatus.ACTIVE:
            types.append(PROVISIONING_COMPLETED)
        elif after["status"] == PhoneNumberStatus.FAILED_PROVISIONING:
            types.append(PROVISIONING_FAILED)
    return types


# The provider's bookkeeping on a number's 10DLC row: which of its events was applied
# last, and when. A repeated status moves them without changing the registration.
_TEN_DLC_BOOKKEEPING = frozenset({"tenDlc.lastProviderEventId", "tenDlc.statusUpdatedAt"})


def _is_registration(key: str) -> bool:
    return key.startswith("tenDlc.") and key not in _TEN_DLC_BOOKKEEPING


def _warmup_events(audit_type: str, before: Mapping, after: Mapping) -> list[str]:
    if "warmupState" not in after:
        return []
    old, new = before.get("warmupState"), after["warmupState"]
    if old == new:
        return []
    if new == WarmupHealthState.PAUSED:
        return [WARMUP_PAUSED]
    events = []
    if old == WarmupHealthState.PAUSED:
        events.append(WARMUP_RESUMED)
    if new == WarmupHealthState.READY:
        events.append(WARMUP_READY)
    return events
