"""Local development: the default of manage.py."""

import os

from .base import *  # noqa: F403

SECRET_KEY = os.environ.get("SECRET_KEY", "local-development-only-not-a-secret")
