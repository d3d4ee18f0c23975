from core.urls import ApiRouter
from phonenumbers_app.api.views import PhoneNumberViewSet

app_name = "phonenumbers_api"

router = ApiRouter()
router.register("phone-numbers", PhoneNumberViewSet, basename="phone-number")
urlpatterns = router.urls
