"""The number page's three charts of its last 30 days (warmup.reports.Day), as data for
server-rendered SVG: messages sent against the day's limit, delivery rate, opt-outs."""

from __future__ import annotations

from phonenumbers_app.charts import ColumnChart, DayValue, column_chart
from warmup.models import WarmupPlan
from warmup.reports import Day


def sent_chart(days: list[Day]) -> ColumnChart:
    over = sum(1 for day in days if day.over_limit)
    return column_chart(
        title="Messages sent against the day's limit",
        summary=(
            f"Messages sent per day over the last {len(days)} days: "
            f"{sum(day.sent for day in days):,} in all, the busiest day "
            f"{max((day.sent for day in days), default=0):,}; "
            f"{over} day(s) over the limit."
        ),
        legend="Bars: SMS and MMS sent (red: over the limit). Dark lines: the day's limit.",
        values=[
            DayValue(
                day=day.day.isoformat(),
                value=day.sent,
                marker=day.limit,
                tone="warn" if day.over_limit else "",
                text=(
                    f"{day.day.isoformat()}: {day.sent:,} sent"
                    + (
                        f" of {day.limit:,} allowed (plan day {day.plan_day})"
                        if day.limit is not None
                        else " (before the warmup: no limit known)"
                    )
                ),
            )
            for day in days
        ],
    )


def delivery_chart(days: list[Day], plan: WarmupPlan) -> ColumnChart:
    rates = [day.delivery_percent for day in days if day.delivery_percent is not None]
    target, pause = float(plan.delivery_target_percent), float(plan.delivery_pause_percent)
    return column_chart(
        title="Delivery rate",
        summary=(
            f"Delivery rate per day: {len(rates)} day(s) with final outcomes"
            + (f", lowest {min(rates):g}%" if rates else "")
            + f"; the plan's target is {target:g}%, it pauses below {pause:g}%."
        ),
        legend=(
            f"Delivered of those with a final outcome. Green line: the target ({target:g}%); "
            f"red line: pauses below it ({pause:g}%). Amber: under the target; red: under "
            "the pause line. No bar: nothing finished that day."
        ),
        values=[
            DayValue(
                day=day.day.isoformat(),
                value=day.delivery_percent,
                tone=_delivery_tone(day.delivery_percent, target=target, pause=pause),
                text=(
                    f"{day.day.isoformat()}: {day.delivery_percent:g}% delivered "
                    f"({day.delivered:,} of {day.finished:,})"
                    if day.delivery_percent is not None
                    else f"{day.day.isoformat()}: no message with a final outcome"
                ),
            )
            for day in days
        ],
        maximum=100,
        unit="%",
        guides=((f"target {target:g}%", target, "target"), (f"pause {pause:g}%", pause, "pause")),
    )


def opt_out_chart(days: list[Day]) -> ColumnChart:
    return column_chart(
        title="Opt-outs",
        summary=(
            f"Opt-outs per day: {sum(day.opt_outs for day in days):,} in "
            f"{len(days)} days, to {sum(day.recipients for day in days):,} recipients "
            "(distinct per day)."
        ),
        legend="Recipients who opted out, per day.",
        values=[
            DayValue(
                day=day.day.isoformat(),
                value=day.opt_outs,
                text=(
                    f"{day.day.isoformat()}: {day.opt_outs:,} opt-out(s), "
                    f"{day.recipients:,} recipient(s)"
                ),
            )
            for day in days
        ],
    )


def _delivery_tone(percent: float | None, *, target: float, pause: float) -> str:
    if percent is None or percent >= target:
        return ""
    return "warn" if percent < pause else "low"


def warmup_charts(days: list[Day], plan: WarmupPlan) -> list[ColumnChart]:
    return [sent_chart(days), delivery_chart(days, plan), opt_out_chart(days)]
