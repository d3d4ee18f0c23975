from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "API infrastructure"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import (
            checks,  # noqa: F401  (the deployment's checks)
            openapi,  # noqa: F401  (registers the Bearer scheme with drf-spectacular)
            request_logs,  # noqa: F401  (the request line's fields)
        )
