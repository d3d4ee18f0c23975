"""Local development: the default of manage.py."""

import os

from config import logs
from core.sentry import init_sentry

from .base import *  # noqa: F403
from .base import SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_RELEASE, SENTRY_TRACES_SAMPLE_RATE
from .environment import LOCAL_SECRET_KEY, SIMULATED_PROVIDER_DEVELOPMENT_KEY

SECRET_KEY = os.environ.get("SECRET_KEY", LOCAL_SECRET_KEY)

# The simulated provider's signing key in development: fixed and public on purpose (it
# signs only the simulated provider's webhooks to this development server).
SIMULATED_PROVIDER_SIGNING_KEY = os.environ.get(
    "SIMULATED_PROVIDER_SIGNING_KEY", SIMULATED_PROVIDER_DEVELOPMENT_KEY
)

# A developer's receivers run on this machine (http://127.0.0.1:...).
WEBHOOK_ALLOW_LOCAL_TARGETS = True

# Readable lines in a developer's terminal (`dev.py run`); LOG_FORMAT=json shows production's.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "console").strip().lower()
LOGGING = logs.logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)  # noqa: F405

# Errors to Sentry when SENTRY_DSN is set (`dev.py run`'s server, worker and beat alike).
init_sentry(
    SENTRY_DSN,
    environment=SENTRY_ENVIRONMENT,
    release=SENTRY_RELEASE,
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
)
