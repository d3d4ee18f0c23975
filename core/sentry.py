"""Error reporting to Sentry (the official SDK), on when SENTRY_DSN is set.

The settings of local development and of production call init_sentry() (config/settings/
local.py, production.py); the test settings never do, so a test run reports nothing unless
a test turns it on itself. Web requests (DjangoIntegration) and Celery tasks
(CeleryIntegration) report their unhandled exceptions, and ERROR log lines become events.

What leaves the process is kept to what a developer needs to find the bug: the traceback
without local variables, the request's method, path and header names, the request id (to
find the request's log lines, which hold the rest) and the caller's user id. Never the
request body, cookies, the Authorization header, an API key, a webhook secret, provider
credentials, nor a lead's phone number (numbers are masked wherever they occur in text).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from config.logs import redact_text

FILTERED = "[Filtered]"

# Keys whose values are replaced wherever the scrubber meets them (headers, cookies, extra,
# breadcrumbs' data, nested too): Sentry's own list plus the names our secrets go by.
OUR_DENYLIST = [
    "api-key",
    "x-api-key",
    "key",
    "raw_key",
    "plaintext",
    "secret_key",
    "webhook_secret",
    "signing_secret",
    "previous_secret",
    "whsec",
    "signing_key",
    "auth_token",
    "access_token",
    "refresh_token",
    "password1",
    "password2",
    "old_password",
    "new_password",
    "new_password1",
    "new_password2",
    "webhook-signature",
    "x-twilio-signature",
    "telnyx-signature-ed25519",
    "telnyx_api_key",
    "twilio_auth_token",
    "simulated_provider_signing_key",
    "database_url",
    "redis_url",
    "celery_broker_url",
    "sentry_dsn",
    "dsn",
]

# The structured logs' one line per request and per task (django-structlog) is at ERROR
# for a 5xx or a failed task: as an event it would repeat the exception's own event, with
# the client's address in its text. Neither an event nor a breadcrumb, then.
REQUEST_AND_TASK_LINE_LOGGERS = (
    "django_structlog.middlewares.request",
    "django_structlog.celery.receivers",
    "django_structlog.tasks.receivers",
)

# A phone number in E.164 (also URL-encoded, `%2B...`): a lead's is personal data.
_PHONE_NUMBER = re.compile(r"(?:\+|%2[Bb])[1-9]\d{6,14}(?!\d)")


def mask_text(text: str) -> str:
    """`text` with the secret shapes the logs redact (API keys, bearer credentials, webhook
    secrets: config/logs.py, one definition for both) and E.164 numbers masked. The
    request id finds the full story in our own logs."""
    return _PHONE_NUMBER.sub("[phone number]", redact_text(text, FILTERED))


def _mask_strings(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: _mask_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_strings(item) for item in value]
    return value


def _query_names_only(query_string: str) -> str:
    # Filters of a list page carry numbers, and a receiver's URL may carry a token: the
    # names say what was asked, the values are left out.
    names = [name for name, _ in parse_qsl(query_string, keep_blank_values=True)]
    return urlencode([(name, FILTERED) for name in names], safe="[]")


def _request_context() -> dict[str, Any]:
    """What the structured logs bound for the request or task being served (its id, the
    caller's user id)."""
    from structlog.contextvars import get_contextvars

    return get_contextvars()


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """The last look at every event before it is sent (after Sentry's own scrubbing):
    the request id as a tag, the user as an id, no body, cookies or query values, and
    secrets and numbers masked in every text."""
    context = _request_context()
    request_id = context.get("request_id")
    if request_id:
        event.setdefault("tags", {})["request_id"] = str(request_id)
    user_id = context.get("user_id") or (event.get("user") or {}).get("id")
    # Who was affected, as an id only: no e-mail, name or address.
    if user_id:
        event["user"] = {"id": str(user_id)}
    else:
        event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
        if isinstance(request.get("query_string"), str):
            request["query_string"] = _query_names_only(request["query_string"])
    return _mask_strings(event)


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Breadcrumbs (log lines, HTTP calls made) go out with the event: masked the same way."""
    data = crumb.get("data")
    if isinstance(data, dict):
        # The SDK keeps a called URL's query names with values filtered; a fragment may
        # hold anything.
        data.pop("http.fragment", None)
    return _mask_strings(crumb)


def init_sentry(
    dsn: str,
    *,
    environment: str,
    release: str | None = None,
    traces_sample_rate: float = 0.0,
    **options: Any,
) -> bool:
    """Turn error reporting on when `dsn` is set; True if it was. `options` reach
    sentry_sdk.init unchanged (tests shorten the shutdown wait)."""
    if not dsn:
        return False
    # Imported here: every process loads the settings, and without a DSN the SDK (a few
    # tenths of a second to import) is not needed.
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import ignore_logger
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    for logger_name in REQUEST_AND_TASK_LINE_LOGGERS:
        ignore_logger(logger_name)

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        # 0 is "no tracing at all" (None to the SDK), not "trace, then drop every trace":
        # the latter still builds a transaction and spans for every request and query.
        traces_sample_rate=traces_sample_rate or None,
        # send_default_pii is left unset, which the SDK reads as False: no user details,
        # client IP, cookies nor headers that carry credentials. (2.75 deprecates setting
        # it; its successor, data_collection, would switch the EventScrubber below off.)
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # A request body holds leads' numbers and, on some routes, secrets.
        max_request_body_size="never",
        # Local variables hold decrypted keys, bodies and numbers under names no denylist
        # can foresee; the traceback and the request id's log lines suffice.
        include_local_variables=False,
        event_scrubber=EventScrubber(denylist=[*DEFAULT_DENYLIST, *OUR_DENYLIST], recursive=True),
        before_send=before_send,
        # Performance traces (SENTRY_TRACES_SAMPLE_RATE) carry the request too.
        before_send_transaction=before_send,
        before_breadcrumb=before_breadcrumb,
        **options,
    )
    return True
