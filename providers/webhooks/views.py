"""/webhooks/<provider>: the providers' signed callbacks.

Plain Django views, not the API's: no API key, no session, no CSRF token (the signature
is the authentication), not in the OpenAPI document. Each one verifies, stores the raw
event once and answers at once; a Celery task acts on it (providers/webhooks/tasks.py).

- 404 when this deployment has no account of that provider (or no key to verify it).
- 401 application/problem+json when the signature is missing or wrong or the timestamp
  out of tolerance: logged without secrets or the body, counted, nothing stored.
- 200 {"status": "accepted"} for a new event, {"status": "duplicate"} for one stored
  before (a retried delivery): it is not processed again.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from core.client_ip import client_ip
from core.metrics import PROVIDER_WEBHOOKS
from core.problems import problem_body, problem_content_type
from providers import accounts
from providers.webhooks import verification
from providers.webhooks.counters import refusal_count
from providers.webhooks.intake import (
    Identity,
    Unreadable,
    body_identity,
    event_store,
    telnyx_identity,
    twilio_identity,
)
from providers.webhooks.tasks import event_process_later

logger = logging.getLogger(__name__)

ACCEPTED = {"status": "accepted"}
DUPLICATE = {"status": "duplicate"}
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"


def _problem(request: HttpRequest, status: int, detail: str, problem_type: str | None = None):
    body = problem_body(
        status=status, problem_type=problem_type, detail=detail, instance=request.path
    )
    response = JsonResponse(body, status=status, content_type=problem_content_type(request))
    if status == 405:
        response["Allow"] = "POST"
    return response


def _refused(request: HttpRequest, provider: str, refused: verification.Refused) -> HttpResponse:
    refusal_count(provider, refused.reason)
    # The reason and where it came from; never the signature, the body or a key.
    logger.warning("Refused a %s webhook from %s: %s", provider, client_ip(request), refused.reason)
    return _problem(
        request,
        401,
        f"The {accounts.LABELS[provider]} webhook's signature could not be verified "
        f"({refused.reason}); nothing was stored.",
        "webhook-signature-invalid",
    )


def _store(request: HttpRequest, provider: str, identity: Identity, body: str) -> HttpResponse:
    content_type = request.content_type or ""
    event_id = event_store(
        provider=provider, identity=identity, body=body, content_type=content_type
    )
    if event_id is None:
        PROVIDER_WEBHOOKS.labels(provider, "duplicate").inc()
        return JsonResponse(DUPLICATE)
    PROVIDER_WEBHOOKS.labels(provider, "accepted").inc()
    # Autocommit: the row is committed, so this sends now; inside a transaction (a
    # test's), after it commits.
    transaction.on_commit(lambda: event_process_later(event_id))
    return JsonResponse(ACCEPTED)


def _telnyx_dialect(request: HttpRequest, provider: str, public_key_b64: str) -> HttpResponse:
    if request.method != "POST":
        return _problem(request, 405, "Webhooks are POSTed.")
    if not public_key_b64:
        logger.error("A %s webhook arrived, but no public key is configured here", provider)
        return _problem(request, 404, f"No resource at {request.path}.")
    try:
        verification.check_ed25519(request, verification.public_key(public_key_b64))
    except verification.Refused as refused:
        return _refused(request, provider, refused)
    try:
        identity = telnyx_identity(request.body)
        body = request.body.decode()
    except (Unreadable, UnicodeDecodeError) as error:
        PROVIDER_WEBHOOKS.labels(provider, "unreadable").inc()
        return _problem(request, 400, str(error) or "The body is not UTF-8 JSON.")
    return _store(request, provider, identity, body)


@csrf_exempt
def telnyx_webhook(request: HttpRequest) -> HttpResponse:
    if not accounts.is_configured(accounts.TELNYX):
        return _problem(request, 404, f"No resource at {request.path}.")
    return _telnyx_dialect(request, accounts.TELNYX, settings.TELNYX_PUBLIC_KEY)


@csrf_exempt
def simulated_webhook(request: HttpRequest) -> HttpResponse:
    private = settings.SIMULATED_PROVIDER_SIGNING_KEY
    if not accounts.is_configured(accounts.SIMULATED) or not private:
        return _problem(request, 404, f"No resource at {request.path}.")
    public = verification.public_key_of_private(private)
    return _telnyx_dialect(request, accounts.SIMULATED, public)


@csrf_exempt
def twilio_webhook(request: HttpRequest) -> HttpResponse:
    if not accounts.is_configured(accounts.TWILIO):
        return _problem(request, 404, f"No resource at {request.path}.")
    if request.method != "POST":
        return _problem(request, 405, "Webhooks are POSTed.")
    is_json = request.content_type == JSON_TYPE
    try:
        verification.check_twilio(request, is_json=is_json)
    except verification.Refused as refused:
        return _refused(request, accounts.TWILIO, refused)
    if is_json:
        # Twilio sends JSON only for some products (signed with bodySHA256); messaging
        # callbacks are forms. Stored, and ignored by processing.
        body = request.body.decode("utf-8", "replace")
        return _store(request, accounts.TWILIO, body_identity(body), body)
    return _store(
        request,
        accounts.TWILIO,
        twilio_identity(request.POST),
        request.body.decode("utf-8", "replace"),
    )
