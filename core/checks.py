"""System checks of the deployment's settings (`manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_log_format(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Production's log collectors read one JSON object a line; readable lines are for a
    developer's terminal (and split a traceback over many lines)."""
    if getattr(settings, "LOG_FORMAT", "json") == "json":
        return []
    return [
        Warning(
            f"LOG_FORMAT is {settings.LOG_FORMAT!r}: production logs should be JSON.",
            hint="Unset LOG_FORMAT (production's default is json) or set LOG_FORMAT=json.",
            id="logs.W001",
        )
    ]
