"""Safe retries of writes: the `Idempotency-Key` header.

The first response for a (caller, key) is stored in the database, so every web
process sees it, and replayed for 24 hours (IDEMPOTENCY_KEY_TTL_SECONDS) with
`Idempotent-Replayed: true`. The same key with another request is a 422; a retry
while the first request still runs is a 409. Server errors are not stored, so a
retry after a 5xx runs again. Requests without the header are untouched.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.metrics import IDEMPOTENT_REPLAYS
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# A request that has not finished after this long is taken to have died with its process.
ABANDONED_AFTER = timedelta(minutes=2)
KEPT_HEADERS = ("Location", "ETag", "Content-Type")
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")

BAD_KEY = "Must be 1 to 255 visible ASCII characters, e.g. a UUID."
KEY_REUSED = (
    "This Idempotency-Key was used for a different request ({first}); use a new key for "
    "a new request."
)
KEY_IN_USE = "A request with this Idempotency-Key is still being processed; retry shortly."


class IdempotencyKeyReused(DomainError):
    status = 422
    problem_type = "idempotency-key-reused"
    title = "Idempotency-Key reused for a different request"


class IdempotencyKeyInUse(Conflict):
    problem_type = "idempotency-key-in-use"
    title = "A request with this Idempotency-Key is in progress"


def fingerprint(method: str, path: str, body: bytes, if_match: str | None = None) -> str:
    """What makes two requests "the same": method, path, If-Match and body."""
    digest = hashlib.sha256(f"{method} {path}\n{if_match or ''}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _ttl() -> timedelta:
    return timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)


def idempotency_begin(
    *,
    user: AbstractBaseUser,
    key: str,
    method: str,
    path: str,
    body: bytes,
    if_match: str | None = None,
) -> IdempotencyRecord | HttpResponse:
    """Claim `key` for this request, or return the stored response to replay.

    Runs in its own committed transaction, so a concurrent request with the same
    key sees the claim at once.
    """
    if not _KEY_PATTERN.match(key):
        raise ValidationError({HEADER: [BAD_KEY]})
    request_fingerprint = fingerprint(method, path, body, if_match)
    now = timezone.now()
    for _ in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    fingerprint=request_fingerprint,
                    created_at=now,
                    headers={"request": f"{method} {path}"},
                )
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is None:
            continue  # purged between the insert and the read: claim it again
        expired = existing.created_at < now - _ttl()
        abandoned = existing.status is None and existing.created_at < now - ABANDONED_AFTER
        if expired or abandoned:
            IdempotencyRecord.objects.filter(pk=existing.pk).delete()
            continue
        if existing.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused(KEY_REUSED.format(first=existing.headers.get("request")))
        if existing.status is None:
            raise IdempotencyKeyInUse(KEY_IN_USE)
        IDEMPOTENT_REPLAYS.inc()
        return replay(existing)
    raise IdempotencyKeyInUse(KEY_IN_USE)


def idempotency_complete(
    *, record: IdempotencyRecord, response: HttpResponse, body: bytes | None = None
) -> None:
    """Store the response to replay (`body`: what to keep of it, when not its content);
    forget the key after a server error."""
    if response.status_code >= 500:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status=response.status_code,
        body=bytes(response.content) if body is None else body,
        headers={**record.headers, **headers},
    )


def replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body or b""), status=record.status)
    if "Content-Type" not in record.headers:
        del response["Content-Type"]  # e.g. a 204 had none; do not invent one
    for name, value in record.headers.items():
        if name in KEPT_HEADERS:
            response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def idempotency_purge() -> int:
    """Delete records past their time to live; returns how many."""
    cutoff = timezone.now() - _ttl()
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
