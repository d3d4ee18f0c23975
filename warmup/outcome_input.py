"""Reading one reported outcome: its fields' types, formats and how they fit together.

Hand-written rather than a DRF serializer per item: a batch holds up to 1,000 items and
a serializer costs about 100 µs each, most of the endpoint's time. The messages are the
API's usual ones (core/serializers.py), and warmup/api/serializers.py documents the same
fields (a test holds the two together).

What needs the database (which number, whose, a repeat) is the service's
(warmup/services/outcomes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from uuid import UUID

from phonenumbers_app.numbers import InvalidNumber, normalize_number
from warmup.vocabularies import CALL_OUTCOMES, MESSAGE_OUTCOMES, Channel, Direction, Outcome

REQUIRED = "This field is required."
NOT_TEXT = "Must be a string."
NOT_OBJECT = "Expected a JSON object, got {kind}."
UNKNOWN_FIELD = "Unknown field. Allowed fields: {allowed}."
NOT_ONE_OF = "{input!r} is not one of: {choices}."
TOO_LONG = "Ensure this field has no more than {max} characters."
BLANK = "This field may not be blank."
NULL_CHARACTER = "Null characters are not allowed."
NOT_UNICODE = "Must be valid Unicode text (it holds a lone surrogate)."
NOT_UUID = "Must be a UUID string, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6."
NUMBER_OR_ID = "Send the number or its phoneNumberId."
NOT_BOTH = "Send the number or its phoneNumberId, not both."
OUTCOME_NOT_FOR_CALLS = "{outcome!r} is a message outcome; calls report one of: {choices}."
OUTCOME_NOT_FOR_MESSAGES = "{outcome!r} is a call outcome; messages report one of: {choices}."
NOT_A_TIME = (
    "Must be an ISO 8601 date and time with its UTC offset, e.g. 2026-03-08T14:30:00-04:00."
)
NO_OFFSET = "Must say its UTC offset (e.g. Z or -04:00): a time without one is ambiguous."
IN_THE_FUTURE = "Is more than {minutes} minutes in the future; check the sender's clock."
TOO_OLD = (
    "Is older than the {days}-day window outcomes are kept for, so a repeat of it could no "
    "longer be recognised: it is not counted."
)

FIELDS = (
    "messageId",
    "number",
    "phoneNumberId",
    "channel",
    "direction",
    "outcome",
    "occurredAt",
    "errorCode",
    "recipient",
)
_FIELD_SET = frozenset(FIELDS)
_ALLOWED = ", ".join(FIELDS)
MESSAGE_ID_MAX = 255
ERROR_CODE_MAX = 64
FUTURE_TOLERANCE = timedelta(minutes=5)

# Plain strings: an enum member costs a lookup each time it is named.
_CALL = Channel.CALL.value
_CHANNELS = {choice.value: choice.value for choice in Channel}
_DIRECTIONS = {choice.value: choice.value for choice in Direction}
_OUTCOMES = {choice.value: choice.value for choice in Outcome}
_MESSAGE_OUTCOMES = frozenset(o.value for o in MESSAGE_OUTCOMES)
_CALL_OUTCOMES = frozenset(o.value for o in CALL_OUTCOMES)
_CHANNEL_CHOICES = ", ".join(_CHANNELS)
_DIRECTION_CHOICES = ", ".join(_DIRECTIONS)
_OUTCOME_CHOICES = ", ".join(_OUTCOMES)
_CALL_CHOICES = ", ".join(o.value for o in CALL_OUTCOMES)
_MESSAGE_CHOICES = ", ".join(o.value for o in MESSAGE_OUTCOMES)


@dataclass(slots=True)
class OutcomeItem:
    """One item that reads well; `number` (E.164) or `phone_number_id` (32 hex digits)
    names its number."""

    index: int
    message_id: str
    number: str | None
    phone_number_id: str | None
    channel: str
    direction: str
    outcome: str
    occurred_at: datetime
    error_code: str | None
    recipient: str | None


class ItemRefused(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@lru_cache(maxsize=100_000)
def _normalized(raw: str) -> str:
    # Our numbers and recipients repeat across a batch and across batches; validating
    # one costs the phonenumbers library tens of microseconds. Refusals are not cached
    # (lru_cache keeps no exceptions), which only costs bad input its own time.
    return normalize_number(raw)


@lru_cache(maxsize=100_000)
def _uuid_hex(raw: str) -> str:
    # Parsing a UUID costs about as much as the rest of an item; ids repeat.
    return UUID(raw).hex


def _number(raw: Any) -> str:
    """E.164 of `raw`; raises InvalidNumber."""
    return _normalized(raw) if isinstance(raw, str) else normalize_number(raw)


def _kind(value: Any) -> str:
    return "an array" if isinstance(value, list) else f"a {type(value).__name__}"


def _unstorable(value: str) -> str | None:
    """Why the databases cannot store `value` (PostgreSQL refuses NUL; UTF-8 cannot encode
    a lone surrogate, which JSON's \\ud800 escapes can make), or None."""
    if "\x00" in value:
        return NULL_CHARACTER
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            return NOT_UNICODE
    return None


def message_id_of(raw: Any) -> str | None:
    """The item's messageId as sent, when it is text the answer can carry (the answer
    names refusals by it)."""
    if isinstance(raw, dict):
        value = raw.get("messageId")
        if isinstance(value, str) and _unstorable(value) is None:
            return value
    return None


def _choice(raw: dict, name: str, choices: dict[str, str], listed: str, errors: dict) -> str:
    value = raw.get(name)
    if value is None:
        errors[name] = [REQUIRED]
    elif not isinstance(value, str) or value not in choices:
        errors[name] = [NOT_ONE_OF.format(input=value, choices=listed)]
    else:
        return value
    return ""


def _text(raw: dict, name: str, max_length: int, errors: dict, *, required: bool) -> str | None:
    value = raw.get(name)
    if value is None:
        if required:
            errors[name] = [REQUIRED]
        return None
    if not isinstance(value, str):
        errors[name] = [NOT_TEXT]
    elif (problem := _unstorable(value)) is not None:
        errors[name] = [problem]
    elif not value.strip():
        errors[name] = [BLANK]
    elif len(value) > max_length:
        errors[name] = [TOO_LONG.format(max=max_length)]
    else:
        return value
    return None


def _occurred_at(raw: dict, errors: dict, *, now: datetime, retention: timedelta) -> datetime:
    value = raw.get("occurredAt")
    if value is None:
        errors["occurredAt"] = [REQUIRED]
        return now
    if not isinstance(value, str):
        errors["occurredAt"] = [NOT_A_TIME]
        return now
    try:
        # Python 3.11 reads ISO 8601 in full (Z, offsets, fractions, the basic format).
        at = datetime.fromisoformat(value)
    except ValueError:
        errors["occurredAt"] = [NOT_A_TIME]
        return now
    if at.tzinfo is None or at.utcoffset() is None:
        errors["occurredAt"] = [NO_OFFSET]
    elif at > now + FUTURE_TOLERANCE:
        errors["occurredAt"] = [IN_THE_FUTURE.format(minutes=FUTURE_TOLERANCE.seconds // 60)]
    elif at < now - retention:
        errors["occurredAt"] = [TOO_OLD.format(days=retention.days)]
    return at


def parse_item(index: int, raw: Any, *, now: datetime, retention: timedelta) -> OutcomeItem:
    """One item of the batch read into an OutcomeItem; raises ItemRefused with every
    field's messages."""
    if not isinstance(raw, dict):
        raise ItemRefused({"item": [NOT_OBJECT.format(kind=_kind(raw))]})
    errors: dict[str, list[str]] = {}
    for name in raw:
        if name not in _FIELD_SET:
            errors[name] = [UNKNOWN_FIELD.format(allowed=_ALLOWED)]

    message_id = _text(raw, "messageId", MESSAGE_ID_MAX, errors, required=True)

    number = phone_number_id = None
    raw_number, raw_id = raw.get("number"), raw.get("phoneNumberId")
    if raw_number is not None and raw_id is not None:
        errors["number"] = [NOT_BOTH]
    elif raw_number is not None:
        try:
            number = _number(raw_number)
        except InvalidNumber as exc:
            errors["number"] = [str(exc)]
    elif raw_id is not None:
        try:
            if not isinstance(raw_id, str):
                raise ValueError
            phone_number_id = _uuid_hex(raw_id)
        except ValueError:
            errors["phoneNumberId"] = [NOT_UUID]
    else:
        errors["number"] = [NUMBER_OR_ID]

    channel = _choice(raw, "channel", _CHANNELS, _CHANNEL_CHOICES, errors)
    direction = _choice(raw, "direction", _DIRECTIONS, _DIRECTION_CHOICES, errors)
    outcome = _choice(raw, "outcome", _OUTCOMES, _OUTCOME_CHOICES, errors)
    if channel and outcome:
        if channel == _CALL and outcome not in _CALL_OUTCOMES:
            errors["outcome"] = [
                OUTCOME_NOT_FOR_CALLS.format(outcome=outcome, choices=_CALL_CHOICES)
            ]
        elif channel != _CALL and outcome not in _MESSAGE_OUTCOMES:
            errors["outcome"] = [
                OUTCOME_NOT_FOR_MESSAGES.format(outcome=outcome, choices=_MESSAGE_CHOICES)
            ]

    occurred_at = _occurred_at(raw, errors, now=now, retention=retention)
    error_code = _text(raw, "errorCode", ERROR_CODE_MAX, errors, required=False)

    recipient = None
    raw_recipient = raw.get("recipient")
    if raw_recipient is not None:
        try:
            recipient = _number(raw_recipient)
        except InvalidNumber as exc:
            errors["recipient"] = [str(exc)]

    if errors:
        raise ItemRefused(errors)
    return OutcomeItem(
        index=index,
        message_id=message_id,  # type: ignore[arg-type]  # checked: no error
        number=number,
        phone_number_id=phone_number_id,
        channel=channel,
        direction=direction,
        outcome=outcome,
        occurred_at=occurred_at,
        error_code=error_code,
        recipient=recipient,
    )
