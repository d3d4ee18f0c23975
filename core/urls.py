from django.urls import URLPattern, path


def with_and_without_slash(route: str, view, name: str) -> list[URLPattern]:
    """Both `route` and `route/`, each answering directly (no redirect); reverse gives `route`."""
    return [path(route, view, name=name), path(f"{route}/", view)]
