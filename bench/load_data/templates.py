"""Event templates: the story of each profile, as title/details/data with placeholders."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from bench.load_data.profiles import Profile
from phonenumbers_app.transitions import inventory_state_allowed, status_allowed
from phonenumbers_app.vocabularies import EventType
from phonenumbers_app.vocabularies import InventoryState as S
from phonenumbers_app.vocabularies import PhoneNumberStatus as St
from phonenumbers_app.vocabularies import WarmupHealthState as W

PLACEHOLDERS = ("number", "name", "pool_name", "business_id", "business_name")
NUMERIC_PLACEHOLDERS = ("p0", "p1", "s0", "s1")  # progress/score before and after
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


@dataclass
class _Step:
    type: str
    title: str
    details: str
    data: dict
    actor: bool
    priority: int  # the lowest go first when a trail has fewer events than the story
    late: bool = False  # fillers go before the first late step
    owned: bool = True  # written while the business owned the number (False: in the pool)
    j0: int = 0
    j1: int = 0
    den: int = 1


@dataclass(frozen=True)
class Template:
    """The k-th (1-based) event of every number with profile `pid`; text with ${...}."""

    pid: int
    k: int
    type: str
    title: str
    details: str
    data: str
    actor: bool
    owned: bool  # the event belongs to the business's history (False: the pool's)
    pos: int  # when, in thousandths of the time from the number's creation to now
    j0: int
    j1: int
    den: int


def _updated_title(keys: Iterable[str]) -> str:
    """As services.update titles a change of several fields."""
    names = list(keys)
    if len(names) > 3:
        names = [*names[:3], f"{len(names) - 3} more"]
    return "Updated " + ", ".join(names)


def _status_path(status: str) -> list[tuple[str, str]]:
    steps = {
        St.UNREGISTERED: [],
        St.PROVISIONING: [St.UNREGISTERED],
        St.ACTIVE: [St.UNREGISTERED, St.PROVISIONING],
        St.FAILED_PROVISIONING: [St.UNREGISTERED, St.PROVISIONING],
        St.SUSPENDED: [St.UNREGISTERED, St.PROVISIONING, St.ACTIVE],
        St.EXPIRED: [St.UNREGISTERED, St.PROVISIONING, St.ACTIVE],
    }[status]
    chain = [*steps, status] if steps else []
    return list(pairwise(chain))


def _story(p: Profile, actor: str, user_id: str | None) -> list[_Step]:
    """Every event that brought a number of profile `p` to its state, in order."""
    a = actor
    steps: list[_Step] = []
    if p.leadping_owned:
        name = "${pool_name}" if p.owned else "${name}"
        after = {"number": "${number}", "name": name, "businessId": None, "userId": None}
        after.update(inventoryState=S.AVAILABLE, enabled=True, status=St.UNREGISTERED)
        title, details = (
            "Added to the inventory pool",
            f"{a} added ${{number}} to the pool as Available.",
        )
    else:
        after = {"number": "${number}", "name": "${name}", "businessId": "${business_id}"}
        after.update(
            userId=user_id, inventoryState=S.ASSIGNED, enabled=True, status=St.UNREGISTERED
        )
        title = "Created for ${business_name}"
        details = f"{a} created ${{number}} as Assigned to ${{business_name}}."
    steps.append(_Step(EventType.CREATED, title, details, {"after": after}, True, 100))

    transitions = _status_path(p.status)
    status_details = {
        St.PROVISIONING: ("The provider accepted the order.", 10, False),
        St.ACTIVE: ("The provider activated the number.", 11, False),
        St.FAILED_PROVISIONING: (p.provider_error or "", 60, False),
        St.SUSPENDED: (p.provider_error or "", 60, True),
        St.EXPIRED: (p.provider_error or "", 60, True),
    }

    def status_step(before: str, after: str) -> _Step:
        assert status_allowed(before, after), (before, after)
        details, priority, late = status_details[after]
        data = {"before": {"status": before}, "after": {"status": after}}
        title = f"Status {before} → {after}"
        return _Step(EventType.STATE_CHANGED, title, details, data, False, priority, late)

    steps += [status_step(b, c) for b, c in transitions if not status_details[c][2]]
    if p.leadping_owned:
        for step in steps:  # until a business claims it, its history is the pool's
            step.owned = False
    if p.owned and p.leadping_owned:
        before = {"name": "${pool_name}", "businessId": None}
        before["inventoryState"] = S.AVAILABLE
        after = {"name": "${name}", "businessId": "${business_id}"}
        after["inventoryState"] = S.ASSIGNED
        if user_id is not None:
            before["userId"], after["userId"] = None, user_id
        details = f"{a} assigned ${{number}} to ${{business_name}}."
        data = {"before": before, "after": after}
        steps.append(
            _Step(EventType.ASSIGNED, "Claimed from the inventory pool", details, data, True, 80)
        )
    base = S.ASSIGNED if p.owned else S.AVAILABLE
    if p.inventory_state not in (base, S.RELEASED):
        assert inventory_state_allowed(base, p.inventory_state), (base, p.inventory_state)
        data = {"before": {"inventoryState": base}, "after": {"inventoryState": p.inventory_state}}
        title = f"Inventory state {base} → {p.inventory_state}"
        details = f"{a} changed inventoryState."
        steps.append(_Step(EventType.STATE_CHANGED, title, details, data, True, 70))
    if p.warmup_enabled:
        data = {"before": {"warmupEnabled": False}, "after": {"warmupEnabled": True}}
        steps.append(
            _Step(
                EventType.UPDATED,
                "Updated warmupEnabled",
                f"{a} changed warmupEnabled.",
                data,
                True,
                20,
            )
        )

    # --- late: where the number's health and status ended up ---
    warming = W.WARMING if p.warmup_enabled else W.NOT_STARTED
    health_before = W.HEALTHY if p.warmup_enabled else W.NOT_STARTED
    if p.warmup_enabled and p.warmup_state in (W.HEALTHY, W.READY):
        data = {"before": {"warmupState": W.WARMING}, "after": {"warmupState": p.warmup_state}}
        details = f"Warmup reached {p.warmup_state}."
        steps.append(
            _Step(EventType.UPDATED, "Updated warmupState", details, data, False, 30, True)
        )
    if p.warmup_state == W.PAUSED:
        before = {"warmupState": W.WARMING, "warmupPauseReason": None}
        after = {"warmupState": W.PAUSED, "warmupPauseReason": p.warmup_pause_reason}
        data = {"before": before, "after": after}
        steps.append(
            _Step(
                EventType.WARMUP_PAUSED,
                "Warmup paused",
                p.warmup_pause_reason,
                data,
                True,
                50,
                True,
            )
        )
    health_changed = p.health_status in (W.NEEDS_ATTENTION, W.BLOCKED, W.PAUSED)
    if p.warmup_state in (W.BLOCKED, W.NEEDS_ATTENTION) or health_changed:
        before, after = {}, {}
        if p.warmup_state in (W.BLOCKED, W.NEEDS_ATTENTION):
            before["warmupState"], after["warmupState"] = warming, p.warmup_state
        if p.warmup_state == W.BLOCKED:
            before["warmupPauseReason"], after["warmupPauseReason"] = None, p.warmup_pause_reason
        if health_changed:
            before["healthStatus"], after["healthStatus"] = health_before, p.health_status
            before["healthReason"], after["healthReason"] = None, p.health_reason
        data = {"before": before, "after": after}
        details = p.health_reason or p.warmup_pause_reason or ""
        steps.append(
            _Step(EventType.UPDATED, _updated_title(after), details, data, False, 50, True)
        )
    steps += [status_step(b, c) for b, c in transitions if status_details[c][2]]
    if p.inventory_state == S.RELEASED:
        data = {
            "before": {"inventoryState": base, "enabled": True},
            "after": {"inventoryState": S.RELEASED, "enabled": False},
        }
        details = f"{a} released ${{number}}."
        steps.append(_Step(EventType.RELEASED, "Released", details, data, True, 90, True))
    return steps


def _fillers(p: Profile, count: int, actor: str) -> list[_Step]:
    """Events between the story's beginning and its end when a trail is longer than the
    story: warmup progress for warming numbers, small settings changes for the others."""
    if p.warmup_enabled:
        keys = ("warmupProgressPercent", "warmupHealthScore")
        return [
            _Step(
                EventType.UPDATED,
                _updated_title(keys),
                "Warmup progress ${p1}%, health score ${s1}.",
                {
                    "before": dict(zip(keys, ("${p0}", "${s0}"), strict=True)),
                    "after": dict(zip(keys, ("${p1}", "${s1}"), strict=True)),
                },
                False,
                0,
                j0=f - 1,
                j1=f,
                den=count,
            )
            for f in range(1, count + 1)
        ]

    def toggle(key: str, before: bool, after: bool) -> _Step:
        data = {"before": {key: before}, "after": {key: after}}
        return _Step(EventType.UPDATED, f"Updated {key}", f"{actor} changed {key}.", data, True, 0)

    result = []
    if count % 2:
        result.append(
            toggle("routing.voiceEnabled", not p.routing_voice_enabled, p.routing_voice_enabled)
        )
    pairs = (
        ("capabilities.testing", p.capability_testing),
        ("isApprovedTestDestination", p.is_approved_test_destination),
    )
    for m in range(count // 2):
        key, final = pairs[m % len(pairs)]
        result += [toggle(key, final, not final), toggle(key, not final, final)]
    return result


def _json_template(data: dict) -> str:
    text = json.dumps(data)
    for key in NUMERIC_PLACEHOLDERS:
        text = text.replace(f'"${{{key}}}"', f"${{{key}}}")
    return text


def templates(profile: Profile, k: int, actor: str, user_id: str | None) -> list[Template]:
    """Exactly `k` events for every number of `profile`, "created" first."""
    steps = _story(profile, actor, user_id)
    while len(steps) > k:
        victim = min(range(1, len(steps)), key=lambda idx: (steps[idx].priority, idx))
        del steps[victim]
    at = next((idx for idx, step in enumerate(steps) if step.late), len(steps))
    steps[at:at] = _fillers(profile, k - len(steps), actor)
    assert len(steps) == k and steps[0].type == EventType.CREATED
    return [
        Template(
            pid=profile.pid,
            k=index + 1,
            type=str(step.type),
            title=step.title,
            details=step.details,
            data=_json_template(step.data),
            actor=step.actor,
            owned=step.owned,
            pos=index * 1000 // k,
            j0=step.j0,
            j1=step.j1,
            den=step.den,
        )
        for index, step in enumerate(steps)
    ]


def render(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def pg_format(text: str) -> str:
    """The same template for PostgreSQL's format(): ${name} → %N$s."""
    order = (*PLACEHOLDERS, *NUMERIC_PLACEHOLDERS)
    text = text.replace("%", "%%")
    return _PLACEHOLDER.sub(lambda match: f"%{order.index(match.group(1)) + 1}$s", text)
