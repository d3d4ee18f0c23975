"""Webhook bodies shaped exactly as the providers publish them, with our numbers in.

Sources:
- Telnyx number order: https://developers.telnyx.com/api-reference/callbacks/number-order-status-update
- Telnyx messaging (message.finalized, message.received):
  https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks
- Telnyx error codes: https://developers.telnyx.com/docs/messaging/messages/error-codes
- Telnyx 10DLC: https://developers.telnyx.com/docs/messaging/10dlc/event-notifications
- Telnyx port-out: https://developers.telnyx.com/docs/numbers/porting/port-out-notifications
- Twilio status callback: https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
- Twilio incoming message: https://www.twilio.com/docs/messaging/guides/webhook-request
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def _now() -> str:
    return datetime.now(UTC).isoformat()


def envelope(event_type: str, payload: dict, *, event_id: str | None = None) -> dict:
    return {
        "data": {
            "event_type": event_type,
            "id": event_id or str(uuid.uuid4()),
            "occurred_at": _now(),
            "payload": payload,
            "record_type": "event",
        },
        "meta": {"attempt": 1, "delivered_to": "https://inventory.example.com/webhooks/telnyx"},
    }


def number_order_complete(order_id: str, numbers: dict[str, str]) -> dict:
    """numbers: {E.164: "success" | "failure" | "pending"}."""
    return envelope(
        "number_order.complete",
        {
            "id": order_id,
            "connection_id": "346789098765567",
            "messaging_profile_id": "abc85f64-5717-4562-b3fc-2c9600",
            "billing_group_id": "abc85f64-5717-4562-b3fc-2c9600",
            "phone_numbers": [
                {
                    "id": str(uuid.uuid4()),
                    "record_type": "number_order_phone_number",
                    "phone_number": number,
                    "regulatory_requirements": [],
                    "requirements_met": True,
                    "status": status,
                }
                for number, status in numbers.items()
            ],
            "sub_number_orders_ids": [],
            "customer_reference": "MY REF 001",
            "status": "success",
            "record_type": "number_order",
        },
    )


def message_finalized(
    message_id: str, ours: str, to: str, status: str, codes: tuple[str, ...] = ()
) -> dict:
    return envelope(
        "message.finalized",
        {
            "completed_at": _now(),
            "cost": {"amount": "0.0051", "currency": "USD"},
            "direction": "outbound",
            "encoding": "GSM-7",
            "errors": [
                {"code": code, "title": "Blocked as spam", "detail": "Carrier spam filter"}
                for code in codes
            ],
            "from": {"carrier": "TELNYX LLC", "line_type": "VoIP", "phone_number": ours},
            "id": message_id,
            "media": [],
            "messaging_profile_id": "740572b6-099c-44a1-89b9-6c92163bc68d",
            "parts": 1,
            "record_type": "message",
            "sent_at": _now(),
            "tags": [],
            "text": "Hello from Telnyx!",
            "to": [
                {
                    "carrier": "T-MOBILE USA, INC.",
                    "line_type": "Wireless",
                    "phone_number": to,
                    "status": status,
                }
            ],
            "type": "SMS",
            "valid_until": None,
            "webhook_url": "https://inventory.example.com/webhooks/telnyx",
        },
    )


def message_received(message_id: str, sender: str, ours: str, text: str) -> dict:
    return envelope(
        "message.received",
        {
            "direction": "inbound",
            "encoding": "GSM-7",
            "errors": [],
            "from": {"carrier": "T-Mobile USA", "line_type": "long_code", "phone_number": sender},
            "id": message_id,
            "media": [],
            "messaging_profile_id": "740572b6-099c-44a1-89b9-6c92163bc68d",
            "parts": 1,
            "received_at": _now(),
            "record_type": "message",
            "text": text,
            "to": [
                {
                    "carrier": "Telnyx",
                    "line_type": "Wireless",
                    "phone_number": ours,
                    "status": "webhook_delivered",
                }
            ],
            "type": "SMS",
        },
    )


def campaign_update(campaign_id: str, kind: str, status: str | None = None, **extra) -> dict:
    payload = {"campaignId": campaign_id, "type": kind, **extra}
    if status is not None:
        payload["status"] = status
    return envelope("10dlc.campaign.update", payload)


def brand_failed(brand_id: str) -> dict:
    return envelope(
        "10dlc.brand.update",
        {
            "brandId": brand_id,
            "status": "failed",
            "type": "REGISTRATION",
            "reasons": [
                {"fields": ["ein"], "description": "Invalid EIN - EIN is a nine-digit number."}
            ],
        },
    )


def number_assignment(number: str, campaign_id: str, status: str = "success") -> dict:
    return envelope(
        "10dlc.phone_number.update",
        {
            "campaignId": campaign_id,
            "phoneNumber": number,
            "status": status,
            "type": "ASSIGNMENT",
            "reasons": [] if status == "success" else ["Number is not eligible"],
        },
    )


def portout_ported(numbers: list[str]) -> dict:
    return envelope(
        "portout.status_changed",
        {
            "id": str(uuid.uuid4()),
            "status": "ported",
            "phone_numbers": numbers,
            "carrier_name": "Testing Carrier",
            "spid": "987H",
            "user_id": str(uuid.uuid4()),
            "subscriber_name": "John Doe",
            "rejection_reason": None,
        },
    )


def phone_number_deleted(number: str, provider_id: str | None = None) -> dict:
    return envelope(
        "phone_number.deleted",
        {
            "id": provider_id or str(uuid.uuid4()),
            "phone_number": number,
            "record_type": "phone_number",
            "status": "deleted",
        },
    )


def twilio_status(sid: str, ours: str, to: str, status: str, error_code: str | None = None) -> dict:
    params = {
        "AccountSid": "AC" + "1" * 32,
        "ApiVersion": "2010-04-01",
        "From": ours,
        "MessageSid": sid,
        "MessageStatus": status,
        "MessagingServiceSid": "MG" + "2" * 32,
        "SmsSid": sid,
        "SmsStatus": status,
        "To": to,
    }
    if error_code:
        params["ErrorCode"] = error_code
    return params


def twilio_inbound(
    sid: str, sender: str, ours: str, body: str, opt_out_type: str | None = None
) -> dict:
    params = {
        "AccountSid": "AC" + "1" * 32,
        "ApiVersion": "2010-04-01",
        "Body": body,
        "From": sender,
        "FromCity": "SAN FRANCISCO",
        "FromCountry": "US",
        "FromState": "CA",
        "FromZip": "94105",
        "MessageSid": sid,
        "MessagingServiceSid": "MG" + "2" * 32,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "To": ours,
        "ToCountry": "US",
    }
    if opt_out_type:
        params["OptOutType"] = opt_out_type
    return params
