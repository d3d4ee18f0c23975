"""The outgoing-number selection's vocabularies, spelled as the published document spells them."""

from django.db import models


class SelectionChannel(models.TextChoices):
    """`OutgoingNumberSelectionRequest.channel`: MMS goes as SMS (they share capacity)."""

    SMS = "sms", "SMS"
    CALL = "call", "Call"


class SelectionReason(models.TextChoices):
    """`OutgoingNumberSelectionReason`, in the order the rules try them."""

    MANUAL_OVERRIDE = "ManualOverride", "Pinned to the conversation"
    STICKY_CONVERSATION = "StickyConversation", "The conversation's number"
    LEAD_ASSIGNED = "LeadAssigned", "The lead's number"
    CAMPAIGN_OR_SOURCE = "CampaignOrSource", "Routed to the campaign or source"
    PREFERRED = "Preferred", "A preferred number"
    LOCAL_AREA = "LocalArea", "Local to the recipient"
    HEALTHY_POOL = "HealthyPool", "Healthiest number with the most capacity left"
    FALLBACK_DEFAULT = "FallbackDefault", "The business's default number"


class ConversationEventType(models.TextChoices):
    OVERRIDE_SET = "override_set", "Sender pinned"
    OVERRIDE_CLEARED = "override_cleared", "Sender unpinned"
    SENDER_CHANGED = "sender_changed", "Sender changed"
