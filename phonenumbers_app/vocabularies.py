"""The contract's vocabularies, spelled exactly as the seed spells them.

Labels repeat the values on purpose: Django would otherwise derive labels from the
member names ("Ready For Sms") and show those in filters and forms.
"""

from django.db import models


class InventoryState(models.TextChoices):
    AVAILABLE = "Available", "Available"
    ASSIGNED = "Assigned", "Assigned"
    PENDING_VERIFICATION = "Pending verification", "Pending verification"
    READY_FOR_SMS = "Ready for SMS", "Ready for SMS"
    READY_FOR_VOICE = "Ready for voice", "Ready for voice"
    RESTRICTED = "Restricted", "Restricted"
    SUSPENDED = "Suspended", "Suspended"
    FAILED = "Failed", "Failed"
    RELEASED = "Released", "Released"
    WARMUP_ONLY = "Warmup-only", "Warmup-only"
    INTERNAL_TEST_ONLY = "Internal/test-only", "Internal/test-only"


class PhoneNumberStatus(models.TextChoices):
    UNREGISTERED = "Unregistered", "Unregistered"
    PROVISIONING = "Provisioning", "Provisioning"
    FAILED_PROVISIONING = "FailedProvisioning", "FailedProvisioning"
    ACTIVE = "Active", "Active"
    EXPIRED = "Expired", "Expired"
    SUSPENDED = "Suspended", "Suspended"


class WarmupHealthState(models.TextChoices):
    """Used by both `warmupState` and `healthStatus`, as in the contract."""

    NOT_STARTED = "Not Started", "Not Started"
    WARMING = "Warming", "Warming"
    HEALTHY = "Healthy", "Healthy"
    NEEDS_ATTENTION = "Needs Attention", "Needs Attention"
    PAUSED = "Paused", "Paused"
    BLOCKED = "Blocked", "Blocked"
    READY = "Ready", "Ready"


class EventType(models.TextChoices):
    CREATED = "created", "Created"
    ASSIGNED = "assigned", "Assigned to a business"
    UNASSIGNED = "unassigned", "Left a business"
    IMPORTED = "imported", "Imported"
    UPDATED = "updated", "Updated"
    STATE_CHANGED = "state_changed", "State changed"
    WARMUP_PAUSED = "warmup_paused", "Warmup paused"
    WARMUP_RESUMED = "warmup_resumed", "Warmup resumed"
    # Written by the warmup engine (actor "System").
    WARMUP_STARTED = "warmup_started", "Warmup started"
    WARMUP_ADVANCED = "warmup_advanced", "Warmup advanced"
    WARMUP_HELD = "warmup_held", "Warmup held"
    WARMUP_READY = "warmup_ready", "Warmup completed"
    WARMUP_BLOCKED = "warmup_blocked", "Warmup blocked"
    HEALTH_CHANGED = "health_changed", "Health changed"
    RELEASED = "released", "Released"


class TenDlcCampaignStatus(models.TextChoices):
    """A2P 10DLC campaign registration statuses as providers report them.

    The column stays free text (a provider may add a status before we know it);
    these are the values the admin and pages offer as filters.
    """

    NOT_SUBMITTED = "NotSubmitted", "NotSubmitted"
    PENDING = "Pending", "Pending"
    APPROVED = "Approved", "Approved"
    REJECTED = "Rejected", "Rejected"
    FAILED = "Failed", "Failed"


# Telecom providers the inventory comes from; fixed so that filters need no DISTINCT scan.
PROVIDERS = ("telnyx", "twilio", "bandwidth", "vonage", "simulated")
