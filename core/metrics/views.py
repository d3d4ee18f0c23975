"""/metrics: the Prometheus text exposition, for the monitoring system only.

Answered when the client's address is in METRICS_ALLOWED_NETWORKS or the request
carries `Authorization: Bearer <METRICS_TOKEN>`; to anyone else it is a 404, as a path
that does not exist (its existence is not advertised). Not rate limited, no session,
never cached, and plain HTTP is not redirected in production (SECURE_REDIRECT_EXEMPT):
Prometheus scrapes each instance directly.
"""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client.exposition import choose_encoder

from core.client_ip import client_ip
from core.metrics.collectors import SCRAPE_TIME_COLLECTORS
from core.metrics.exposition import registry

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def allowed_networks(networks: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(network, strict=False) for network in networks)
    except ValueError as error:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {error}") from None


def _address_allowed(request: HttpRequest) -> bool:
    # Without proxies configured (NUM_PROXIES=0) the connection's address is the client's;
    # a request that came through a proxy all the same (it carries X-Forwarded-For) would
    # show the proxy's address, often 127.0.0.1: such a request is not judged by address.
    # With proxies, the client's address is read from the header as the whole app reads it.
    if settings.REST_FRAMEWORK["NUM_PROXIES"] == 0 and "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    address = client_ip(request)
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # a dual-stack socket's view of an IPv4 client
    networks = allowed_networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    return any(ip in network for network in networks)


def _token_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return False
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_allowed(request: HttpRequest) -> bool:
    return _address_allowed(request) or _token_allowed(request)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD") or not metrics_allowed(request):
        raise Http404
    # The format Prometheus asks for (OpenMetrics or the classic text), as its own
    # exporter would answer.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(registry(SCRAPE_TIME_COLLECTORS)), content_type=content_type)
