"""Production: fail fast on missing secrets, secure cookies and HSTS."""

from .base import *  # noqa: F403
from .environment import env_bool, env_int, env_list, env_required

SECRET_KEY = env_required("SECRET_KEY")
env_required("DATABASE_URL")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Load balancers and orchestrators probe each instance over plain HTTP; a redirect
# to HTTPS would fail the probe. Patterns match the path without its leading slash.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60)
SECURE_CONTENT_TYPE_NOSNIFF = True
