"""POST /message-outcomes: a thin door to warmup.services.outcomes."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiView
from core.openapi import IDEMPOTENCY_KEY, WRITE_PROBLEMS, problems
from core.serializers import validated
from warmup.api.serializers import OutcomeBatchInput, OutcomeBatchOutput
from warmup.services.outcomes import OutcomesRecorded, outcomes_record


def answer(result: OutcomesRecorded) -> dict:
    # A plain dict (OutcomeBatchOutput documents it): up to 1,000 refusals per answer.
    return {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "refused": [
            {"index": r.index, "messageId": r.message_id, "errors": r.errors}
            for r in result.refused
        ],
    }


class MessageOutcomesView(ApiView):
    @extend_schema(
        tags=["Message outcomes"],
        operation_id="recordMessageOutcomes",
        summary="Report what happened to messages and calls of your numbers",
        description=(
            "A batch of 1 to 1,000 outcomes. Each item is accepted, counted as a duplicate "
            "(its business reported this messageId and outcome within the last "
            "WARMUP_OUTCOME_RETENTION_DAYS days) or refused with its reasons; the others "
            "are recorded all the same. Tenants report for their businesses' unreleased "
            "numbers; pool numbers send nothing and are refused."
        ),
        request=OutcomeBatchInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: OutcomeBatchOutput, **problems(*WRITE_PROBLEMS)},
    )
    def post(self, request: Request) -> Response:
        data = validated(OutcomeBatchInput, request.data)
        result = outcomes_record(user=request.user, items=data["outcomes"], now=timezone.now())
        return Response(answer(result))
