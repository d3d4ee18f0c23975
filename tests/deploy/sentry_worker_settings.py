"""A test worker's settings with error reporting on (tests/deploy/test_sentry.py): the
test settings, plus what local and production settings do when SENTRY_DSN is set."""

import os

from config.settings.test import *  # noqa: F403
from core.sentry import init_sentry

init_sentry(os.environ["SENTRY_DSN"], environment="test", shutdown_timeout=5)
