from core.urls import ApiRouter, with_and_without_slash
from phonenumbers_app.api.views import PhoneNumberStatusView, PhoneNumberViewSet

app_name = "phonenumbers_api"

router = ApiRouter()
router.register("phone-numbers", PhoneNumberViewSet, basename="phone-number")
urlpatterns = [
    *router.urls,
    # By number, not id: the router's detail routes take a UUID, so these never overlap.
    *with_and_without_slash(
        "phone-numbers/<str:phoneNumber>/status", PhoneNumberStatusView.as_view(), name="status"
    ),
]
