"""Our warmup vocabularies read in the seed's published document's (`PhoneNumberReadiness`,
`SmsReadinessState`, `SmsReadinessHealthStatus`): the one mapping between them, used by the
representation, the list rows and the warmup/status answers.

The seed's document lists no null in these enums (so a client generated from it refuses null
there): every value, null included, maps to one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from phonenumbers_app.vocabularies import WarmupHealthState as W

# warmupState -> PhoneNumberReadiness.state (Not Started, In Progress, Paused, Blocked, Ready)
READINESS_STATE = {
    None: "Not Started",
    W.NOT_STARTED: "Not Started",
    W.WARMING: "In Progress",
    W.HEALTHY: "In Progress",
    W.NEEDS_ATTENTION: "In Progress",
    W.PAUSED: "Paused",
    W.BLOCKED: "Blocked",
    W.READY: "Ready",
}
# healthStatus -> PhoneNumberReadiness.healthStatus
# (Not Evaluated, Evaluating, Healthy, Needs Attention, Blocked); a paused number's
# health is not being evaluated.
READINESS_HEALTH = {
    None: "Not Evaluated",
    W.NOT_STARTED: "Not Evaluated",
    W.PAUSED: "Not Evaluated",
    W.WARMING: "Evaluating",
    W.HEALTHY: "Healthy",
    W.NEEDS_ATTENTION: "Needs Attention",
    W.BLOCKED: "Blocked",
    W.READY: "Healthy",
}
VOICE_STAGES = 5  # "Stage 0" .. "Stage 4"


def voice_stage(progress_percent: int) -> int:
    """The voice warmup stage at a share of the plan completed: five equal parts. The
    engine's call limits (warmup/plans.py) and `callStage` both come from here."""
    return min(VOICE_STAGES - 1, max(0, progress_percent) * VOICE_STAGES // 100)


# The columns `readiness` reads.
READINESS_COLUMNS = (
    "warmup_enabled",
    "warmup_state",
    "health_status",
    "warmup_health_score",
    "warmup_progress_percent",
)


def readiness(n: Mapping[str, Any]) -> dict[str, Any]:
    """A number's warmup as the seed's document has it (`PhoneNumberReadiness`), from its
    row (or any mapping of READINESS_COLUMNS): our warmupState and healthStatus mapped to
    the document's vocabularies (READINESS_STATE, READINESS_HEALTH), score and progress
    as integers (our flat `warmupHealthScore`/`warmupProgressPercent` are integer
    strings), and the voice stage (voice_stage of the progress).

    The one mapping of our warmup to the document's: the table row and the full
    representation both take their `warmup` from here.
    """
    return {
        "enabled": n["warmup_enabled"],
        "state": READINESS_STATE[n["warmup_state"]],
        "healthStatus": READINESS_HEALTH[n["health_status"]],
        "healthScore": n["warmup_health_score"],
        "progressPercent": n["warmup_progress_percent"],
        "callStage": f"Stage {voice_stage(n['warmup_progress_percent'])}",
    }
