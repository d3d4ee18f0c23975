"""Which settings a process runs when DJANGO_SETTINGS_MODULE is not set: production's for
every door of a deployment (the WSGI application, gunicorn's config, the Celery app),
the development ones only for manage.py.

The `config` package loads the Celery app first whenever any of it is imported
(config.wsgi included), so the Celery app's default is everyone's: with a development
default there, a web server not told otherwise ran on the development settings.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from tests.subprocesses import PROJECT_ROOT

READ_SETTINGS_MODULE = "from django.conf import settings; print(settings.SETTINGS_MODULE)"


def settings_module_of(*command: str) -> str:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    # What production requires, so that its settings load.
    env.update(SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="localhost")
    env.setdefault("DATABASE_URL", "sqlite:///unused.sqlite3")
    result = subprocess.run(
        [sys.executable, *command],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "prelude",
    [
        "import config.wsgi",
        "import runpy; runpy.run_path('gunicorn.conf.py'); import config.wsgi",
        "from config import celery_app; import django; django.setup()",
    ],
    ids=["wsgi application", "gunicorn config", "celery app"],
)
def test_a_deployments_processes_run_the_production_settings_unless_told(prelude):
    assert settings_module_of("-c", f"{prelude}; {READ_SETTINGS_MODULE}") == (
        "config.settings.production"
    )


def test_manage_py_runs_the_development_settings_unless_told():
    assert settings_module_of("manage.py", "shell", "-c", READ_SETTINGS_MODULE) == (
        "config.settings.local"
    )
