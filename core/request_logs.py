"""The one line each request writes (django-structlog's request_finished, or request_failed
for an exception no view handled), with what an operator searches by.

django-structlog writes the lines; these receivers of its signals decide their fields:
method, route (the URL pattern: a bounded set of values, unlike paths), path without its
query string (which may carry anything), status, duration_ms, user_id, business_id (the
API caller's business when its user belongs to exactly one; null for staff) and ip (the
address the rate limit and the login lockout use). Never headers or bodies.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django_structlog import signals
from django_structlog.celery import signals as task_signals

from core.client_ip import client_ip

_STARTED = "_log_started_ns"


@receiver(signals.bind_extra_request_metadata)
def _request_started(request: HttpRequest, log_kwargs: dict[str, Any], **kwargs: Any) -> None:
    setattr(request, _STARTED, time.perf_counter_ns())
    log_kwargs.pop("user_agent", None)
    log_kwargs["request"] = f"{request.method} {request.path}"


@receiver(signals.bind_extra_request_finished_metadata)
def _request_finished(
    request: HttpRequest, response: HttpResponse, log_kwargs: dict[str, Any], **kwargs: Any
) -> None:
    _fill(request, log_kwargs, status=response.status_code)


@receiver(signals.bind_extra_request_failed_metadata)
def _request_failed(request: HttpRequest, log_kwargs: dict[str, Any], **kwargs: Any) -> None:
    _fill(request, log_kwargs, status=500)


def _fill(request: HttpRequest, log_kwargs: dict[str, Any], *, status: int) -> None:
    log_kwargs.pop("request", None)  # "METHOD full path": the query string with it
    log_kwargs.pop("code", None)
    started = getattr(request, _STARTED, None)
    user = getattr(request, "user", None)
    user_id = getattr(user, "pk", None)
    match = getattr(request, "resolver_match", None)
    log_kwargs.update(
        method=request.method,
        route=match.route if match is not None else None,
        path=request.path,
        status=status,
        duration_ms=(round((time.perf_counter_ns() - started) / 1_000_000, 1) if started else None),
        user_id=str(user_id) if user_id is not None else None,
        business_id=_business_id(user),
        ip=client_ip(request),
    )


def bind_caller(user: Any) -> None:
    """Name the authenticated caller in the request's log context as soon as it is known,
    so every line logged while the view runs (and an error reported to Sentry, which reads
    this context) carries user_id and business_id, not only the request's last line."""
    structlog.contextvars.bind_contextvars(user_id=str(user.pk), business_id=_business_id(user))


def _business_id(user: Any) -> str | None:
    """The caller's business, as its API key's authentication read it (no query of its
    own: accounts/authentication.py fetches it with the key). Staff act on every business:
    none is theirs."""
    if user is None or getattr(user, "is_staff", True):
        return None
    business_id = getattr(user, "api_key_business_id", None)
    return str(business_id) if business_id is not None else None


@receiver(task_signals.bind_extra_task_metadata)
def _task_started(task: Any, **kwargs: Any) -> None:
    """A task's lines (task_succeeded, task_failed, and what it logs) name the task."""
    structlog.contextvars.bind_contextvars(task=task.name)
