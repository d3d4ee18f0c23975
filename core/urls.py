from django.urls import URLPattern, path
from rest_framework.routers import DynamicRoute, Route, SimpleRouter


def with_and_without_slash(route: str, view, name: str) -> list[URLPattern]:
    """Both `route` and `route/`, each answering directly (no redirect); reverse gives `route`."""
    return [path(route, view, name=name), path(f"{route}/", view)]


class ApiRouter(SimpleRouter):
    """Routes of the API's viewsets: paths without a trailing slash that answer with one
    too (no redirect), named `collection`, `detail` and each action's `url_name` (an
    app's urls give them their namespace)."""

    routes = [
        Route(
            url=r"^{prefix}$",
            mapping={"get": "list", "post": "create"},
            name="collection",
            detail=False,
            initkwargs={"suffix": "List"},
        ),
        DynamicRoute(url=r"^{prefix}/{url_path}$", name="{url_name}", detail=False, initkwargs={}),
        Route(
            url=r"^{prefix}/{lookup}$",
            mapping={
                "get": "retrieve",
                "put": "update",
                "patch": "partial_update",
                "delete": "destroy",
            },
            name="detail",
            detail=True,
            initkwargs={"suffix": "Instance"},
        ),
        DynamicRoute(
            url=r"^{prefix}/{lookup}/{url_path}$", name="{url_name}", detail=True, initkwargs={}
        ),
    ]

    def __init__(self) -> None:
        super().__init__(trailing_slash=False, use_regex_path=False)

    def get_urls(self) -> list[URLPattern]:
        urls = []
        for url in super().get_urls():
            urls += with_and_without_slash(str(url.pattern), url.callback, url.name)
        return urls
