"""Acting on Twilio's messaging callbacks (form-encoded, as Twilio posts them):

- status callbacks: MessageSid, MessageStatus (queued, sending, sent, delivered,
  undelivered, failed, read, …), ErrorCode on failures, From (ours), To
  (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status);
  ErrorCode 30007 (filtered) and 30034 (unregistered number) are carrier filtering,
  30003 / 30005 / 30006 an unreachable, unknown or landline handset: failed.
- incoming messages: MessageSid, From (the sender), To (ours), Body, and OptOutType
  (STOP, START, HELP) when Advanced Opt-Out recognised a keyword
  (https://www.twilio.com/docs/messaging/guides/webhook-request).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from providers.models import ProviderEvent
from providers.webhooks import messages
from providers.webhooks.outcome import Handled, ignored

FINAL_FAILURES = ("undelivered", "failed")


def handle(event: ProviderEvent) -> Handled:
    if event.event_type not in ("message.status", "message.inbound"):
        return ignored("Not a messaging callback.")
    form = {key: values[0] for key, values in parse_qs(event.body, keep_blank_values=True).items()}
    sid = form.get("MessageSid") or form.get("SmsSid") or event.event_id
    if event.event_type == "message.inbound":
        opted_out = form.get("OptOutType", "").upper() == "STOP" or messages.is_opt_out(
            form.get("Body")
        )
        if not opted_out:
            return ignored("An inbound message, not an opt-out.")
        result = messages.record_outcome(
            provider=event.provider,
            message_id=sid,
            our_number=form.get("To", ""),
            outcome="opt_out",
            occurred_at=event.received_at,
            recipient=form.get("From"),
            direction="inbound",
        )
        return messages.handled_from([result])
    status = form.get("MessageStatus") or form.get("SmsStatus")
    if status == "delivered":
        outcome, code = "delivered", None
    elif status in FINAL_FAILURES:
        code = form.get("ErrorCode") or None
        outcome = messages.failure_outcome(code)
    else:
        return ignored(f"Status {status!r} is not final.")
    result = messages.record_outcome(
        provider=event.provider,
        message_id=sid,
        our_number=form.get("From", ""),
        outcome=outcome,
        occurred_at=event.received_at,
        recipient=form.get("To"),
        error_code=code,
    )
    return messages.handled_from([result])
