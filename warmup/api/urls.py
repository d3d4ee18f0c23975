from core.urls import with_and_without_slash
from warmup.api.views import MessageOutcomesView

app_name = "warmup_api"

urlpatterns = [
    *with_and_without_slash(
        "message-outcomes", MessageOutcomesView.as_view(), name="message-outcomes"
    ),
]
