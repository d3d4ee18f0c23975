"""Every Prometheus metric of the app, defined in this one module (names `inventory_*`).

The code that does a thing counts it here, at the one place it happens; /metrics
(core/metrics/views.py) and a Celery worker's own port (core/metrics/celery.py) expose them.

Plain prometheus_client objects, so this module imports nothing of Django: a process
started with PROMETHEUS_MULTIPROC_DIR (gunicorn's workers, Celery's prefork children)
writes its values to files there, and the process that serves them sums every file.
That variable must be set before prometheus_client is first imported (it picks its
storage then); the gunicorn config and the worker's environment do so.

No Gauge objects: a gauge in several processes needs a rule to combine them; the one
gauge-like figure (the delivery queue) is read from the database at scrape time
(core/metrics/collectors.py), so it is the same whichever process answers.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Seconds. Dense around the API's p99 target (250 ms), then coarse up to the statement
# timeout (5 s) and beyond, so both "is p99 under 250 ms" and "how slow is slow" read off.
REQUEST_SECONDS_BUCKETS = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
# Queries a request ran: a list page is a handful; dozens mean an N+1.
QUERY_COUNT_BUCKETS = (0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100)
# Background durations (tasks, engine passes): from a few milliseconds to the task time
# limit (10 min).
TASK_SECONDS_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
# Outbound webhook latency: receivers answer within the request timeout (10 s by default).
DELIVERY_SECONDS_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)
# Inbound webhook processing lag: a queued task takes well under a second; the sweep
# picks up a lost one after a minute or two.
LAG_SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600)

# --- HTTP (core/metrics/middleware.py) ---------------------------------------------
HTTP_REQUEST_SECONDS = Histogram(
    "inventory_http_request_duration_seconds",
    "Time to answer a request, by method, URL pattern and status.",
    ["method", "route", "status"],
    buckets=REQUEST_SECONDS_BUCKETS,
)
HTTP_REQUEST_DB_QUERIES = Histogram(
    "inventory_http_request_db_queries",
    "Database queries a request ran, by method and URL pattern.",
    ["method", "route"],
    buckets=QUERY_COUNT_BUCKETS,
)

# --- API machinery (core/throttling.py, core/idempotency.py) -------------------------
RATE_LIMIT_REFUSALS = Counter(
    "inventory_rate_limit_refusals",
    "API requests refused with 429 by the per-caller rate limit.",
)
RATE_LIMIT_CACHE_FAILURES = Counter(
    "inventory_rate_limit_cache_failures",
    "API requests let through unthrottled because the rate limit's cache failed (Redis "
    "down or hanging).",
)
IDEMPOTENT_REPLAYS = Counter(
    "inventory_idempotent_replays",
    "Writes answered with the stored response of an earlier request with the same Idempotency-Key.",
)

# --- Warmup engine (warmup/engine.py) ------------------------------------------------
WARMUP_RUNS = Counter(
    "inventory_warmup_engine_runs",
    "Warmup engine passes that ended, by result (succeeded, failed).",
    ["result"],
)
WARMUP_RUN_SECONDS = Histogram(
    "inventory_warmup_engine_run_duration_seconds",
    "Time from a warmup engine pass's start to its last chunk.",
    buckets=TASK_SECONDS_BUCKETS,
)
WARMUP_NUMBERS = Counter(
    "inventory_warmup_engine_numbers",
    "Numbers the warmup engine evaluated, and what it did to them (action: evaluated, "
    "changed, started, advanced, held, paused, resumed, promoted, blocked).",
    ["action"],
)

# --- Inbound provider webhooks (providers/webhooks/) --------------------------------
PROVIDER_WEBHOOKS = Counter(
    "inventory_provider_webhooks",
    "Provider webhooks received, by provider and result (accepted, duplicate, "
    "refused_signature, unreadable).",
    ["provider", "result"],
)
PROVIDER_WEBHOOK_LAG_SECONDS = Histogram(
    "inventory_provider_webhook_processing_lag_seconds",
    "Time from a provider webhook's arrival to the end of its processing.",
    ["provider"],
    buckets=LAG_SECONDS_BUCKETS,
)

# --- Outbound webhooks (webhooks/delivery.py; queue depth: collectors.py) ----------
WEBHOOK_ATTEMPTS = Counter(
    "inventory_webhook_delivery_attempts",
    "Outbound webhook delivery attempts, by result (success: a 2xx; failure: anything "
    "else, tried again later or given up).",
    ["result"],
)
WEBHOOK_GIVEN_UP = Counter(
    "inventory_webhook_deliveries_given_up",
    "Outbound webhook deliveries that failed their last attempt (no retry left).",
)
WEBHOOK_ATTEMPT_SECONDS = Histogram(
    "inventory_webhook_delivery_latency_seconds",
    "Time an outbound webhook attempt took, request sent to answer read.",
    ["result"],
    buckets=DELIVERY_SECONDS_BUCKETS,
)

# --- Imports (phonenumbers_app/imports/, import_phone_numbers) ----------------------
IMPORT_ROWS = Counter(
    "inventory_import_rows",
    "Rows of number imports, by result (created, updated, unchanged, skipped, refused, "
    "invalid). Dry runs are not counted.",
    ["result"],
)

# --- Celery tasks (core/metrics/celery.py) -------------------------------------------
CELERY_TASKS = Counter(
    "inventory_celery_tasks",
    "Celery task runs that ended, by task name and state (SUCCESS, FAILURE, RETRY, ...).",
    ["task", "state"],
)
CELERY_TASK_SECONDS = Histogram(
    "inventory_celery_task_duration_seconds",
    "Time a Celery task run took, by task name.",
    ["task"],
    buckets=TASK_SECONDS_BUCKETS,
)
