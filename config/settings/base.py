"""Settings shared by every environment; values that differ come from the environment."""

import ipaddress
import logging
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config import logs

from .environment import env_bool, env_float, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# --- Core -------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Region used to read numbers written without a country code, e.g. "(415) 555-2671".
PHONE_NUMBER_DEFAULT_REGION = os.environ.get("PHONE_NUMBER_DEFAULT_REGION", "US").upper()

# --- Applications -----------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Index expressions with an operator class (models.py: OpClass) compile only with it.
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    # Task results and failures in the database and the admin (CELERY_RESULT_BACKEND).
    "django_celery_results",
    # One log line per request and per task, with the request id (config/logs.py).
    "django_structlog",
    "core",
    "accounts",
    "businesses",
    "phonenumbers_app",
    "warmup",
    "outgoing",
    "providers",
    "webhooks",
]

MIDDLEWARE = [
    # First: every response, a redirect or an error page included, carries X-Request-ID.
    "core.request_id.RequestIdMiddleware",
    # Next: its latency covers every other middleware, its query count all their queries.
    "core.metrics.middleware.RequestMetricsMiddleware",
    # The request's log line (django-structlog's) covers all the middleware below.
    "django_structlog.middlewares.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that queries (sessions, authentication): bounds all of a request's SQL.
    "core.db.timeouts.StatementTimeoutMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The admin's and /ops dates on US Eastern time (the API's stay UTC).
    "core.staff_time.StaffTimeZoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# DATABASE_URL selects the database; without it the app runs on an SQLite file
# in the project folder so that a fresh clone needs nothing but Python.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with timestamps parsed by psycopg's C code (see its docstring).
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"
# No web request may hold the database longer (PostgreSQL; core/db/timeouts.py): a
# statement that would is cancelled and the API answers 503. 0: no bound. Migrations,
# imports and management commands are never bounded.
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 5000)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two
        # writers queue up (for `timeout` seconds) instead of failing with
        # "database is locked" when a read transaction tries to upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # phone_number_internal_pool_idx INCLUDEs the business id for PostgreSQL's
    # index-only scan; SQLite builds the index without it, which is all it needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    SILENCED_SYSTEM_CHECKS = []

# --- Cache -------------------------------------------------------------------
# Shared by every web process (rate limits): the database by default, Redis when
# REDIS_URL is set. Never per-process memory.
# Redis gives up within a quarter of a second (connect and each reply), so a dead
# or hung Redis costs a request that much, not the OS's TCP timeouts; the rate
# limiter then lets the request through (core/throttling.py). Redis answers in
# well under a millisecond on the same network, so this never cuts a healthy one.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}
REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {
        "default": {
            # Django's DatabaseCache with an atomic incr (core/cache.py).
            "BACKEND": "core.cache.AtomicDatabaseCache",
            "LOCATION": "cache_entries",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# --- Background work (Celery: config/celery.py) -------------------------------
# A worker runs the tasks (`celery -A config worker`), one beat process sends the
# periodic ones on schedule (`celery -A config beat`). The broker carries the messages:
# CELERY_BROKER_URL (e.g. amqp://guest:guest@127.0.0.1:5672// for RabbitMQ), else
# REDIS_URL (production), else kombu's filesystem transport, a folder that every process
# of one machine shares, so that a fresh clone needs no server (`python3 dev.py run`;
# "localhost" only keeps kombu from warning that the URL names no host).
# CELERY_DATA_DIR holds that folder and beat's schedule file (git-ignored var/celery/).
CELERY_DATA_DIR = Path(os.environ.get("CELERY_DATA_DIR") or BASE_DIR / "var" / "celery")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://localhost/"
if CELERY_BROKER_URL.startswith("filesystem:"):
    # One folder in and out: producers write where the worker reads. The control folder
    # holds the fanout bindings that `celery inspect` and remote control go through.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "messages"),
        "data_folder_out": str(CELERY_DATA_DIR / "messages"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
    }
else:
    # Redis hands an unacknowledged message to another worker after this long, and with
    # late acknowledgement (below) a task is acknowledged when it ends: the timeout must
    # outlast the longest task (CELERY_TASK_TIME_LIMIT) and the longest retry countdown
    # (a waiting retry is an unacknowledged message too), or the task runs twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
# Workers and beat started before the broker wait for it instead of exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Acknowledge a task when it has run, not when it is received, and give it back to the
# broker when its worker dies: a worker killed mid-task (deploy, OOM) loses nothing and
# another worker runs it again, which is safe because tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# When the broker connection drops, the broker hands the running tasks' messages out again
# (they cannot be acknowledged any more): the worker cancels them rather than finish a
# second copy of each.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# A worker reserves one message at a time, so a long task does not hold others back
# that an idle worker could run.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task that runs longer is stopped (soft: an exception it can clean up after; hard:
# its process is killed). Enforced by the prefork pool, the production one.
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_TASK_TIME_LIMIT = 10 * 60
# JSON only: a pickled message from whoever can write to the broker would run code.
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# Results (return value, or the failure with its traceback) are rows of the database,
# listed for staff in the admin (Celery results > Task results). Extended: the task's
# name, arguments and worker are kept with it. Started: a running task shows as such.
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_TRACK_STARTED = True
# Beat runs celery.backend_cleanup daily (04:00 UTC), deleting results older than this.
CELERY_RESULT_EXPIRES = timedelta(days=7)
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "celerybeat-schedule")
# How often the warmup engine looks for work (warmup/tasks.py).
WARMUP_TICK_SECONDS = env_int("WARMUP_TICK_SECONDS", 300)
# Demo traffic: generated sends and answers for the demo numbers, so a developer's
# warmup dashboard moves. `python3 dev.py run` turns it on; never in production.
DEMO_TRAFFIC = env_bool("DEMO_TRAFFIC", False)
# How often a worker counts the /ops dashboard's charts ahead of its views.
DASHBOARD_REFRESH_SECONDS = env_int("DASHBOARD_REFRESH_SECONDS", 30)
CELERY_BEAT_SCHEDULE = {
    "warmup-tick": {
        "task": "warmup.tick",
        "schedule": timedelta(seconds=WARMUP_TICK_SECONDS),
        # A tick that waited past the next one is dropped (no pile-up after an outage):
        # the next tick does its work.
        "options": {"expires": WARMUP_TICK_SECONDS},
    },
    # The /ops dashboard's counts, taken ahead of the views (phonenumbers_app/tasks.py).
    "dashboard-counts": {
        "task": "phonenumbers.refresh_dashboard_counts",
        "schedule": timedelta(seconds=DASHBOARD_REFRESH_SECONDS),
        "options": {"expires": DASHBOARD_REFRESH_SECONDS},
    },
    "warmup-purge-outcomes": {
        "task": "warmup.purge_outcomes",
        "schedule": timedelta(hours=1),
        "options": {"expires": 60 * 60},
    },
}
if DEMO_TRAFFIC:
    CELERY_BEAT_SCHEDULE["warmup-demo-traffic"] = {
        "task": "warmup.demo_traffic",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 60},
    }

# --- Providers ----------------------------------------------------------------
# Telecom provider accounts (providers/accounts.py). An account exists when its
# credentials are in the environment; they are never stored in the database nor logged.
TELNYX_API_KEY = os.environ.get("TELNYX_API_KEY", "")
# The account's public key (base64, from the Mission Control portal): checks the Ed25519
# signature of Telnyx's webhooks.
TELNYX_PUBLIC_KEY = os.environ.get("TELNYX_PUBLIC_KEY", "")
TELNYX_MESSAGING_PROFILE_ID = os.environ.get("TELNYX_MESSAGING_PROFILE_ID", "")
TELNYX_CONNECTION_ID = os.environ.get("TELNYX_CONNECTION_ID", "")
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
# Signs Twilio's webhooks (X-Twilio-Signature) as well as authenticating our calls.
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
# The public URL Twilio posts to, when a proxy in front changes the host or scheme the
# app sees (Twilio signs the URL it called): e.g. https://inventory.example.com
TWILIO_WEBHOOK_BASE_URL = os.environ.get("TWILIO_WEBHOOK_BASE_URL", "")
# The simulated provider (providers/simulated.py): on by default outside production.
SIMULATED_PROVIDER = env_bool("SIMULATED_PROVIDER", True)
# Its Ed25519 signing key (base64 of the 32-byte seed). Development and tests use a fixed,
# public key (config/settings/local.py, test.py): the simulated provider buys nothing.
SIMULATED_PROVIDER_SIGNING_KEY = os.environ.get("SIMULATED_PROVIDER_SIGNING_KEY", "")
# Where it sends its webhooks: this app's own address.
SIMULATED_PROVIDER_WEBHOOK_URL = os.environ.get(
    "SIMULATED_PROVIDER_WEBHOOK_URL", "http://127.0.0.1:8000/webhooks/simulated"
)
# Seconds before it completes an order (sends order completed), and the share of
# numbers whose order fails (0 to 1), as a real provider's would now and then.
SIMULATED_PROVIDER_DELAY_SECONDS = float(os.environ.get("SIMULATED_PROVIDER_DELAY_SECONDS", "2"))
SIMULATED_PROVIDER_FAILURE_RATE = float(os.environ.get("SIMULATED_PROVIDER_FAILURE_RATE", "0.05"))
# The provider that answers POST /phone-numbers/search and is-available-for-purchase,
# and that orders use when they name none. Empty: the only configured one (or simulated).
DEFAULT_PROVIDER = os.environ.get("DEFAULT_PROVIDER", "")
# A webhook whose timestamp is further than this from our clock is refused (replays).
PROVIDER_WEBHOOK_TOLERANCE_SECONDS = env_int("PROVIDER_WEBHOOK_TOLERANCE_SECONDS", 300)
# How often each provider account's numbers are compared with the inventory.
RECONCILE_EVERY_SECONDS = env_int("RECONCILE_EVERY_SECONDS", 6 * 60 * 60)
# Releases the provider has not confirmed yet are asked again this often (providers/tasks.py).
PROVIDER_RELEASE_RETRY_SECONDS = env_int("PROVIDER_RELEASE_RETRY_SECONDS", 5 * 60)
CELERY_BEAT_SCHEDULE["provider-reconcile"] = {
    "task": "providers.reconcile_all",
    "schedule": timedelta(seconds=RECONCILE_EVERY_SECONDS),
    "options": {"expires": RECONCILE_EVERY_SECONDS},
}
# Inbound webhook events whose processing task was lost (providers/webhooks/tasks.py).
CELERY_BEAT_SCHEDULE["provider-webhook-sweep"] = {
    "task": "providers.sweep_events",
    "schedule": timedelta(seconds=60),
    "options": {"expires": 60},
}
CELERY_BEAT_SCHEDULE["provider-release-retry"] = {
    "task": "providers.retry_releases",
    "schedule": timedelta(seconds=PROVIDER_RELEASE_RETRY_SECONDS),
    "options": {"expires": PROVIDER_RELEASE_RETRY_SECONDS},
}
# Orders still waiting for their provider's webhook are asked about this often
# (providers.poll_orders; those waiting longer than a few minutes).
PROVIDER_ORDER_POLL_SECONDS = env_int("PROVIDER_ORDER_POLL_SECONDS", 2 * 60)
CELERY_BEAT_SCHEDULE["provider-order-poll"] = {
    "task": "providers.poll_orders",
    "schedule": timedelta(seconds=PROVIDER_ORDER_POLL_SECONDS),
    "options": {"expires": PROVIDER_ORDER_POLL_SECONDS},
}

# --- Outbound webhooks -------------------------------------------------------
# What integrations hear of changes (webhooks/). Only public https:// addresses may
# receive them, unless this allows http:// and loopback/private addresses (development
# and tests set it; never in production).
WEBHOOK_ALLOW_LOCAL_TARGETS = env_bool("WEBHOOK_ALLOW_LOCAL_TARGETS", False)
# Each request's whole time limit (connecting: 3 s at most).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# Deliveries a worker claims at once, and sends at once (threads per worker process).
WEBHOOK_DELIVERY_BATCH = env_int("WEBHOOK_DELIVERY_BATCH", 100)
WEBHOOK_DELIVERY_CONCURRENCY = env_int("WEBHOOK_DELIVERY_CONCURRENCY", 16)
# Deliveries a worker claimed are its own this long; should it die, they come due again
# and another worker sends them (same webhook-id). Well above the timeout.
WEBHOOK_LEASE_SECONDS = env_int("WEBHOOK_LEASE_SECONDS", 120)
# An endpoint is disabled once it has failed this many attempts in a row over at least
# this long (a message's retries last about three days).
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("WEBHOOK_DISABLE_AFTER_FAILURES", 10)
WEBHOOK_DISABLE_AFTER_SECONDS = env_int("WEBHOOK_DISABLE_AFTER_SECONDS", 3 * 24 * 60 * 60)
# Retries come due between sweeps: the sweep's period is their precision.
WEBHOOK_SWEEP_SECONDS = env_int("WEBHOOK_SWEEP_SECONDS", 5)
CELERY_BEAT_SCHEDULE["webhook-sweep"] = {
    "task": "webhooks.sweep",
    "schedule": timedelta(seconds=WEBHOOK_SWEEP_SECONDS),
    "options": {"expires": WEBHOOK_SWEEP_SECONDS},
}
# Messages whose deliveries are settled are kept this long (the endpoints' history in
# /ops and the API), then deleted with their deliveries and attempts.
WEBHOOK_RETENTION_DAYS = env_int("WEBHOOK_RETENTION_DAYS", 30)
CELERY_BEAT_SCHEDULE["webhook-purge"] = {
    "task": "webhooks.purge",
    "schedule": timedelta(hours=1),
    "options": {"expires": 60 * 60},
}

# --- Auth -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# /ops/ sends staff to the admin's login page, so that one page is the staff login.
LOGIN_URL = "admin:login"
# django-axes first: it refuses a locked-out username+address before any password is
# checked (it needs `request` passed to authenticate(), as Django's login views do).
# API keys never go through authenticate(), so the API is not affected.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute force on the staff login: after LOGIN_FAILURE_LIMIT failures for one username
# from one address, that pair is refused (even with the right password) for
# LOGIN_LOCKOUT_MINUTES. Per pair, so an attacker cannot lock a colleague out from
# elsewhere. Unlock: `manage.py axes_reset_username <username>` (or `axes_reset`), or
# delete the access attempt in the admin (Axes > Access attempts).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A successful login proves the password: earlier typos stop counting.
AXES_RESET_ON_SUCCESS = True
# The same client address the API's rate limit uses (NUM_PROXIES hops into X-Forwarded-For).
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Staff sessions end after a working day without a request (each request extends it).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True

# --- Metrics (Prometheus: core/metrics/) ---------------------------------------------
# /metrics answers clients whose address is in these networks (comma-separated CIDRs;
# behind proxies, the address NUM_PROXIES hops into X-Forwarded-For), or that send
# `Authorization: Bearer <METRICS_TOKEN>`; anyone else gets a 404.
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_error}") from None
# Empty: no token opens /metrics (only the networks above).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# A Celery worker serves its own metrics on this port (unset: none) and address. A
# prefork worker also needs PROMETHEUS_MULTIPROC_DIR, a directory of its own emptied
# before it starts (core/metrics/celery.py). Web processes under several gunicorn
# workers need one too (gunicorn.conf.py).
CELERY_METRICS_PORT = env_int("CELERY_METRICS_PORT", 0)
CELERY_METRICS_ADDR = os.environ.get("CELERY_METRICS_ADDR", "127.0.0.1")

# --- Content-Security-Policy (django-csp) --------------------------------------
# Every page loads script, style, images and fonts from this server only, with nothing
# inline: no page of ours, of the admin or of /docs (whose init script is a separate
# request) needs inline code, so an injected <script> or onerror= never runs.
# data: images: the admin's and Swagger UI's stylesheets draw their icons as data URLs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Internationalisation and time -------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The staff pages' date formats (config/formats/en): "2026-11-27 20:01 EST".
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files ------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- REST API ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.BearerAPIKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser", "core.parsers.StructuredJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.negotiation.ContentNegotiation",
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "core.problems.problem_exception_handler",
    "NON_FIELD_ERRORS_KEY": "body",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_SCHEMA_CLASS": "core.openapi.ApiAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.CallerRateThrottle"],
}

# How many proxies (load balancers) stand in front of the app and append to
# X-Forwarded-For: the client IP of anonymous callers is read that many hops from the
# right. 0: use the connection's address and ignore the header (it can be forged).
REST_FRAMEWORK["NUM_PROXIES"] = env_int("NUM_PROXIES", 0)

# Requests per caller (API key's user; client IP when unauthenticated), DRF rate syntax.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300/min")
# How long the first response to an Idempotency-Key is kept and replayed.
IDEMPOTENCY_KEY_TTL_SECONDS = env_int("IDEMPOTENCY_KEY_TTL_SECONDS", 24 * 60 * 60)
# Warmup: how long reported outcomes are kept to recognise a repeated (messageId, outcome);
# older reports are refused, since a repeat of them could no longer be recognised.
WARMUP_OUTCOME_RETENTION_DAYS = env_int("WARMUP_OUTCOME_RETENTION_DAYS", 7)
# Outgoing-number selection: how long a unit of capacity it hands out stays held when its
# send is not reported (POST /message-outcomes "sent"/"placed" releases it at once).
OUTGOING_RESERVATION_SECONDS = env_int("OUTGOING_RESERVATION_SECONDS", 60)
# /readyz answers within this long: a dependency that has not answered by then is down.
READINESS_TIMEOUT_SECONDS = 1.0

SPECTACULAR_SETTINGS = {
    "TITLE": "Phone-number inventory API",
    "DESCRIPTION": (
        "Phone numbers a business texts and calls from: ownership, provider, A2P 10DLC, "
        "billing, warmup and their audit trail. `POST /phone-numbers` follows the published "
        "Leadping contract. Errors are RFC 9457 problem details "
        "(`application/problem+json`). Writes accept an `Idempotency-Key` header.\n\n"
        "Webhooks: the events sent to `/webhook-endpoints`, their payloads and how to verify "
        "their signatures are published as an AsyncAPI 3 document, "
        "[/asyncapi.json](/asyncapi.json) (as a page: [/docs/events](/docs/events))."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["core.openapi.drop_trailing_slash_duplicates"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.add_response_headers_and_strict_bodies",
    ],
    "ENUM_NAME_OVERRIDES": {
        "InventoryStateEnum": "phonenumbers_app.vocabularies.InventoryState",
        "PhoneNumberStatusEnum": "phonenumbers_app.vocabularies.PhoneNumberStatus",
        "WarmupHealthStateEnum": "phonenumbers_app.vocabularies.WarmupHealthState",
        # The published document's readiness vocabularies (PhoneNumberReadiness, smsWarmup).
        "StateEnum": "phonenumbers_app.api.serializers.READINESS_STATES",
        "PhoneNumberReadinessHealthStatusEnum": (
            "phonenumbers_app.api.serializers.READINESS_HEALTH_STATES"
        ),
        "PhoneNumberOutboundHealthStatusEnum": "warmup.vocabularies.PacingStatus",
        "DirectionEnum": ["asc", "desc"],  # orderBy's
        "MessageDirectionEnum": "warmup.vocabularies.Direction",
        "MessageChannelEnum": "warmup.vocabularies.Channel",
        "MessageOutcomeEnum": "warmup.vocabularies.Outcome",
        "EngineActionEnum": "warmup.vocabularies.EngineAction",
        # The outgoing-number selection's (the published document's names).
        "OutgoingNumberChannelEnum": "outgoing.vocabularies.SelectionChannel",
        "OutgoingNumberSelectionReason": "outgoing.vocabularies.SelectionReason",
        # Outbound webhooks' (webhooks/api).
        "WebhookDeliveryStateEnum": "webhooks.models.WebhookDelivery.State",
        "WebhookEventTypeEnum": "webhooks.api.serializers.EVENT_TYPE_CHOICES",
    },
}

# --- Error reporting (Sentry: core/sentry.py) ----------------------------------
# Off without a DSN. Local and production settings turn it on (init_sentry), tests never.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
# production.py defaults it to "production".
SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "development")
# The deployed version (e.g. the git commit), so an error names the release it came with.
SENTRY_RELEASE = os.environ.get("SENTRY_RELEASE", "")
# Share of requests and tasks traced for Sentry's performance pages (0 to 1); 0: errors only.
SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0)

# --- Logging -----------------------------------------------------------------
# Every line, ours and every library's, through structlog (config/logs.py): LOG_FORMAT
# json (one object a line, production's default) or console (readable, local's default);
# LOG_LEVEL: the lowest level written. Requests and tasks each write one line
# (core/request_logs.py, django-structlog) carrying the request id.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").strip().lower()
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
LOGGING = logs.logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
LOGGING_CONFIG = "config.logs.apply"
logs.configure_structlog()
# X-Request-ID from a client or proxy is kept when it is sane (core/request_id.py
# replaces any other with a new one before django-structlog reads it).
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
# One line per request and per task at INFO (request_finished, task_succeeded); their
# start (and a task's sending) only at DEBUG.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG
DJANGO_STRUCTLOG_CELERY_TASK_START_LOG_LEVEL = logging.DEBUG
# The client address is bound by core/request_logs.py with core.client_ip (which honours
# NUM_PROXIES); django-structlog's own reading trusts any X-Forwarded-For.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
# The request id travels in the headers of the tasks a request sends; the worker binds it.
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# Celery's worker leaves the root logger alone (config/celery.py configures it from LOGGING).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
