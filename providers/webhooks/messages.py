"""Message statuses and inbound opt-outs, fed to the warmup's message outcomes
(warmup/services/outcomes.py: outcomes_record_from_provider): the same dedupe as the
integrations' reports, by (business, message id, outcome).

- delivered → delivered; failed with a carrier filtering / spam code → carrier_rejected;
  any other failure → failed (its code kept as errorCode).
- an inbound message whose text is an opt-out keyword (or that the provider flagged as
  one) → opt_out, the recipient being its sender.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from warmup.services.outcomes import outcomes_record_from_provider

# Codes that mean a carrier filtered the message (spam, unregistered traffic), not that
# the handset could not be reached.
# Telnyx: 40002 blocked as spam (temporary), 40003 blocked as spam (permanent)
# (https://developers.telnyx.com/docs/messaging/messages/error-codes).
# Twilio: 30007 message filtered (carrier violation), 30034 message from an unregistered
# (10DLC) number (https://www.twilio.com/docs/api/errors/30007, .../30034).
CARRIER_FILTERING_CODES = frozenset({"40002", "40003", "30007", "30034"})
# The CTIA opt-out keywords carriers and providers honour (case-insensitive, the whole
# message): Twilio's default STOP list, which Telnyx's auto-response follows too.
OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "OPT OUT", "REVOKE"}
)


def is_opt_out(text: str | None) -> bool:
    if not isinstance(text, str):
        return False
    words = " ".join(text.replace(".", " ").replace("!", " ").split()).upper()
    return words in OPT_OUT_KEYWORDS


def failure_outcome(code: str | None) -> str:
    return "carrier_rejected" if code in CARRIER_FILTERING_CODES else "failed"


def record_outcome(
    *,
    provider: str,
    message_id: str,
    our_number: str,
    outcome: str,
    occurred_at: datetime | None,
    recipient: str | None,
    error_code: str | None = None,
    channel: str = "sms",
    direction: str = "outbound",
) -> str:
    """Record one outcome; "accepted", "duplicate" or the refusal's reasons (a number we
    do not hold at this provider, a recycled one, a bad field)."""
    now = timezone.now()
    item = {
        "messageId": message_id[:255],
        "number": our_number,
        "channel": channel,
        "direction": direction,
        "outcome": outcome,
        "occurredAt": (occurred_at or now).isoformat(),
    }
    if recipient:
        item["recipient"] = recipient
    if error_code:
        item["errorCode"] = str(error_code)[:64]
    result = outcomes_record_from_provider(provider=provider, items=[item], now=now)
    if result.accepted:
        return "accepted"
    if result.duplicates:
        return "duplicate"
    reasons = [
        message
        for refusal in result.refused
        for messages_of_field in refusal.errors.values()
        for message in messages_of_field
    ]
    return "; ".join(reasons) or "refused"
