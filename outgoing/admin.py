"""The admin of the outgoing-number selection: each conversation's number, pin and history,
and each lead's number. Read-only but for unpinning, which goes through the service (an
event names the person)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone

from core.paginator import CountAheadAdminMixin
from outgoing.candidates import CHANNELS
from outgoing.models import Conversation, ConversationEvent, LeadSender
from outgoing.services import Ask, override_clear
from phonenumbers_app.admin.changelists import IndexedSortChangeList
from phonenumbers_app.admin.records import ReadOnlyAdminMixin
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.selectors import back_office_search


class ConversationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ConversationEvent
    fields = ["created_at", "type", "number", "previous_number", "reason", "actor_name"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0
    verbose_name_plural = "History"


def _numbers_or_conversations(term: str) -> Q:
    """A conversation's or lead's id exactly, or a number in the numbers' own search."""
    numbers = PhoneNumber.objects.filter(back_office_search(term)).values("pk")
    return (
        Q(conversation_id=term)
        | Q(lead_id=term)
        | Q(phone_number__in=numbers)
        | Q(override__in=numbers)
    )


@admin.register(Conversation)
class ConversationAdmin(CountAheadAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "conversation_id",
        "business",
        "lead_id",
        "phone_number",
        "override",
        "updated_at",
    ]
    list_select_related = ["business", "phone_number", "override"]
    fields = [
        "conversation_id",
        "business",
        "lead_id",
        "phone_number",
        "override",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [ConversationEventInline]
    search_fields = ["conversation_id"]
    search_help_text = "A conversation's or lead's id (exactly), or a number its sender or pin."
    ordering = ["-id"]  # newest first off the primary key
    sortable_by: list[str] = []
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    actions = ["unpin"]

    def get_changelist(self, request, **kwargs):
        return IndexedSortChangeList

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(_numbers_or_conversations(term)), False

    def has_unpin_permission(self, request) -> bool:
        # Unpinning changes the conversation (through the service): the change permission.
        return request.user.has_perm("outgoing.change_conversation")

    @admin.action(
        description="Unpin the sender of the selected conversations", permissions=["unpin"]
    )
    def unpin(self, request, queryset) -> None:
        pinned = queryset.filter(override__isnull=False).select_related("business")
        done = 0
        for conversation in pinned:
            ask = Ask(
                business=conversation.business,
                channel=CHANNELS["sms"],
                conversation_id=conversation.conversation_id,
            )
            override_clear(ask=ask, acting_user=request.user, now=timezone.now())
            done += 1
        self.message_user(request, f"Unpinned: {done} conversation(s).", messages.SUCCESS)


@admin.register(LeadSender)
class LeadSenderAdmin(CountAheadAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["lead_id", "business", "phone_number", "updated_at"]
    list_select_related = ["business", "phone_number"]
    search_fields = ["lead_id"]
    search_help_text = "A lead's id (exactly)."
    ordering = ["-id"]
    sortable_by: list[str] = []
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return IndexedSortChangeList

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(lead_id=term), False) if term else (queryset, False)
