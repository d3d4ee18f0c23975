"""Production: refuse unsafe settings at start; HTTPS only, secure cookies, HSTS.

`manage.py check --deploy` passes without a warning with the environment the README
documents (SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEBUG
from .environment import (
    env_bool,
    env_int,
    env_list,
    env_proxy_ssl_header,
    env_required,
    env_secret_key,
)

# DEBUG pages show settings, SQL and source to anyone who triggers an error.
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production: unset DEBUG or set it to 0.")
SECRET_KEY = env_secret_key("SECRET_KEY")
env_required("DATABASE_URL")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])

# Only a proxy that terminates TLS and overwrites the header may say a request was HTTPS;
# without one configured, a client could send X-Forwarded-Proto: https itself.
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Load balancers and orchestrators probe each instance over plain HTTP, and Prometheus
# scrapes each one so; a redirect to HTTPS would fail the probe or the scrape. Patterns
# match the path without its leading slash.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$", r"^metrics/?$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True

# Browsers keep to HTTPS for a year after a visit, on this host and its subdomains.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading binds the whole registrable domain into browsers for months and is only
# possible from the apex domain: the domain's owner opts in (SECURE_HSTS_PRELOAD=1).
# Off, Django's reminder that it is off (security.W021) is a decision, not a finding.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    *SILENCED_SYSTEM_CHECKS,  # noqa: F405
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]

# The simulated provider buys nothing: off unless asked for (a staging demo).
SIMULATED_PROVIDER = env_bool("SIMULATED_PROVIDER", False)
