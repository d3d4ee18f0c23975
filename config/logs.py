"""Logging: one pipeline for structlog's lines and every stdlib `logging` record.

Both come out through structlog's ProcessorFormatter: as one JSON object a line
(LOG_FORMAT=json, production's default) or as readable lines (LOG_FORMAT=console, the
default of `dev.py run`). Every line carries the context bound with structlog.contextvars
(the request id of the request or task it belongs to) and passes through `redact`, so
no API key, password, webhook secret or provider credential is written, whoever logs it.

Imported by the settings modules: nothing here may import Django's models.
"""

from __future__ import annotations

import io
import logging
import logging.config
import re
import sys
from collections.abc import Mapping
from typing import Any, TextIO

import structlog

FORMATS = ("json", "console")
REDACTED = "[REDACTED]"

# Keys whose value is a secret whatever it looks like (matched anywhere in the key's name,
# case-insensitive): headers, settings and arguments a caller might bind or log.
SENSITIVE_KEY = re.compile(
    r"authorization|cookie|passw|secret|token|api_?key|dsn|credential|signature"
    r"|signing_?key|private_?key|sessionid|csrf",
    re.IGNORECASE,
)

# Secret shapes inside any string (a message, an exception's text, an SQL parameter),
# found in one pass:
# - any bearer credential in an Authorization-like text (first: it may be an API key);
# - our API keys (djangorestframework-api-key: an 8-character prefix, a dot, a 32-character
#   secret, both alphanumeric): the prefix is kept, it names the key and is no secret;
# - outbound webhook secrets (webhooks/secrets.py: whsec_ + base64).
SECRET_SHAPES = re.compile(
    r"(?P<bearer>\b(?i:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}"
    r"|\b(?P<api_key>[A-Za-z0-9]{8}\.)[A-Za-z0-9]{32}\b"
    r"|(?P<webhook>whsec_)[A-Za-z0-9+/=_-]{8,}"
)
# No shape is shorter ("Basic " or "whsec_" and 8 characters): shorter text is not searched.
_SHORTEST = 14


def redact_text(text: str, replacement: str = REDACTED) -> str:
    """`text` with every known secret shape replaced by `replacement` (what names a
    shape, a key's prefix or "whsec_", stays). The error reporter masks with it too."""
    if len(text) < _SHORTEST:
        return text
    return SECRET_SHAPES.sub(lambda match: f"{match.group(match.lastgroup)}{replacement}", text)


def _redact_value(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if depth > 4:  # a pathological structure is not worth walking further
        return value
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if isinstance(key, str) and SENSITIVE_KEY.search(key) and item
            else _redact_value(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact_value(item, depth + 1) for item in value]
    if isinstance(value, tuple):
        return tuple(_redact_value(item, depth + 1) for item in value)
    return value


def redact(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: sensitive keys' values and secret-shaped text replaced."""
    for key, value in list(event_dict.items()):
        # structlog's own (_record, _from_structlog), and an exception still to be rendered
        # (the console renderer's; JSON renders it as text first, redacted below).
        if key.startswith("_") or key == "exc_info":
            continue
        if SENSITIVE_KEY.search(key) and value:
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact_value(value)
    return event_dict


def _pre_chain() -> list[Any]:
    """What every line gets before it is rendered, stdlib records included."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def json_formatter() -> dict[str, Any]:
    """The production formatter (a logging.config entry): one JSON object a line."""
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": _pre_chain(),
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            structlog.processors.JSONRenderer(sort_keys=False),
        ],
    }


def _redacted_traceback(sio: TextIO, exc_info: Any) -> None:
    """structlog's plain traceback, with secret shapes in it (an exception's message)
    replaced, as the JSON format's are."""
    text = io.StringIO()
    structlog.dev.plain_traceback(text, exc_info)
    sio.write(redact_text(text.getvalue()))


def console_formatter() -> dict[str, Any]:
    """Readable lines for a developer; colours only on a terminal, plain tracebacks
    (rich's would print local variables, secrets among them)."""
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": _pre_chain(),
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            redact,
            structlog.dev.ConsoleRenderer(
                colors=sys.stderr.isatty(),
                exception_formatter=_redacted_traceback,
            ),
        ],
    }


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING for `log_format` (json | console) at `level` (the root's)."""
    if log_format not in FORMATS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {FORMATS}, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": json_formatter(), "console": console_formatter()},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # The twilio library logs every request it makes at INFO, leads' numbers included.
            "twilio.http_client": {"level": "WARNING"},
            # httpx logs every request at INFO: each outbound webhook, its URL included (a
            # receiver's token may be in it), and a fifth of a delivery's CPU time.
            "httpx": {"level": "WARNING"},
            # The request line (core/request_logs.py) says what django.request and
            # django.server would say again, without the query string; their errors
            # (tracebacks of 500s) still come through.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "ERROR"},
            # A task's one line is django-structlog's (task_succeeded, task_failed with its
            # traceback, task_retrying): Celery's "received" and "succeeded in …: <return
            # value>" would say it again, the return value (data) included.
            "celery.worker.strategy": {"level": "WARNING"},
            "celery.app.trace": {"level": "CRITICAL"},
        },
    }


def gunicorn_logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its own lines (workers booting, timing out, killed;
    the master shutting down) in the application's format, so a log collector that reads
    the web process's JSON lines gets no other kind. gunicorn merges it key by key into
    its defaults, so both of its handlers are named."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {FORMATS}, not {log_format!r}")
    stderr = {
        "class": "logging.StreamHandler",
        "formatter": log_format,
        "stream": "ext://sys.stderr",
    }
    return {
        "formatters": {"json": json_formatter(), "console": console_formatter()},
        "handlers": {"console": stderr, "error_console": stderr},
        "loggers": {
            # Not propagated: in a worker the root logger (Django's LOGGING) would write
            # each of them again.
            "gunicorn.error": {"level": level, "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }


def apply(config: dict[str, Any]) -> None:
    """Django's LOGGING_CONFIG (and the Celery worker's): `config` applied, and Python's
    warnings (a library's UserWarning) written as log lines when the format is JSON, so
    a collector reading production's stream meets nothing else. In the readable format
    they stay warnings, which the test runner collects."""
    logging.config.dictConfig(config)
    handler = config.get("handlers", {}).get("console", {})
    logging.captureWarnings(handler.get("formatter") == "json")


def configure_structlog() -> None:
    """structlog's loggers hand their lines to stdlib logging, whose handlers render them
    (so one LOGGING decides where and how everything is written)."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def production_json_formatter() -> logging.Formatter:
    """The JSON formatter as an object (tests write the whole run's records with it)."""
    options = json_formatter()
    factory = options.pop("()")
    return factory(**options)
