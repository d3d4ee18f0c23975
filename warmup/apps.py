from django.apps import AppConfig


class WarmupConfig(AppConfig):
    name = "warmup"
    verbose_name = "Warmup and health"
    default_auto_field = "django.db.models.BigAutoField"
