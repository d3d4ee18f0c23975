"""A number's health from its recent traffic: a score, a status and a reason a person can act on.

Pure functions of the summed daily stats (`Signals`) and the plan's thresholds; the
engine (warmup/engine.py) feeds them. The formula is in the README ("Health").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from phonenumbers_app.vocabularies import WarmupHealthState as W
from warmup.models import WarmupPlan

# Points off the score (see the README): each point of delivery below target costs 2, each
# percent of carrier rejections 3 (filtering is the signal carriers act on), each percent
# of opt-outs above 1% costs 10, each spam report 15.
DELIVERY_POINT_COST = 2
REJECTION_POINT_COST = 3
OPT_OUT_FREE_PERCENT = 1
OPT_OUT_POINT_COST = 10
SPAM_REPORT_COST = 15
# Below this score a number needs attention even when no single signal does.
ATTENTION_SCORE = 80


@dataclass(frozen=True)
class Signals:
    """Message traffic (SMS and MMS) summed over a window."""

    sent: int = 0
    delivered: int = 0
    failed: int = 0
    rejected: int = 0
    opt_outs: int = 0
    recipients: int = 0
    spam_reports: int = 0

    @property
    def finalized(self) -> int:
        """Messages whose fate is known: delivered, failed or rejected."""
        return self.delivered + self.failed + self.rejected


@dataclass(frozen=True)
class Health:
    status: str  # the seed's healthStatus: Not Started, Healthy, Needs Attention, Blocked
    score: int | None  # None: not enough traffic to judge (the previous score stands)
    reason: str | None  # what a person should know, e.g. why it needs attention
    breach: str | None  # set when a pause threshold is crossed: why it must stop


def _pct(part: int, whole: int) -> float:
    return 100 * part / whole if whole else 0.0


def _fmt(value: float) -> str:
    """81.0 -> '81', 6.14 -> '6.1'."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def assess(signals: Signals, plan: WarmupPlan, *, window: str) -> Health:
    """Judge `signals` against `plan`; `window` words the period, e.g. "the last 7 days"."""
    th = _thresholds(plan)
    finalized = signals.finalized
    contacts = signals.recipients or signals.sent
    delivery = _pct(signals.delivered, finalized)
    failure = _pct(signals.failed, finalized)
    rejection = _pct(signals.rejected, finalized)
    opt_out = _pct(signals.opt_outs, contacts)

    # Spam reports count whatever the volume: a few are enough for carriers to act.
    if signals.spam_reports >= th["spam"] > 0:
        breach = (
            f"{signals.spam_reports} spam reports over {window} (limit {th['spam']}): "
            "review the content and the consent of the lists it messages"
        )
        return Health(W.BLOCKED, _score(signals, th), breach, breach)
    if finalized < plan.min_sample:
        return Health(
            W.NOT_STARTED,
            None,
            f"Not enough traffic to judge yet: {finalized} of {plan.min_sample} messages "
            f"with a final outcome over {window}",
            None,
        )

    score = _score(signals, th)
    breach = None
    if rejection > th["rejection"]:
        breach = (
            f"Carrier rejections at {_fmt(rejection)}% of {finalized} messages over {window} "
            f"(limit {_fmt(th['rejection'])}%): carriers are filtering this number"
        )
    elif delivery < th["delivery_pause"]:
        breach = (
            f"Delivery rate fell to {_fmt(delivery)}% over {window} "
            f"(target {_fmt(th['delivery_target'])}%, pauses below {_fmt(th['delivery_pause'])}%)"
        )
    elif failure > th["failure"]:
        breach = (
            f"Failures at {_fmt(failure)}% of {finalized} messages over {window} "
            f"(limit {_fmt(th['failure'])}%)"
        )
    elif opt_out > th["opt_out_pause"]:
        breach = (
            f"Opt-outs at {_fmt(opt_out)}% of {contacts} contacts over {window} "
            f"(limit {_fmt(th['opt_out_pause'])}%)"
        )
    if breach:
        return Health(W.BLOCKED, score, breach, breach)

    attention = None
    if delivery < th["delivery_target"]:
        attention = (
            f"Delivery rate fell to {_fmt(delivery)}% over {window} "
            f"(target {_fmt(th['delivery_target'])}%)"
        )
    elif opt_out > th["opt_out_attention"]:
        attention = (
            f"Opt-outs at {_fmt(opt_out)}% of {contacts} contacts over {window} "
            f"(attention above {_fmt(th['opt_out_attention'])}%)"
        )
    elif signals.spam_reports:
        attention = f"{signals.spam_reports} spam report(s) over {window}"
    elif score < ATTENTION_SCORE:
        attention = f"Health score {score} over {window} (attention below {ATTENTION_SCORE})"
    if attention:
        return Health(W.NEEDS_ATTENTION, score, attention, None)
    return Health(
        W.HEALTHY,
        score,
        f"Delivery {_fmt(delivery)}% of {finalized} messages over {window}",
        None,
    )


def _thresholds(plan: WarmupPlan) -> dict[str, float]:
    """The plan's thresholds as floats, worked out once per plan object (a pass judges
    thousands of numbers with the same few plans)."""
    cached = getattr(plan, "_health_thresholds", None)
    if cached is None:
        cached = plan._health_thresholds = _read_thresholds(plan)
    return cached


def _read_thresholds(plan: WarmupPlan) -> dict[str, float]:
    def f(value: Decimal | float) -> float:
        return float(value)

    return {
        "delivery_target": f(plan.delivery_target_percent),
        "delivery_pause": f(plan.delivery_pause_percent),
        "failure": f(plan.failure_pause_percent),
        "rejection": f(plan.rejection_pause_percent),
        "opt_out_attention": f(plan.opt_out_attention_percent),
        "opt_out_pause": f(plan.opt_out_pause_percent),
        "spam": plan.spam_reports_pause,
    }


def _score(signals: Signals, th: dict[str, float]) -> int:
    finalized = signals.finalized
    contacts = signals.recipients or signals.sent
    penalty = 0.0
    if finalized:
        delivery = _pct(signals.delivered, finalized)
        penalty += DELIVERY_POINT_COST * max(0.0, th["delivery_target"] - delivery)
        penalty += REJECTION_POINT_COST * _pct(signals.rejected, finalized)
    if contacts:
        opt_out = _pct(signals.opt_outs, contacts)
        penalty += OPT_OUT_POINT_COST * max(0.0, opt_out - OPT_OUT_FREE_PERCENT)
    penalty += SPAM_REPORT_COST * signals.spam_reports
    return max(0, min(100, round(100 - penalty)))
