"""What the request-metrics middleware costs a tenant's list request, and a scrape.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/bench_metrics.py [--rounds 20] [--per-round 25]

Runs GET /phone-numbers?pageSize=50 as a member of a business (API key) in-process,
through the whole stack, alternately with the middleware and without it (two clients,
each with its own middleware chain), so that the machine's drift falls on both alike;
then the middleware alone around a view that does nothing, and the time of a scrape.
Creates the business and its numbers on first use (--numbers, default 1,000).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("API_RATE_LIMIT", "1000000/min")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, RequestFactory, override_settings  # noqa: E402

from accounts.services import api_key_create  # noqa: E402
from core.metrics.middleware import RequestMetricsMiddleware  # noqa: E402
from tests.factories import (  # noqa: E402
    BusinessFactory,
    MembershipFactory,
    PhoneNumberFactory,
    UserFactory,
)

MIDDLEWARE = "core.metrics.middleware.RequestMetricsMiddleware"
BUSINESS = "Bench metrics business"


def tenant_key(numbers: int) -> str:
    from businesses.models import Business

    business = Business.objects.filter(name=BUSINESS).first()
    if business is None:
        business = BusinessFactory(name=BUSINESS)
        PhoneNumberFactory.create_batch(numbers, business=business)
    user = UserFactory(username="bench-metrics-tenant")
    if not business.memberships.filter(user=user).exists():
        MembershipFactory(user=user, business=business)
    return api_key_create(user=user, name="bench")[1]


def timed(client: Client, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get("/phone-numbers", {"pageSize": 50})
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:300]
    return times


def middleware_alone(count: int) -> float:
    """Microseconds the middleware adds around a view that does nothing."""
    request = RequestFactory().get("/phone-numbers")
    request.resolver_match = type("Match", (), {"route": "phone-numbers"})()
    empty = HttpResponse()
    bare = lambda request: empty  # noqa: E731
    wrapped = RequestMetricsMiddleware(bare)
    best = {}
    for name, call in (("bare", bare), ("wrapped", wrapped)):
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(count):
                call(request)
            runs.append((time.perf_counter() - start) / count * 1e6)
        best[name] = min(runs)
    return best["wrapped"] - best["bare"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=25)
    parser.add_argument("--numbers", type=int, default=1000)
    args = parser.parse_args()

    headers = {"HTTP_AUTHORIZATION": f"Bearer {tenant_key(args.numbers)}", "HTTP_HOST": "localhost"}
    with_metrics = Client(**headers)
    with_metrics.get("/healthz")  # builds its middleware chain with the metrics
    without = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    with override_settings(MIDDLEWARE=without):
        without_metrics = Client(**headers)
        without_metrics.get("/healthz")  # ... and this one without
    timed(with_metrics, 10), timed(without_metrics, 10)  # warm-up
    on, off = [], []
    for _ in range(args.rounds):
        on += timed(with_metrics, args.per_round)
        off += timed(without_metrics, args.per_round)

    scrape = Client(HTTP_HOST="localhost")
    scrapes = []
    for _ in range(50):
        start = time.perf_counter()
        response = scrape.get("/metrics")
        scrapes.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200

    def p(values: list[float], q: float) -> float:
        return sorted(values)[int(len(values) * q) - 1]

    print(
        f"database: {connection.vendor}; cores: {os.cpu_count()}; requests per side: {len(on)}; "
        f"GET /phone-numbers?pageSize=50 as a tenant"
    )
    print(f"{'':<22} {'median ms':>10} {'p90 ms':>8}")
    print(f"{'with metrics':<22} {statistics.median(on):>10.3f} {p(on, 0.9):>8.3f}")
    print(f"{'without metrics':<22} {statistics.median(off):>10.3f} {p(off, 0.9):>8.3f}")
    print(f"difference of medians: {statistics.median(on) - statistics.median(off):+.3f} ms")
    print(f"middleware alone (empty view): {middleware_alone(20_000):.1f} µs a request")
    print(
        f"a scrape of /metrics: median {statistics.median(scrapes):.2f} ms, "
        f"{len(response.content):,} bytes"
    )


if __name__ == "__main__":
    main()
