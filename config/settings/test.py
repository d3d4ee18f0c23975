"""Test settings: the database comes from DATABASE_URL like everywhere else."""

import os

from config import logs

from .base import *  # noqa: F403
from .environment import SIMULATED_PROVIDER_DEVELOPMENT_KEY, TEST_SECRET_KEY

SECRET_KEY = TEST_SECRET_KEY
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests read static files through finders; no collectstatic step, so no WhiteNoise
# (it would warn that STATIC_ROOT does not exist yet).
MIDDLEWARE = [item for item in MIDDLEWARE if not item.startswith("whitenoise.")]  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Off by default: a bound set per request adds a statement to every query count. The
# tests of the bound turn it on (tests/api/test_statement_timeout.py).
DATABASE_STATEMENT_TIMEOUT_MS = 0
# Background work: nothing runs eagerly. A test calls a task's function itself, or sends
# the task to a real worker (tests/celery_worker.py, which names its broker). Messages a
# test sends otherwise stay in this process's memory: never in var/celery/, where the
# worker of a developer's `dev.py run` would run them against the development database.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
# A test's worker (tests/celery_worker.py) listens on a queue of its own; tasks its tasks
# send (warmup.tick's chunks) must go there too, not to the default queue no one reads.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TEST_QUEUE", "celery")
# The simulated provider: a fixed key, no delay, no random failures (a test that wants
# failures sets the rate itself).
SIMULATED_PROVIDER = True
SIMULATED_PROVIDER_SIGNING_KEY = SIMULATED_PROVIDER_DEVELOPMENT_KEY
SIMULATED_PROVIDER_DELAY_SECONDS = 0.0
SIMULATED_PROVIDER_FAILURE_RATE = 0.0
# Tests' receivers listen on 127.0.0.1 (tests/webhooks); production refuses such targets.
WEBHOOK_ALLOW_LOCAL_TARGETS = True

# As in development: readable lines where a test shows its output. The whole run's records
# are also written as production's JSON and searched for secrets (tests/log_secrets.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "console").strip().lower()
LOGGING = logs.logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)  # noqa: F405
