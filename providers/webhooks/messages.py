"""Message statuses and inbound opt-outs, fed to the warmup's message outcomes
(warmup/services/outcomes.py: outcomes_record_from_provider): the same dedupe as the
integrations' reports, by (business, message id, outcome).

- delivered → delivered; failed with a carrier filtering / spam code → carrier_rejected;
  any other failure → failed (its code kept as errorCode).
- an inbound message whose text is an opt-out keyword (or that the provider flagged as
  one) → opt_out, the recipient being its sender.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from providers.webhooks.outcome import Handled, ignored, processed
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


# What record_outcome answers while outcomes are deferred (see outcomes_deferred).
PENDING = "pending"


@dataclass
class DeferredOutcomes:
    """Outcomes handlers asked for while a batch of events is processed, recorded
    together afterwards: one write for the batch instead of one per event."""

    requests: list[tuple[Any, str, dict]] = field(default_factory=list)  # (event, provider, item)
    current: Any = None  # the event being handled


_deferred: ContextVar[DeferredOutcomes | None] = ContextVar("deferred_outcomes", default=None)


@contextmanager
def outcomes_deferred() -> Iterator[DeferredOutcomes]:
    """While inside, record_outcome collects its outcome and answers PENDING; the caller
    records them (results_of) and settles each event."""
    batch = DeferredOutcomes()
    token = _deferred.set(batch)
    try:
        yield batch
    finally:
        _deferred.reset(token)


def outcome_item(
    *,
    message_id: str,
    our_number: str,
    outcome: str,
    occurred_at: datetime,
    recipient: str | None,
    error_code: str | None,
    channel: str,
    direction: str,
) -> dict:
    """The message-outcomes item (warmup/outcome_input.py) of one provider's report."""
    item = {
        "messageId": message_id[:255],
        "number": our_number,
        "channel": channel,
        "direction": direction,
        "outcome": outcome,
        "occurredAt": occurred_at.isoformat(),
    }
    if recipient:
        item["recipient"] = recipient
    if error_code:
        item["errorCode"] = str(error_code)[:64]
    return item


def results_of(*, provider: str, items: list[dict], now: datetime) -> list[str]:
    """Record `items` (at most 1,000) in one write; for each, "accepted", "duplicate" or
    the refusal's reasons."""
    result = outcomes_record_from_provider(provider=provider, items=items, now=now)
    refused = {refusal.index: refusal for refusal in result.refused}
    answers = []
    for index in range(len(items)):
        if index in refused:
            reasons = [
                message
                for messages_of_field in refused[index].errors.values()
                for message in messages_of_field
            ]
            answers.append("; ".join(reasons) or "refused")
        elif index in result.accepted_indexes:
            answers.append("accepted")
        else:
            answers.append("duplicate")
    return answers


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
    do not hold at this provider, a recycled one, a bad field). While outcomes are
    deferred (a batch being processed), collect it and answer PENDING."""
    now = timezone.now()
    item = outcome_item(
        message_id=message_id,
        our_number=our_number,
        outcome=outcome,
        occurred_at=occurred_at or now,
        recipient=recipient,
        error_code=error_code,
        channel=channel,
        direction=direction,
    )
    batch = _deferred.get()
    if batch is not None:
        batch.requests.append((batch.current, provider, item))
        return PENDING
    return results_of(provider=provider, items=[item], now=now)[0]


def handled_from(results: list[str]) -> Handled:
    """What an event's outcomes came to: processed when one was recorded, ignored when
    all were repeats or refused (with why), or none was final. PENDING (deferred):
    processed for now, settled when the batch's outcomes are recorded."""
    if PENDING in results:
        return processed("Outcome pending.")
    if "accepted" in results:
        return processed("Outcome recorded.")
    if not results:
        return ignored("No final status to count.")
    if all(result == "duplicate" for result in results):
        return ignored("Outcome recorded before.")
    return ignored("Not counted: " + "; ".join(r for r in results if r != "duplicate"))
