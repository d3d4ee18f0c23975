"""What belongs to a number's owner, and clearing it when the number changes owner.

A number outlives its owners: staff return it to the pool, move it to another
business, release it, or an import moves it. Everything a business set up on it
(its team/campaign/source ids, routing and messaging ids, 10DLC registration,
billing, warmup and health, reasons, default/preferred flags) belongs to that
business and must not reach the next one. Every door that changes a number's
business comes through `clear_owner_data`, and its events through
`owner_change_events`, so no door restates the rule.

What the number itself is stays with it: its number, provider, capabilities,
location, status and the staff-only flags of the inventory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.models import User
from businesses.models import Business
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent, TenDlc
from phonenumbers_app.services.events import changes, new_event, snapshot
from phonenumbers_app.vocabularies import EventType

# PhoneNumber fields a business sets up on its number, reset to the model's defaults.
# Warmup state, score and progress stay: they are the number's reputation with
# carriers (staff may warm pool stock before it is sold), not the owner's settings.
OWNER_FIELDS = (
    "team_id",
    "campaign_id",
    "source_id",
    "routing_sms_enabled",
    "routing_voice_enabled",
    "routing_messaging_profile_id",
    "routing_voice_connection_id",
    # The owner's 10DLC application, cleared like the rest of its 10DLC registration.
    # (phone_identity_id, the number's identity at the provider, stays with the number.)
    "routing_ten_dlc_application_id",
    "is_preferred",
    "is_default",
)
# Reasons are the owner's words (they may name its campaigns or people): a neutral
# text replaces them, so a number that stays paused still says why in general terms.
OWNER_REASONS = {
    "warmup_pause_reason": "Paused under a previous owner.",
    "health_reason": "Reported under a previous owner.",
}
# The whole 10DLC registration is the owner's brand and campaign.
TEN_DLC_OWNER_FIELDS = tuple(
    f.attname for f in TenDlc._meta.concrete_fields if f.name != "phone_number"
)
# Who pays follows the owner (set by the change itself); what they pay is cleared.
BILLING_OWNER_FIELDS = ("subscription_item_id", "monthly_amount", "channel")

STAFF_ACTOR = "Support"  # how tenants see staff members' actions
_OWNER_IDS = ("businessId", "userId")


def owner_user(acting_user: User | None) -> User | None:
    """The user a number is for when `acting_user` gives it to a business.

    A tenant's own user; never a staff member (staff identities are not shown to
    tenants), nor an import or the system.
    """
    if acting_user is None or acting_user.is_staff:
        return None
    return acting_user


def _default(model: type, name: str) -> Any:
    return model._meta.get_field(name).get_default()


@dataclass
class Cleared:
    """What `clear_owner_data` changed: the fields by model, and before → after."""

    phone_fields: list[str] = field(default_factory=list)
    ten_dlc_fields: list[str] = field(default_factory=list)
    billing_fields: list[str] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.after)


def clear_owner_data(phone_number: PhoneNumber, *, rename: bool = True) -> Cleared:
    """Reset, in memory, everything the current owner set up on a (locked) number.

    The number, its `ten_dlc` and its `billing` are changed but not saved: the caller
    saves the fields listed in the result with the rest of its change. `rename`: the
    owner's label goes too (replaced by the number itself); a released number keeps it,
    since it stays in its last owner's history.
    """
    cleared = Cleared()
    parts: list[tuple[Any, tuple[str, ...], list[str], str]] = [
        (phone_number, OWNER_FIELDS, cleared.phone_fields, ""),
        (phone_number.ten_dlc, TEN_DLC_OWNER_FIELDS, cleared.ten_dlc_fields, "tenDlc"),
        (phone_number.billing, BILLING_OWNER_FIELDS, cleared.billing_fields, "billing"),
    ]
    for instance, names, changed, prefix in parts:
        before = snapshot(instance, names, prefix)
        for name in names:
            blank = _default(type(instance), name)
            if getattr(instance, name) != blank:
                setattr(instance, name, blank)
                changed.append(name)
        if instance is phone_number:
            before.update(snapshot(phone_number, tuple(OWNER_REASONS)))
            for name, neutral in OWNER_REASONS.items():
                if getattr(phone_number, name) not in (None, "", neutral):
                    setattr(phone_number, name, neutral)
                    changed.append(name)
            names = (*names, *OWNER_REASONS)
        diff = changes(before, snapshot(instance, names, prefix))
        cleared.before.update(diff["before"])
        cleared.after.update(diff["after"])
    if rename and phone_number.name != phone_number.number:
        cleared.before["name"], cleared.after["name"] = phone_number.name, phone_number.number
        phone_number.name = phone_number.number
        cleared.phone_fields.append("name")
    return cleared


def owner_change_events(
    phone_number: PhoneNumber,
    *,
    previous: Business | None,
    before: dict[str, Any],
    cleared: dict[str, Any],
    after: dict[str, Any],
    acting_user: User | None,
    actor_name: str,
    title: str | None = None,
) -> list[PhoneNumberEvent]:
    """The events of a change of owner, each in the history of the business it concerns.

    `before`, `cleared` and `after` are snapshots (API names) of the same fields: before
    the change, once the previous owner's data was cleared, and after the change.

    - The previous owner's history (or the pool's, staff only) gets what left it: its
      data before → cleared, and `businessId` → null. Nothing of the new owner.
    - The new owner's history gets the number arriving from the pool: `businessId`
      null → it, and its own changes from blank values, so it never sees the previous
      owner's data.
    """
    new = phone_number.business
    events: list[PhoneNumberEvent] = []
    left = changes(before, after if new is None else cleared)
    if previous is not None:
        left["before"]["businessId"], left["after"]["businessId"] = str(previous.pk), None
    if left["after"]:
        if new is None:
            leave_title, verb = "Returned to the inventory pool", "returned {number} to the pool"
        elif previous is None:  # pool stock: its claim order, or leftovers of old data
            leave_title = "Cleared for its new owner"
            verb = "cleared what was set up on {number} before it was assigned"
        else:
            leave_title, verb = "Moved to another business", "moved {number} to another business"
        events.append(
            new_event(
                phone_number=phone_number,
                business=previous,
                type=EventType.UNASSIGNED,
                title=leave_title,
                details=f"{actor_name} {verb.format(number=phone_number.number)}.",
                acting_user=acting_user,
                actor_name=actor_name,
                data=left,
            )
        )
    if new is not None:
        # From the pool's blank state: nobody's business, user or billing.
        pool = {key: None for key in _OWNER_IDS if key in cleared}
        arrived = changes({**cleared, **pool}, after)
        events.append(
            new_event(
                phone_number=phone_number,
                business=new,
                type=EventType.ASSIGNED,
                title=title or f"Moved to {new.name}",
                details=f"{actor_name} assigned {phone_number.number} to {new.name}.",
                acting_user=acting_user,
                actor_name=actor_name,
                data=arrived,
            )
        )
    return events


def owner_snapshot_fields(target_fields: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The PhoneNumber, TenDlc and Billing fields a change of owner snapshots."""
    phone = (*target_fields, "business_id", "user_id", *OWNER_FIELDS, *OWNER_REASONS, "name")
    phone = tuple(dict.fromkeys(phone))
    return phone, TEN_DLC_OWNER_FIELDS, BILLING_OWNER_FIELDS
