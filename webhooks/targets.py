"""Where webhooks may go: public HTTPS addresses only, unless local targets are allowed.

The check that counts is made when sending, after DNS resolution, on every address the
name resolves to, and the connection goes to the address that was checked (drawbridge
pins it, so a name cannot resolve to a public address for the check and a private one
for the connection). Redirects are not followed. Creating or changing an endpoint checks
the URL too, to tell the integrator at once.

WEBHOOK_ALLOW_LOCAL_TARGETS (development and tests) allows http:// and loopback,
private and link-local addresses.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import drawbridge
import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from drawbridge._validator import resolve_and_validate_sync

ALL_PORTS = frozenset(range(1, 65536))
CONNECT_TIMEOUT_SECONDS = 3.0
# Names that are never public, whatever a resolver says.
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")

HTTPS_ONLY = "Only https:// URLs can receive webhooks."
NOT_PUBLIC = "{host} is not a public address ({reason}); webhooks go to public addresses only."
NO_HOST = "The URL has no host."
NO_CREDENTIALS = (
    "Put no user name or password in the URL; verify our signature (webhook-signature) instead."
)


def local_targets_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_LOCAL_TARGETS", False))


@lru_cache(maxsize=4)
def _client(allow_local: bool, timeout: float) -> drawbridge.SyncClient:
    """One client per setting (thread-safe; it keeps no connections alive, so a
    connection is never reused for another name that resolved to the same address)."""
    return drawbridge.SyncClient(_policy(allow_local, timeout))


def client() -> drawbridge.SyncClient:
    """The HTTP client webhooks are sent with."""
    return _client(local_targets_allowed(), float(settings.WEBHOOK_TIMEOUT_SECONDS))


@lru_cache(maxsize=4)
def _policy(allow_local: bool, timeout: float) -> drawbridge.Policy:
    return drawbridge.Policy(
        allow_private=allow_local,
        allow_ports=ALL_PORTS,
        max_redirects=0,
        timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT_SECONDS, timeout)),
        user_agent="phone-inventory-webhooks/1",
        # What is kept of an answer is its first kilobyte (webhooks/delivery.py).
        max_response_bytes=None,
    )


def policy() -> drawbridge.Policy:
    return _policy(local_targets_allowed(), float(settings.WEBHOOK_TIMEOUT_SECONDS))


def url_check(url: str) -> str:
    """`url` as an endpoint may keep it; raises ValidationError saying what is wrong.

    A name that does not resolve now is accepted (its DNS may be on its way); sending
    checks again."""
    parts = urlsplit(url.strip())
    allow_local = local_targets_allowed()
    if parts.scheme not in ({"https", "http"} if allow_local else {"https"}):
        raise ValidationError(HTTPS_ONLY)
    host = parts.hostname
    if not host:
        raise ValidationError(NO_HOST)
    if parts.username or parts.password:
        raise ValidationError(NO_CREDENTIALS)
    if allow_local:
        return url.strip()
    # "localhost." is "localhost" (a fully qualified name), which a resolver without
    # that entry fails to find, so the name itself is what must be refused.
    name = host.rstrip(".")
    if name == "localhost" or name.endswith(LOCAL_SUFFIXES):
        raise ValidationError(NOT_PUBLIC.format(host=host, reason="a local name"))
    try:
        resolve_and_validate_sync(host, parts.port or 443, policy())
    except drawbridge.BlockedAddressError as error:
        raise ValidationError(
            NOT_PUBLIC.format(host=host, reason=f"{error.ip} is {error.reason}")
        ) from error
    except drawbridge.DrawbridgeDNSError:
        pass  # not resolvable now: sending resolves and checks again
    return url.strip()
