"""What integrations report about messages and calls, and the published document's
pacing vocabulary."""

from django.db import models


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    MMS = "mms", "MMS"
    CALL = "call", "Call"


class Direction(models.TextChoices):
    OUTBOUND = "outbound", "Outbound"
    INBOUND = "inbound", "Inbound"


class Outcome(models.TextChoices):
    # Messages (sms, mms)
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    CARRIER_REJECTED = "carrier_rejected", "Rejected by the carrier"
    OPT_OUT = "opt_out", "Opted out"
    SPAM_REPORTED = "spam_reported", "Reported as spam"
    RECEIVED = "received", "Received"
    # Calls
    PLACED = "placed", "Placed"
    CONNECTED = "connected", "Connected"
    SHORT = "short", "Short call"
    INVALID_NUMBER = "invalid_number", "Invalid number"


MESSAGE_OUTCOMES = (
    Outcome.SENT,
    Outcome.DELIVERED,
    Outcome.FAILED,
    Outcome.CARRIER_REJECTED,
    Outcome.OPT_OUT,
    Outcome.SPAM_REPORTED,
    Outcome.RECEIVED,
)
CALL_OUTCOMES = (
    Outcome.PLACED,
    Outcome.CONNECTED,
    Outcome.SHORT,
    Outcome.INVALID_NUMBER,
    Outcome.FAILED,
)


class PacingStatus(models.TextChoices):
    """The published document's `PhoneNumberOutboundHealthStatus`."""

    UNKNOWN = "unknown", "Unknown"
    NEW = "new", "New"
    HEALTHY = "healthy", "Healthy"
    WARMUP = "warmup", "Warming up"
    LIMITED = "limited", "Limited"
    COOLING_DOWN = "cooling_down", "Cooling down"
    SUSPENDED = "suspended", "Suspended"
    DISABLED = "disabled", "Disabled"


class EngineAction(models.TextChoices):
    """What the engine last did to a number (shown with its reason)."""

    STARTED = "started", "Started"
    ADVANCED = "advanced", "Advanced"
    HELD = "held", "Held"
    PAUSED = "paused", "Paused"
    RESUMED = "resumed", "Resumed"
    PROMOTED = "promoted", "Ready"
    BLOCKED = "blocked", "Blocked"
