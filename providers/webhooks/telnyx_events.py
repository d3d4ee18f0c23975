"""Acting on Telnyx-dialect events (Telnyx, and the simulated provider that speaks it).

Shapes as Telnyx publishes them (every event is {"data": {"id", "event_type",
"occurred_at", "payload", "record_type": "event"}, "meta": {...}}):
- number_order.complete: payload.id (the order), payload.phone_numbers[] with
  phone_number and status pending / success / failure
  (https://developers.telnyx.com/api-reference/callbacks/number-order-status-update).
- portout.status_changed: payload.status (… "ported") and payload.phone_numbers[]
  (https://developers.telnyx.com/docs/numbers/porting/port-out-notifications).
- phone_number.deleted: a number removed from the account. Telnyx documents no such
  webhook (a number leaves by port-out, or by our own DELETE, which the release job
  confirms); the simulated provider sends it, payload shaped like Telnyx's phone number
  record (id, phone_number, status "deleted").
- 10dlc.brand.update / 10dlc.campaign.update / 10dlc.phone_number.update: payload
  brandId / campaignId / phoneNumber, type, status, reasons[] or description
  (https://developers.telnyx.com/docs/messaging/10dlc/event-notifications).
- message.sent / message.finalized: payload.id, from.phone_number, to[].status
  (delivered, delivery_failed, sending_failed, …), errors[].code
  (https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks).
- message.received: payload.from.phone_number (the sender), to[].phone_number (ours), text.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from phonenumbers_app.vocabularies import TenDlcCampaignStatus as Campaign
from providers.models import ProviderEvent
from providers.orders import order_number_result
from providers.webhooks import messages, numbers
from providers.webhooks.outcome import Handled, ignored, processed


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _reasons(payload: dict) -> str | None:
    """The provider's reasons as one sentence: reasons[].description, or description."""
    parts = []
    for reason in payload.get("reasons") or []:
        if isinstance(reason, dict) and _text(reason.get("description")):
            parts.append(reason["description"])
        elif _text(reason):
            parts.append(reason)
    if not parts and _text(payload.get("description")):
        parts.append(payload["description"])
    return "; ".join(parts)[:2000] or None


# --- number orders ------------------------------------------------------------------
def number_order_complete(event: ProviderEvent, payload: dict) -> Handled:
    changed = 0
    for entry in payload.get("phone_numbers") or []:
        if not isinstance(entry, dict) or not _text(entry.get("phone_number")):
            continue
        status = entry.get("status")
        if status not in ("success", "failure"):
            continue  # still pending: a later event says how it ended
        reason = None
        if status == "failure":
            # Telnyx names no reason beyond the requirements' status; errors[] (the
            # simulated provider's addition) say more when present.
            said = [
                _text(error.get("detail")) or _text(error.get("title"))
                for error in entry.get("errors") or []
                if isinstance(error, dict)
            ]
            detail = _text(entry.get("requirements_status"))
            reason = "; ".join(filter(None, said)) or (
                f"{event.provider} could not complete the order"
                + (f" (requirements {detail})" if detail else "")
            )
        # The entry's id is the order's record of the number, not the number's id at
        # the provider: the number keeps the id it was ordered with.
        if order_number_result(
            provider=event.provider,
            number=entry["phone_number"],
            succeeded=status == "success",
            provider_order_id=_text(payload.get("id")),
            reason=reason,
        ):
            changed += 1
    if not changed:
        return ignored("No ordered number of ours was waiting for this.")
    return processed(f"{changed} ordered number(s) settled.")


# --- numbers leaving the account -----------------------------------------------------
def portout_status_changed(event: ProviderEvent, payload: dict) -> Handled:
    if payload.get("status") != "ported":
        return ignored(f"Port-out {payload.get('status') or 'update'}: nothing changes yet.")
    carrier = _text(payload.get("carrier_name"))
    reason = "Ported away from " + event.provider + (f" to {carrier}" if carrier else "")
    changed = [
        row
        for number in payload.get("phone_numbers") or []
        if _text(number)
        for row in [
            numbers.number_gone(
                event.provider,
                number=number,
                provider_id=None,
                provider_status="ported-out",
                reason=reason,
            )
        ]
        if row is not None
    ]
    if not changed:
        return ignored("No number of ours at this provider was ported out.")
    return processed(f"{len(changed)} number(s) ported away.", changed[0].pk)


def phone_number_deleted(event: ProviderEvent, payload: dict) -> Handled:
    label = {"telnyx": "Telnyx", "simulated": "the simulated provider"}.get(
        event.provider, event.provider
    )
    row = numbers.number_gone(
        event.provider,
        number=_text(payload.get("phone_number")),
        provider_id=_text(payload.get("id")),
        provider_status="deleted",
        reason=f"Deleted at {label}",
    )
    if row is None:
        return ignored("No number of ours at this provider, or nothing changed.")
    return processed("Number gone at the provider.", row.pk)


# --- 10DLC ----------------------------------------------------------------------------
# (type, status or TCR eventType) → our campaign status; None: no change of status.
_CAMPAIGN_BY_TCR_EVENT = {
    "CAMPAIGN_ADD": Campaign.PENDING,
    "CAMPAIGN_RESUBMISSION": Campaign.PENDING,
    "MNO_CAMPAIGN_OPERATION_REVIEW": Campaign.PENDING,
    "MNO_CAMPAIGN_OPERATION_APPROVED": Campaign.APPROVED,
    "MNO_CAMPAIGN_OPERATION_UNSUSPENDED": Campaign.APPROVED,
    "MNO_CAMPAIGN_OPERATION_REJECTED": Campaign.REJECTED,
    "MNO_CAMPAIGN_OPERATION_SUSPENDED": Campaign.FAILED,
    "CAMPAIGN_EXPIRED": Campaign.FAILED,
}


def campaign_status_of(payload: dict) -> str | None:
    """Our campaign status for a 10dlc.campaign.update payload, or None."""
    kind = str(payload.get("type") or "").upper()
    status = str(payload.get("status") or "").upper()
    if kind == "REGISTRATION":
        return Campaign.FAILED if status == "FAILED" else None
    if kind == "TELNYX_REVIEW":
        # Telnyx's own review passed: the carriers' review is still to come.
        return {"ACCEPTED": Campaign.PENDING, "REJECTED": Campaign.REJECTED}.get(status)
    if kind == "MNO_REVIEW":
        return {"ACCEPTED": Campaign.APPROVED, "REJECTED": Campaign.REJECTED}.get(status)
    if kind == "VERIFIED":
        return Campaign.APPROVED
    if kind == "TELNYX_EVENT":
        return Campaign.FAILED if status == "DORMANT" else None
    if kind == "TCR_EVENT":
        return _CAMPAIGN_BY_TCR_EVENT.get(str(payload.get("eventType") or "").upper())
    return None


def campaign_update(event: ProviderEvent, payload: dict) -> Handled:
    campaign_id = _text(payload.get("campaignId"))
    if campaign_id is None:
        return ignored("No campaignId.")
    status = campaign_status_of(payload)
    if status is None:
        return ignored(f"Campaign {payload.get('type') or 'event'}: no change of status.")
    values: dict[str, Any] = {"campaign_status": status}
    values["failure_reason"] = (
        (_reasons(payload) or f"Campaign {status.lower()} ({payload.get('type')})")
        if status in (Campaign.REJECTED, Campaign.FAILED)
        else None
    )
    changed = numbers.ten_dlc_update(
        numbers.ten_dlc_numbers(event.provider, campaign_id=campaign_id),
        values=values,
        event_id=event.event_id,
        at=event.occurred_at,
    )
    if not changed:
        return ignored("No number of ours on this campaign changed.")
    return processed(f"Campaign {status}: {len(changed)} number(s).", changed[0])


def brand_update(event: ProviderEvent, payload: dict) -> Handled:
    brand_id = _text(payload.get("brandId"))
    if brand_id is None:
        return ignored("No brandId.")
    if str(payload.get("status") or "").lower() != "failed":
        return ignored(f"Brand {payload.get('type') or 'event'}: nothing to record.")
    reason = "Brand: " + (_reasons(payload) or f"{payload.get('type') or 'update'} failed")
    changed = numbers.ten_dlc_update(
        numbers.ten_dlc_numbers(event.provider, brand_id=brand_id),
        values={"failure_reason": reason},
        event_id=event.event_id,
        at=event.occurred_at,
    )
    if not changed:
        return ignored("No number of ours under this brand changed.")
    return processed(f"Brand failure on {len(changed)} number(s).", changed[0])


def _assignment_of(payload: dict) -> str | None:
    kind = str(payload.get("type") or "").upper()
    status = str(payload.get("status") or "").upper()
    if kind == "ASSIGNMENT":
        return {"SUCCESS": "Assigned", "FAILED": "Failed"}.get(status)
    if kind == "DELETION":
        return {"SUCCESS": "Unassigned", "FAILED": None}.get(status)
    if kind == "STATUS_UPDATE":
        return {
            "ADDED": "Assigned",
            "DELETED": "Unassigned",
            "PENDING": "Pending",
            "FAILED": "Failed",
        }.get(status)
    return None


def phone_number_assignment(event: ProviderEvent, payload: dict) -> Handled:
    number = _text(payload.get("phoneNumber"))
    assignment = _assignment_of(payload)
    if number is None or assignment is None:
        return ignored("Not an assignment status we record.")
    row = numbers.number_at(event.provider, number=number)
    if row is None or row.is_released:
        return ignored("No number of ours at this provider.")
    values: dict[str, Any] = {"assignment_status": assignment}
    campaign_id = _text(payload.get("campaignId"))
    if assignment in ("Assigned", "Pending") and campaign_id:
        values["campaign_id"] = campaign_id
    values["failure_reason"] = (
        (_reasons(payload) or "Campaign assignment failed") if assignment == "Failed" else None
    )
    changed = numbers.ten_dlc_update(
        [row], values=values, event_id=event.event_id, at=event.occurred_at
    )
    if not changed:
        return ignored("Nothing changed.")
    return processed(f"Assignment {assignment}.", row.pk)


# --- messages ---------------------------------------------------------------------------
def _phone(party: Any) -> str | None:
    return _text(party.get("phone_number")) if isinstance(party, dict) else None


def message_finalized(event: ProviderEvent, payload: dict) -> Handled:
    ours = _phone(payload.get("from"))
    message_id = _text(payload.get("id")) or event.event_id
    recipients = [to for to in payload.get("to") or [] if isinstance(to, dict)]
    codes = [
        str(error.get("code"))
        for error in payload.get("errors") or []
        if isinstance(error, dict) and error.get("code") is not None
    ]
    when = _when(payload.get("completed_at")) or event.occurred_at
    channel = "mms" if payload.get("type") == "MMS" else "sms"
    results = []
    for to in recipients:
        status = to.get("status")
        if status == "delivered":
            outcome, code = "delivered", None
        elif status in ("delivery_failed", "sending_failed", "expired"):
            code = codes[0] if codes else None
            outcome = messages.failure_outcome(code)
        else:
            continue  # not final (delivery_unconfirmed, sent, …): nothing to count
        identity = message_id if len(recipients) == 1 else f"{message_id}:{_phone(to)}"
        results.append(
            messages.record_outcome(
                provider=event.provider,
                message_id=identity,
                our_number=ours or "",
                outcome=outcome,
                occurred_at=when,
                recipient=_phone(to),
                error_code=code,
                channel=channel,
            )
        )
    return messages.handled_from(results)


def message_received(event: ProviderEvent, payload: dict) -> Handled:
    if not messages.is_opt_out(payload.get("text")):
        return ignored("An inbound message, not an opt-out.")
    recipients = [_phone(to) for to in payload.get("to") or []]
    ours = next((number for number in recipients if number), None)
    result = messages.record_outcome(
        provider=event.provider,
        message_id=_text(payload.get("id")) or event.event_id,
        our_number=ours or "",
        outcome="opt_out",
        occurred_at=_when(payload.get("received_at")) or event.occurred_at,
        recipient=_phone(payload.get("from")),
        channel="mms" if payload.get("type") == "MMS" else "sms",
        direction="inbound",
    )
    return messages.handled_from([result])


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


HANDLERS = {
    "number_order.complete": number_order_complete,
    "portout.status_changed": portout_status_changed,
    "phone_number.deleted": phone_number_deleted,
    "10dlc.brand.update": brand_update,
    "10dlc.campaign.update": campaign_update,
    "10dlc.phone_number.update": phone_number_assignment,
    "message.finalized": message_finalized,
    "message.received": message_received,
}


def handle(event: ProviderEvent) -> Handled:
    document = json.loads(event.body)
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        return ignored("No data object.")
    handler = HANDLERS.get(str(data.get("event_type") or ""))
    if handler is None:
        return ignored(f"Event type {data.get('event_type')!r} is not handled.")
    payload = data.get("payload")
    return handler(event, payload if isinstance(payload, dict) else {})
