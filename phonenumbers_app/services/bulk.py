"""Operator actions on many numbers (/ops/'s bulk actions): a run that counts, and for each
number the very service call the single-number page makes.

A run (BulkActionRun) is started with the selection's ids resolved when the operator
confirmed; its chunks each take up to CHUNK_SIZE of those ids, in the request for a small
selection or on a worker (phonenumbers_app/tasks.py) for a large one. Per number: the
action's rule (operator_actions: why_not) skips it with its reason, or its service changes
it in a transaction of its own (writing its event, with the operator as the actor), so one
failure undoes nothing else and is reported with the service's reason.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.errors import DomainError
from phonenumbers_app import selectors
from phonenumbers_app.models import BulkActionRun
from phonenumbers_app.operator_actions import BY_SLUG, OperatorAction

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
NOT_FOUND = "not found (deleted, or not yours to change)"
NOT_ALLOWED = "you may no longer do this"


@dataclass
class ChunkResult:
    done: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def bulk_run_start(
    *,
    user: User,
    action: OperatorAction,
    data: dict[str, Any],
    query: str,
    ids: Sequence[uuid.UUID],
) -> BulkActionRun:
    """Record a run of `action` on the frozen selection `ids` (its chunks: bulk_chunks)."""
    return BulkActionRun.objects.create(
        user=user,
        action=action.slug,
        data=data,
        query=query,
        total=len(ids),
        chunks_total=max(1, math.ceil(len(ids) / CHUNK_SIZE)),
    )


def bulk_chunks(ids: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
    """The selection cut into the run's chunks, in order (chunk i is index i)."""
    return [list(ids[i : i + CHUNK_SIZE]) for i in range(0, len(ids), CHUNK_SIZE)] or [[]]


def bulk_run_chunk(*, run_id: uuid.UUID, index: int, ids: Sequence[uuid.UUID]) -> BulkActionRun:
    """Apply the run's action to the numbers `ids` (chunk `index`), then add the counts to
    the run, once per chunk: a chunk delivered twice is applied again (each number is then
    skipped by the rule or left alone by its service) but counted once."""
    run = BulkActionRun.objects.select_related("user").get(pk=run_id)
    action = BY_SLUG[run.action]
    result = ChunkResult()
    user = run.user
    if user is None or not action.allowed(user):
        # Who confirmed lost the permission (or the account) before the worker got here.
        result.skipped[NOT_ALLOWED] = len(ids)
        return _record(run_id, index, result)
    numbers = {n.pk: n for n in selectors.ops_bulk_selection(user=user, ids=ids)}
    for id in ids:
        number = numbers.get(id)
        reason = NOT_FOUND if number is None else action.why_not(number, run.data)
        if reason is not None:
            result.skipped[reason] += 1
            continue
        try:
            action.perform(number, user, run.data)  # its own transaction, and its event
        except (ValidationError, DomainError) as error:
            detail = getattr(error, "detail", None) or "; ".join(error.messages)
            result.errors.append(f"{number.number}: {detail}")
        except Exception as error:
            # A bug or a broken row: this number's transaction is rolled back, the others
            # are not; reported like a refusal, logged with its traceback.
            logger.exception("bulk %s failed on %s", run.action, number.pk)
            result.errors.append(f"{number.number}: unexpected error ({type(error).__name__})")
        else:
            result.done += 1
    return _record(run_id, index, result)


@transaction.atomic
def _record(run_id: uuid.UUID, index: int, result: ChunkResult) -> BulkActionRun:
    run = BulkActionRun.objects.select_for_update().get(pk=run_id)
    if index in run.chunks_recorded:
        return run
    run.chunks_recorded = [*run.chunks_recorded, index]
    run.done += result.done
    run.skipped += sum(result.skipped.values())
    run.failed += len(result.errors)
    reasons = Counter(run.skipped_reasons)
    reasons.update(result.skipped)
    run.skipped_reasons = dict(reasons.most_common())
    run.errors = [*run.errors, *result.errors][: BulkActionRun.ERRORS_KEPT]
    if len(run.chunks_recorded) >= run.chunks_total and run.status == run.Status.RUNNING:
        run.status = run.Status.FINISHED
        run.finished_at = timezone.now()
    run.save()
    return run


def bulk_run_fail(*, run_id: uuid.UUID, error: str) -> None:
    """A chunk could not be applied (out of retries): the run stops as failed, saying why;
    what its other chunks did stays done and counted."""
    BulkActionRun.objects.filter(pk=run_id, status=BulkActionRun.Status.RUNNING).update(
        status=BulkActionRun.Status.FAILED, finished_at=timezone.now(), error=error[:2000]
    )
