"""What the outgoing-number selection remembers: each conversation's sender and override,
each lead's number, and (without Redis) the capacity units handed out and not yet reported.

Conversation and lead ids are the sending system's, and each business's own: another
business naming the same id has its own conversation. A row never makes a number
eligible by itself: the selection checks every remembered number against the business's
numbers and the sending rule each time (outgoing/candidates.py), so a number that left
the business is simply passed over.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from businesses.models import Business
from outgoing.vocabularies import ConversationEventType
from phonenumbers_app.models import PhoneNumber, not_null_index

ID_MAX = 255


class Conversation(models.Model):
    id = models.BigAutoField(primary_key=True)
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    conversation_id = models.CharField(max_length=ID_MAX, help_text="The sending system's id.")
    lead_id = models.CharField(max_length=ID_MAX, null=True, blank=True)
    # The number it last sent from: the next selection sticks to it while it may send.
    phone_number = models.ForeignKey(
        PhoneNumber, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The number a person pinned to it: tried before every other rule until unpinned.
    override = models.ForeignKey(
        PhoneNumber, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "conversation_id"], name="conversation_unique_per_business"
            )
        ]
        indexes = [
            # The admin's search by a conversation's or a lead's id, whatever the business.
            models.Index(fields=["conversation_id"], name="conversation_id_idx"),
            not_null_index("lead_id", "conversation_lead_idx"),
            # The foreign keys' SET NULL when a number row is deleted, and the admin's
            # search by a number.
            not_null_index("phone_number", "conversation_number_idx"),
            not_null_index("override", "conversation_override_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} of {self.business}"


class ConversationEvent(models.Model):
    """A conversation's history: who pinned or unpinned which number when, and when and
    why the selection moved it to another number. Append-only."""

    id = models.BigAutoField(primary_key=True)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32, choices=ConversationEventType.choices)
    # The number as it was written (the row may change owner or be released later).
    number = models.CharField(max_length=16, null=True, blank=True)
    phone_number = models.ForeignKey(
        PhoneNumber, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    previous_number = models.CharField(max_length=16, null=True, blank=True)
    reason = models.TextField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["conversation", "-created_at"], name="conversation_event_idx"),
            not_null_index("phone_number", "conversation_event_number_idx"),
            not_null_index("actor", "conversation_event_actor_idx"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.number}"


class LeadSender(models.Model):
    """The number a business's lead was last sent from: new conversations with the lead
    start on it while it may send."""

    id = models.BigAutoField(primary_key=True)
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    lead_id = models.CharField(max_length=ID_MAX)
    phone_number = models.ForeignKey(PhoneNumber, on_delete=models.CASCADE, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "lead_id"], name="lead_sender_unique")
        ]
        indexes = [
            models.Index(fields=["phone_number"], name="lead_sender_number_idx"),
            models.Index(fields=["lead_id"], name="lead_sender_lead_idx"),  # the admin's search
        ]

    def __str__(self) -> str:
        return f"Lead {self.lead_id} of {self.business} → {self.phone_number}"
