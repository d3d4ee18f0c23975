"""The contract's vocabularies, spelled exactly as the seed spells them."""

from django.db import models


class InventoryState(models.TextChoices):
    AVAILABLE = "Available"
    ASSIGNED = "Assigned"
    PENDING_VERIFICATION = "Pending verification"
    READY_FOR_SMS = "Ready for SMS"
    READY_FOR_VOICE = "Ready for voice"
    RESTRICTED = "Restricted"
    SUSPENDED = "Suspended"
    FAILED = "Failed"
    RELEASED = "Released"
    WARMUP_ONLY = "Warmup-only"
    INTERNAL_TEST_ONLY = "Internal/test-only"


class PhoneNumberStatus(models.TextChoices):
    UNREGISTERED = "Unregistered"
    PROVISIONING = "Provisioning"
    FAILED_PROVISIONING = "FailedProvisioning"
    ACTIVE = "Active"
    EXPIRED = "Expired"
    SUSPENDED = "Suspended"


class WarmupHealthState(models.TextChoices):
    """Used by both `warmupState` and `healthStatus`, as in the contract."""

    NOT_STARTED = "Not Started"
    WARMING = "Warming"
    HEALTHY = "Healthy"
    NEEDS_ATTENTION = "Needs Attention"
    PAUSED = "Paused"
    BLOCKED = "Blocked"
    READY = "Ready"


class EventType(models.TextChoices):
    CREATED = "created", "Created"
    ASSIGNED = "assigned", "Assigned to a business"
    IMPORTED = "imported", "Imported"
    UPDATED = "updated", "Updated"
    STATE_CHANGED = "state_changed", "State changed"
    WARMUP_PAUSED = "warmup_paused", "Warmup paused"
    WARMUP_RESUMED = "warmup_resumed", "Warmup resumed"
    RELEASED = "released", "Released"


class TenDlcCampaignStatus(models.TextChoices):
    """A2P 10DLC campaign registration statuses as providers report them.

    The column stays free text (a provider may add a status before we know it);
    these are the values the admin and pages offer as filters.
    """

    NOT_SUBMITTED = "NotSubmitted"
    PENDING = "Pending"
    APPROVED = "Approved"
    REJECTED = "Rejected"
    FAILED = "Failed"


# Telecom providers the inventory comes from; fixed so that filters need no DISTINCT scan.
PROVIDERS = ("telnyx", "twilio", "bandwidth", "vonage")
