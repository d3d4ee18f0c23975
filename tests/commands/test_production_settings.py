"""config.settings.production, as gunicorn and manage.py load it in a deployment.

Each case starts a fresh Python (settings are read once per process) with the
documented production environment, then changes one variable.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
YEAR = 365 * 24 * 60 * 60
# Variables of the deployment that must not leak in from the shell running the tests.
OURS = (
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "REDIS_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_AGE",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_LOCKOUT_MINUTES",
)


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    """The README's production environment: a long random key, a database, the host."""
    env = {key: value for key, value in os.environ.items() if key not in OURS}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOWED_HOSTS="inventory.example.com",
    )
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def loaded_settings(env: dict[str, str]) -> dict:
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_AGE",
        "SESSION_SAVE_EVERY_REQUEST",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = run(env, "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_prints_no_warning(production_env):
    result = run(production_env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_hsts_for_a_year_secure_cookies_and_no_trusted_proxy_header_by_default(
    production_env,
):
    loaded = loaded_settings(production_env)

    assert loaded["SECURE_HSTS_SECONDS"] == YEAR
    assert loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True
    # No proxy configured: a client's own X-Forwarded-Proto must not make HTTP look secure.
    assert loaded["SECURE_PROXY_SSL_HEADER"] is None


@pytest.mark.parametrize("header", ["X-Forwarded-Proto", "HTTP_X_FORWARDED_PROTO"])
def test_the_proxy_ssl_header_is_trusted_when_configured(production_env, header):
    loaded = loaded_settings({**production_env, "SECURE_PROXY_SSL_HEADER": header})

    assert loaded["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_staff_sessions_end_after_a_working_day_idle_or_as_configured(production_env):
    default = loaded_settings(production_env)
    configured = loaded_settings({**production_env, "SESSION_COOKIE_AGE": "3600"})

    assert default["SESSION_COOKIE_AGE"] == 8 * 60 * 60
    assert default["SESSION_SAVE_EVERY_REQUEST"] is True  # each request renews it
    assert configured["SESSION_COOKIE_AGE"] == 3600


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"DEBUG": "1"}, "DEBUG"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-but-secret"}, "SECRET_KEY"),
        ({"SECRET_KEY": "local-development-only-not-a-secret"}, "SECRET_KEY"),
        ({"SECRET_KEY": "test-only-not-a-secret"}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, "SECRET_KEY"),
        ({"SECRET_KEY": "ab" * 40}, "SECRET_KEY"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
)
def test_refuses_to_start(production_env, change, message):
    env = {key: value for key, value in {**production_env, **change}.items() if value is not None}

    result = run(env, "manage.py", "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr.splitlines()[-1]
