from core.urls import with_and_without_slash
from outgoing.api.views import (
    ConversationOverrideView,
    ManualOverrideView,
    OutgoingForConversationView,
    OutgoingForNewView,
)

app_name = "outgoing_api"

PREFIX = "phone-numbers/outgoing"
urlpatterns = [
    *with_and_without_slash(f"{PREFIX}/new", OutgoingForNewView.as_view(), name="new"),
    *with_and_without_slash(
        f"{PREFIX}/manual-override", ManualOverrideView.as_view(), name="manual-override"
    ),
    *with_and_without_slash(
        f"{PREFIX}/conversation/<str:conversationId>",
        OutgoingForConversationView.as_view(),
        name="conversation",
    ),
    *with_and_without_slash(
        f"{PREFIX}/conversation/<str:conversationId>/override",
        ConversationOverrideView.as_view(),
        name="conversation-override",
    ),
]
