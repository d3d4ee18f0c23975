"""Local development: the default of manage.py."""

import os

from .base import *  # noqa: F403
from .environment import LOCAL_SECRET_KEY

SECRET_KEY = os.environ.get("SECRET_KEY", LOCAL_SECRET_KEY)
