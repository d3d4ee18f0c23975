import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as CheckTimeout

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from core.markdown_text import markdown_html
from core.problems import PROBLEM_TYPES, problem_body, problem_content_type
from core.throttling import CACHE_FAILURES

logger = logging.getLogger(__name__)


def problem_type_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Documentation for a problem `type` URI, so the URIs in error bodies resolve."""
    if slug not in PROBLEM_TYPES:
        raise Http404
    title, description = PROBLEM_TYPES[slug]
    return render(
        request,
        "problem_type.html",
        {
            "slug": slug,
            "title": title,
            "description": markdown_html(description),
            "types": PROBLEM_TYPES,
        },
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the pages link: send them to the SVG (its
    hashed static URL is only known once the app runs, hence a view, not a URL string)."""
    return redirect(static("favicon.svg"), permanent=True)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: 200 whenever this process can answer a request. No auth, no dependency.

    It touches neither the database nor the cache on purpose: a liveness probe that
    failed with them would have every healthy web process restarted during their
    outage, which cures nothing. Whether the dependencies answer is /readyz's question.
    """
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    # Runs in a worker thread, so on a connection of its own (Django's are per
    # thread): it proves a new connection can be made, and is closed afterwards.
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()


def _check_cache() -> None:
    # A read of a key nobody writes: it proves the cache answers (connection, auth,
    # its table) without taking a write lock (the database cache on SQLite would queue
    # behind any writer) or leaving keys behind. A cache that reads but refuses writes
    # shows instead in rateLimitCacheFailures.
    try:
        cache.get("readyz:probe")
    finally:
        connections.close_all()  # the database cache's connection in this thread


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "cache": _check_cache,
}
# One worker thread per dependency: checks of the two run at once, and a check that
# hangs holds up only the next checks of the same dependency (reported down in turn).
_CHECK_THREADS = {
    name: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"readyz-{name}")
    for name in READINESS_CHECKS
}


def _run_checks(timeout: float) -> dict[str, str]:
    """Each dependency's "ok" or "down", all within `timeout` seconds together."""
    deadline = time.monotonic() + timeout
    running = {name: _CHECK_THREADS[name].submit(check) for name, check in READINESS_CHECKS.items()}
    results: dict[str, str] = {}
    for name, future in running.items():
        try:
            future.result(timeout=max(0.0, deadline - time.monotonic()))
        except CheckTimeout:
            future.cancel()  # if still queued behind a hung check; a running one finishes alone
            logger.warning("Not ready: %s did not answer within %.2f s", name, timeout)
            results[name] = "down"
        except Exception as error:  # whatever a check raises means "down"; the log says what
            logger.warning("Not ready: %s failed (%s: %s)", name, type(error).__name__, error)
            results[name] = "down"
        else:
            results[name] = "ok"
    return results


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when the database and the cache answer, 503 naming those that do not.

    No auth, not rate limited. Each check has READINESS_TIMEOUT_SECONDS, so a hung
    dependency makes a prompt 503, not a probe that times out. The body also shows how
    many requests this process let through unthrottled because the cache failed.
    """
    checks = _run_checks(settings.READINESS_TIMEOUT_SECONDS)
    failures = CACHE_FAILURES.count
    down = [name for name, status in checks.items() if status != "ok"]
    if not down:
        return JsonResponse({"status": "ok", "checks": checks, "rateLimitCacheFailures": failures})
    body = problem_body(
        status=503,
        detail=f"Not ready: {' and '.join(down)} {'is' if len(down) == 1 else 'are'} down.",
        instance=request.get_full_path(),
        checks=checks,
        rateLimitCacheFailures=failures,
    )
    return JsonResponse(body, status=503, content_type=problem_content_type(request))
