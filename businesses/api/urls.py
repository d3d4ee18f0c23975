from businesses.api.views import BusinessViewSet
from core.urls import ApiRouter

app_name = "businesses_api"

router = ApiRouter()
router.register("businesses", BusinessViewSet, basename="business")
urlpatterns = router.urls
