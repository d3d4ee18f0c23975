"""Small readers for settings that come from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

# The keys local and test settings use: public, so never acceptable in production.
LOCAL_SECRET_KEY = "local-development-only-not-a-secret"
TEST_SECRET_KEY = "test-only-not-a-secret"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of {sorted(_TRUE | _FALSE)}, not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None


def env_required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"The {name} environment variable is required in production.")
    return value


def env_secret_key(name: str) -> str:
    """A SECRET_KEY fit for production, or ImproperlyConfigured naming what is wrong.

    Django's own deploy check (security.W009) only warns; a weak key signs sessions
    and password-reset links, so production refuses to start with one: shorter than
    50 characters, fewer than 5 distinct ones, startproject's "django-insecure-"
    placeholder, or a key from this repository's local/test settings.
    """
    value = env_required(name)
    if value in (LOCAL_SECRET_KEY, TEST_SECRET_KEY) or value.startswith("django-insecure-"):
        raise ImproperlyConfigured(f"{name} is a development value; generate a new one.")
    if len(value) < 50 or len(set(value)) < 5:
        raise ImproperlyConfigured(
            f"{name} must be at least 50 characters with at least 5 distinct ones, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    return value


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER from the name of the header a trusted proxy sets.

    "X-Forwarded-Proto" (or Django's "HTTP_X_FORWARDED_PROTO") → that header saying
    "https" marks a request as secure. Unset → None: no header is trusted, because a
    client could send it itself when no proxy overwrites it.
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    header = raw.upper().replace("-", "_")
    if not header.startswith("HTTP_"):
        header = f"HTTP_{header}"
    return (header, "https")


# The simulated provider's Ed25519 signing key (base64 of a 32-byte seed) in development
# and tests. Public on purpose: it signs only simulated webhooks; production sets its own
# (SIMULATED_PROVIDER_SIGNING_KEY) or leaves the simulated provider off.
SIMULATED_PROVIDER_DEVELOPMENT_KEY = "c2ltdWxhdGVkLXByb3ZpZGVyLWRldmVsb3BtZW50LWs="
