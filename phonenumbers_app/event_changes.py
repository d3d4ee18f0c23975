"""What an event changed, field by field: the one reading of `PhoneNumberEvent.data`.

Every service records an event's values as {"before": {...}, "after": {...}} keyed by
the API's field names (services/events.py; the warmup engine adds `warmup.planDay` and
`warmup.pacingStatus`, a plan change `warmupPlan`; a creation or an import has only
"after"). The /ops number page, the admin and the API all read them here, so none of them
restates which fields exist, what they are called for people, or how a value reads:

- `raw_changes(data)`: [(field, before, after)] as stored, for the API's `changes`;
- `event_changes(event)` / `changes_by_event(events)`: [Change(field, label, before,
  after)] with labels and values for people ("Inventory state", "Yes", "12.50 USD",
  business and user names), for the staff pages.

Fields come in one fixed order (FIELD_LABELS', then any unknown ones by name): PostgreSQL's
jsonb does not keep the order the keys were written in.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

from core.staff_time import moment_text, money_text
from phonenumbers_app.field_ownership import FIELD_OWNERS

EMPTY = "—"
NO_PLAN = "Business's or default plan"

# API field name → its label for people, in the order a change lists them (the
# representation's order: identity, ownership, the tenant's settings, inventory and
# provider, routing, warmup, 10DLC, billing).
FIELD_LABELS: dict[str, str] = {
    "number": "Number",
    "name": "Name",
    "businessId": "Business",
    "userId": "User",
    "enabled": "Enabled",
    "inventoryState": "Inventory state",
    "status": "Status",
    "isDefault": "Default number",
    "isPreferred": "Preferred number",
    "teamId": "Team ID",
    "campaignId": "Campaign ID",
    "sourceId": "Source ID",
    "provider": "Provider",
    "providerPhoneNumberId": "Provider number ID",
    "providerOrderId": "Provider order ID",
    "providerOrderStatus": "Provider order status",
    "providerStatus": "Provider status",
    "providerError": "Provider error",
    "providerSyncedAt": "Synced with the provider",
    "providerReleasedAt": "Released at the provider",
    "phoneIdentityId": "Phone identity ID",
    "leadpingOwned": "Leadping-owned",
    "isInternalPool": "Internal pool",
    "isApprovedTestDestination": "Approved test destination",
    "isMessagingProgramApproved": "Messaging program approved",
    "capabilities.sms": "SMS capable",
    "capabilities.voice": "Voice capable",
    "capabilities.warmup": "Warmup capable",
    "capabilities.testing": "Testing capable",
    "routing.smsEnabled": "SMS routing",
    "routing.voiceEnabled": "Voice routing",
    "routing.warmupOnly": "Warmup-only routing",
    "routing.internalTestOnly": "Internal/test-only routing",
    "routing.messagingProfileId": "Messaging profile ID",
    "routing.voiceConnectionId": "Voice connection ID",
    "routing.tenDlcApplicationId": "10DLC application ID",
    "location.location": "Location",
    "location.state": "Location state",
    "location.countryCode": "Country code",
    "warmupEnabled": "Warmup enabled",
    "warmupPlan": "Warmup plan",
    "warmupState": "Warmup state",
    "healthStatus": "Health status",
    "warmupHealthScore": "Health score",
    "warmupProgressPercent": "Warmup progress",
    "warmupNextActionAt": "Next warmup action",
    "warmupPauseReason": "Warmup pause reason",
    "healthReason": "Health reason",
    "warmup.planDay": "Plan day",
    "warmup.pacingStatus": "Pacing status",
    "tenDlc.brandId": "10DLC brand ID",
    "tenDlc.campaignId": "10DLC campaign ID",
    "tenDlc.campaignStatus": "10DLC campaign status",
    "tenDlc.assignmentStatus": "10DLC assignment status",
    "tenDlc.messagingProfileId": "10DLC messaging profile ID",
    "tenDlc.statusUpdatedAt": "10DLC status updated",
    "tenDlc.failureReason": "10DLC failure reason",
    "tenDlc.lastProviderEventId": "10DLC last provider event ID",
    "billing.subscriptionItemId": "Billing subscription item ID",
    "billing.monthlyAmount": "Monthly amount",
    "billing.channel": "Billing channel",
    "billing.businessId": "Billed business",
    "billing.userId": "Billed user",
    "createdAt": "Created",
    "modifiedAt": "Modified",
}
_ORDER = {field: position for position, field in enumerate(FIELD_LABELS)}

# The fields a tenant may read in its events' changes: everything its number's
# representation shows (field_ownership's table is the representation's fields), and
# what its /warmup answer shows (plan, plan day, pacing status). Anything else an event
# may carry is staff's (selectors.events_as_seen_by drops it for tenants).
TENANT_READABLE = frozenset(FIELD_OWNERS) | {"warmupPlan", "warmup.planDay", "warmup.pacingStatus"}
# Values that are a user's id (tenants must not learn a staff member's).
USER_FIELDS = ("userId", "billing.userId")

_DATETIME_FIELDS = frozenset(
    {
        "providerSyncedAt",
        "providerReleasedAt",
        "warmupNextActionAt",
        "tenDlc.statusUpdatedAt",
        "createdAt",
        "modifiedAt",
    }
)
_MONEY_FIELDS = frozenset({"billing.monthlyAmount"})
_PERCENT_FIELDS = frozenset({"warmupProgressPercent"})
_BUSINESS_FIELDS = ("businessId", "billing.businessId")
_PLAN_FIELDS = ("warmupPlan",)


@dataclass(frozen=True)
class Change:
    """One field an event changed, for people: "Inventory state: Available → Assigned"."""

    field: str  # the API's name, e.g. "tenDlc.campaignStatus"
    label: str  # e.g. "10DLC campaign status"
    before: str
    after: str


@dataclass(frozen=True)
class Names:
    """Names of the ids events hold, looked up once for a page of events."""

    businesses: Mapping[str, str]
    users: Mapping[str, str]
    plans: Mapping[str, str]


NO_NAMES = Names({}, {}, {})


def _sides(data: Any) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    if not isinstance(data, Mapping):
        return {}, {}
    before, after = data.get("before"), data.get("after")
    return (
        before if isinstance(before, Mapping) else {},
        after if isinstance(after, Mapping) else {},
    )


def _sort_key(field: str) -> tuple[int, str]:
    return _ORDER.get(field, len(_ORDER)), field


def raw_changes(data: Any) -> list[tuple[str, Any, Any]]:
    """[(field, before, after)] of an event's data, values as stored (JSON), in the fixed
    field order. A side that does not name a field (a creation has no "before") is None."""
    before, after = _sides(data)
    fields = sorted({*before, *after}, key=_sort_key)
    return [(field, before.get(field), after.get(field)) for field in fields]


def label(field: str) -> str:
    """The label of an API field name; an unknown one spelled out from its camelCase."""
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", field.replace(".", " ")).lower()
    words = words.replace("ten dlc", "10DLC")
    return words[:1].upper() + words[1:]


def in_a_sentence(field: str) -> str:
    """The label inside a sentence: "Updated name, 10DLC campaign status, SMS routing"."""
    text = label(field)
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _datetime_text(value: Any) -> str | None:
    moment = value if isinstance(value, datetime.datetime) else None
    if moment is None and isinstance(value, str):
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        return None
    return moment_text(moment)


def _money_text(value: Any) -> str | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return money_text(amount)


def _name_of(field: str, value: Any, names: Names) -> str | None:
    key = str(value)
    if field in _BUSINESS_FIELDS:
        return names.businesses.get(key)
    if field in USER_FIELDS:
        return names.users.get(key)
    if field in _PLAN_FIELDS:
        return names.plans.get(key)
    return None


def value_text(field: str, value: Any, names: Names = NO_NAMES) -> str:
    """One stored value of `field` as people read it."""
    if value is None or value == "":
        return NO_PLAN if field in _PLAN_FIELDS else EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field in _DATETIME_FIELDS and (text := _datetime_text(value)):
        return text
    if field in _MONEY_FIELDS and (text := _money_text(value)):
        return text
    if field in _PERCENT_FIELDS:
        return f"{value}%"
    if name := _name_of(field, value, names):
        return name
    if isinstance(value, list | dict):
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return str(value)


def event_changes(event: Any, names: Names = NO_NAMES) -> list[Change]:
    """The changes of one event (or of its `data` mapping) for people. `names`: of the
    businesses, users and plans its values name (changes_by_event looks them up)."""
    data = getattr(event, "data", event)
    return [
        Change(field, label(field), value_text(field, old, names), value_text(field, new, names))
        for field, old, new in raw_changes(data)
    ]


def changes_by_event(events: Iterable[Any]) -> dict[Any, list[Change]]:
    """{event id: its changes} for a page of events, the names of the businesses, users
    and plans they mention read in at most three queries whatever the page's size."""
    events = list(events)
    names = _names(events)
    return {event.pk: event_changes(event, names) for event in events}


def _ids(events: list[Any], fields: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for event in events:
        for field, old, new in raw_changes(event.data):
            if field in fields:
                found.update(str(v) for v in (old, new) if _is_uuid(v))
    return found


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return value is not None


def _names(events: list[Any]) -> Names:
    # Imported here: warmup's models import this app's.
    from accounts.models import User
    from businesses.models import Business
    from warmup.models import WarmupPlan

    def lookup(model, ids: set[str], name) -> dict[str, str]:
        if not ids:
            return {}
        return {str(obj.pk): name(obj) for obj in model.objects.filter(pk__in=ids)}

    return Names(
        businesses=lookup(Business, _ids(events, _BUSINESS_FIELDS), lambda b: b.name),
        users=lookup(User, _ids(events, USER_FIELDS), lambda u: u.display_name),
        plans=lookup(WarmupPlan, _ids(events, _PLAN_FIELDS), lambda p: p.name),
    )


def user_ids_named(events: Iterable[Any]) -> set[str]:
    """The user ids events' values name (`userId`, `billing.userId`)."""
    return _ids(list(events), USER_FIELDS)


def data_for_tenant(
    data: Any, *, staff_actor_name: str | None, staff_user_ids: frozenset[str] | set[str]
) -> dict[str, Any]:
    """An event's data as a tenant may read it (a new dict; the event's is untouched):

    - only fields of TENANT_READABLE (anything else an event carries is staff's);
    - a staff member's user id becomes null (a change that then changes nothing goes);
    - the staff actor's name inside a value becomes "Support", as in the details.
    """
    from phonenumbers_app.services.ownership import STAFF_ACTOR

    def shown(field: str, value: Any) -> Any:
        if field in USER_FIELDS and value is not None and str(value) in staff_user_ids:
            return None
        if staff_actor_name and isinstance(value, str):
            return value.replace(staff_actor_name, STAFF_ACTOR)
        return value

    stored_before, stored_after = _sides(data)
    before, after = {}, {}
    for field, old, new in raw_changes(data):
        if field not in TENANT_READABLE:
            continue
        old, new = shown(field, old), shown(field, new)
        if old == new and field in USER_FIELDS:
            continue
        # Each side keeps only the fields it had (a creation has no "before").
        if field in stored_before:
            before[field] = old
        if field in stored_after:
            after[field] = new
    return {"before": before, "after": after}
