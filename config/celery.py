"""The Celery app: background work (worker and beat) configured from Django's settings.

`celery -A config worker` and `celery -A config beat` load this module through
config/__init__.py. Every setting is a CELERY_* one in config/settings/base.py
(section "Background work"); tasks live in each app's tasks.py.
"""

import os
from pathlib import Path

from celery import Celery, signals
from django_structlog.celery.steps import DjangoStructLogInitStep

# Production's settings unless others are named, as for the web (config/wsgi.py,
# gunicorn.conf.py). This module runs first whenever anything of the `config` package is
# imported, config.wsgi included, so its default is theirs: a development default here
# would put a web server that was not told otherwise on the development settings.
# `python3 dev.py run` names the local settings for its worker and beat; manage.py
# defaults to them itself.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# One line per task (task_started, task_succeeded with its duration, task_failed), bound to
# the id of the request that sent it (django-structlog, DJANGO_STRUCTLOG_CELERY_ENABLED).
app.steps["worker"].add(DjangoStructLogInitStep)


@signals.setup_logging.connect
def _logging_from_settings(**kwargs: object) -> None:
    """Workers and beat log as the web processes do (LOGGING, LOG_FORMAT, LOG_LEVEL), not in
    Celery's own format: with a receiver of this signal Celery configures no logging."""
    from django.conf import settings

    from config.logs import apply

    apply(settings.LOGGING)


# Task metrics in every process that runs tasks; a worker's metrics port (CELERY_METRICS_PORT).
import core.metrics.celery  # noqa: E402, F401


@app.on_after_configure.connect
def _create_data_folders(sender: Celery, **kwargs: object) -> None:
    """The filesystem broker's folders and beat's schedule file's folder must exist
    before the first message is written or read; kombu does not create them."""
    from django.conf import settings

    folders = [Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent]
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if settings.CELERY_BROKER_URL.startswith("filesystem:"):
        folders += [Path(options[key]) for key in ("data_folder_in", "control_folder")]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
