"""Row builders: one column specification per table, read by both loading paths."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bench.load_data.numbers import Block
from bench.load_data.plan import Plan, sql_literal
from bench.load_data.profiles import Profile
from bench.load_data.templates import Template, render
from bench.load_data.vocabulary import KIND_EVENT, KIND_NUMBER, generated_id, id_sql
from phonenumbers_app.models import Billing, PhoneNumber, TenDlc


@dataclass
class Ctx:
    plan: Plan
    row: dict[str, Any]
    profile: Profile
    business: dict[str, Any] | None
    block: Block


@dataclass(frozen=True)
class Col:
    sql: str
    py: Callable[[Ctx], Any]


def _row(key: str) -> Col:
    return Col(f"r.{key}", lambda c: c.row[key])


def _prof(key: str) -> Col:
    return Col(f"p.{key}", lambda c: getattr(c.profile, key))


def _blk(key: str) -> Col:
    return Col(f"k.{key}", lambda c: getattr(c.block, key))


def _biz(key: str, when: str | None = None) -> Col:
    sql = f"b.{key}" if when is None else f"CASE WHEN p.{when} THEN b.{key} END"
    return Col(
        sql,
        lambda c: (
            c.business[key]
            if c.business is not None and (when is None or getattr(c.profile, when))
            else None
        ),
    )


def _owner_user() -> Col:
    # The generated actor is staff, and a staff member is never the user a number is
    # for (services.ownership.owner_user): generated numbers have no user.
    return Col("NULL::uuid", lambda c: None)


def _time(key: str) -> Col:
    return Col(
        "{start} + r." + key + " * INTERVAL '1 microsecond'",
        lambda c: None if c.row[key] is None else c.plan.start + timedelta(microseconds=c.row[key]),
    )


def _const(value: Any) -> Col:
    return Col(sql_literal(value), lambda c: value)


NUMBER_COLUMNS: dict[str, Col] = {
    "id": Col(id_sql(KIND_NUMBER, "r.i"), lambda c: generated_id(KIND_NUMBER, c.row["i"])),
    "created_at": _time("created_us"),
    "modified_at": _time("modified_us"),
    "number": _row("number"),
    "name": _row("name"),
    # Nothing sets these yet (the provider sync and the 10DLC applications will).
    "phone_identity_id": Col("NULL::varchar", lambda c: None),
    "business_id": _biz("id"),
    "user_id": _owner_user(),
    "team_id": _biz("team_id"),
    "campaign_id": _biz("crm_campaign_id"),
    "source_id": _row("source"),
    "leadping_owned": _prof("leadping_owned"),
    "provider": Col("r.prov", lambda c: c.row["provider"]),
    "provider_phone_number_id": _row("provider_phone_number_id"),
    "provider_order_id": _row("provider_order_id"),
    "provider_order_status": _prof("provider_order_status"),
    "provider_status": _prof("provider_status"),
    "provider_error": _prof("provider_error"),
    "provider_synced_at": _time("synced_us"),
    "provider_released_at": _time("released_us"),
    "inventory_state": _prof("inventory_state"),
    "status": _prof("status"),
    "enabled": _prof("enabled"),
    "capability_sms": _prof("capability_sms"),
    "capability_voice": _prof("capability_voice"),
    "capability_warmup": _prof("capability_warmup"),
    "capability_testing": _prof("capability_testing"),
    "routing_sms_enabled": _prof("routing_sms_enabled"),
    "routing_voice_enabled": _prof("routing_voice_enabled"),
    "routing_warmup_only": _prof("routing_warmup_only"),
    "routing_internal_test_only": _prof("routing_internal_test_only"),
    "routing_messaging_profile_id": _biz("messaging_profile_id", "routing_sms_enabled"),
    "routing_voice_connection_id": _biz("voice_connection_id", "routing_voice_enabled"),
    "routing_ten_dlc_application_id": Col("NULL::varchar", lambda c: None),
    "is_preferred": _row("preferred"),
    "is_default": _const(False),  # set afterwards: the first eligible number of a business
    "is_internal_pool": _prof("is_internal_pool"),
    "is_approved_test_destination": _prof("is_approved_test_destination"),
    "is_messaging_program_approved": _prof("is_messaging_program_approved"),
    "location_description": _blk("location_description"),
    "location_state": _blk("location_state"),
    "location_country_code": _const("US"),
    "warmup_enabled": _prof("warmup_enabled"),
    "warmup_state": _prof("warmup_state"),
    "health_status": _prof("health_status"),
    "warmup_health_score": _row("score"),
    "warmup_progress_percent": _row("progress"),
    "warmup_next_action_at": _time("next_us"),
    "warmup_pause_reason": _prof("warmup_pause_reason"),
    "health_reason": _prof("health_reason"),
    "version": Col("{version}", lambda c: c.plan.events_per_number),
}

TEN_DLC_COLUMNS: dict[str, Col] = {
    "phone_number_id": NUMBER_COLUMNS["id"],
    "brand_id": _biz("brand_id", "submitted"),
    "campaign_id": _biz("tcr_campaign_id", "submitted"),
    "campaign_status": _prof("campaign_status"),
    "assignment_status": _prof("assignment_status"),
    "messaging_profile_id": _biz("messaging_profile_id", "submitted"),
    "status_updated_at": _time("tendlc_us"),
    "failure_reason": _prof("failure_reason"),
    "last_provider_event_id": _row("last_provider_event_id"),
}

BILLING_COLUMNS: dict[str, Col] = {
    "phone_number_id": NUMBER_COLUMNS["id"],
    "business_id": _biz("id"),
    "user_id": _owner_user(),
    "subscription_item_id": _row("subscription_item_id"),
    "monthly_amount": _prof("monthly_amount"),
    "channel": _prof("channel"),
}


def check_specs() -> None:
    """Every concrete column of each model has exactly one spec."""
    for model, columns in (
        (PhoneNumber, NUMBER_COLUMNS),
        (TenDlc, TEN_DLC_COLUMNS),
        (Billing, BILLING_COLUMNS),
    ):
        names = {f.attname for f in model._meta.concrete_fields}
        assert names == set(columns), (model.__name__, names ^ set(columns))


def event_values(plan: Plan, ctx: Ctx, t: Template) -> dict[str, Any]:
    row, business = ctx.row, ctx.business
    values = {
        "number": row["number"],
        "name": row["name"],
        "pool_name": row["pool_name"],
        "business_id": str(business["id"]) if business else "",
        "business_name": business["name"] if business else "",
        "p0": str(row["progress"] * t.j0 // t.den),
        "p1": str(row["progress"] * t.j1 // t.den),
        "s0": str(row["score"] * t.j0 // t.den),
        "s1": str(row["score"] * t.j1 // t.den),
    }
    at = row["created_us"] + row["span_us"] * t.pos // 1000
    k = plan.events_per_number
    return {
        "id": generated_id(KIND_EVENT, row["i"] * k + t.k - 1),
        "phone_number_id": generated_id(KIND_NUMBER, row["i"]),
        "type": t.type,
        "title": render(t.title, values),
        "details": render(t.details, values),
        "actor_id": plan.user_id if t.actor else None,
        "actor_name": plan.actor_name if t.actor else None,
        "actor_is_staff": t.actor,  # the generated actor is staff
        "business_id": business["id"] if business and t.owned else None,
        "data": json.loads(render(t.data, values)),
        "created_at": plan.start + timedelta(microseconds=at),
    }
