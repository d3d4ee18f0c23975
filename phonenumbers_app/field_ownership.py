"""Who may write which field of a phone number: the one table every door consults.

Keys are the API's field names, as events and errors spell them (`api_name` in
services/events.py). Owners:

- TENANT: the business's own settings; a tenant's key writes them (and staff).
- STAFF: inventory, provider, carrier (10DLC), billing and warmup facts; only staff and the
  staff doors (admin, /ops, the import) write them. The warmup engine computes the warmup
  and health ones (warmup/services/engine.py, actor "System"); a staff write is an override,
  recorded as that person's event. Tenants never write them.
- SYSTEM: shown in the representation but written by no door: identity, timestamps, and
  what follows from other writes.

A writer may write the fields it owns and those of every owner below it
(TENANT < STAFF < SYSTEM). A field missing from the table is SYSTEM: nothing new becomes
writable by a tenant by accident.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.models import User


class Owner(enum.IntEnum):
    TENANT = 1
    STAFF = 2
    SYSTEM = 3


TENANT, STAFF, SYSTEM = Owner.TENANT, Owner.STAFF, Owner.SYSTEM

FIELD_OWNERS: dict[str, Owner] = {
    # --- The tenant's own settings ---------------------------------------------------------
    "name": TENANT,
    "enabled": TENANT,  # the tenant may stop using its number; inventory state stays staff's
    "businessId": TENANT,  # between businesses of the key (the door checks); null: see below
    "teamId": TENANT,  # the tenant's CRM ids, mirrored in routing
    "campaignId": TENANT,
    "sourceId": TENANT,
    "routing.smsEnabled": TENANT,
    "routing.voiceEnabled": TENANT,
    "isDefault": TENANT,
    "isPreferred": TENANT,
    "warmupEnabled": TENANT,  # opting in or out; the warmup's state and scores are staff's
    # --- Staff: what the provider, the carriers, billing and warmup say ----------------------
    "inventoryState": STAFF,
    "status": STAFF,
    "provider": STAFF,  # provider fields: staff through the import, later the provider sync
    "providerPhoneNumberId": STAFF,
    "providerOrderId": STAFF,
    "providerOrderStatus": STAFF,
    "providerStatus": STAFF,
    "providerError": STAFF,
    "capabilities.sms": STAFF,  # what the provider lets the number do, not a preference
    "capabilities.voice": STAFF,
    "capabilities.warmup": STAFF,
    "capabilities.testing": STAFF,
    # Routing flags that mirror the Warmup-only and Internal/test-only inventory states:
    # clearing them would put a number staff kept back into real traffic.
    "routing.warmupOnly": STAFF,
    "routing.internalTestOnly": STAFF,
    # Provider configuration: the messaging profile carries the 10DLC campaign.
    "routing.messagingProfileId": STAFF,
    "routing.voiceConnectionId": STAFF,
    # The seed's published document's: the owner's 10DLC application (carrier registration).
    "routing.tenDlcApplicationId": STAFF,
    "isInternalPool": STAFF,  # the import's; the API never writes it
    "location.location": STAFF,  # the geocoder's guess; staff may correct it through the import
    "location.state": STAFF,
    "location.countryCode": STAFF,
    "warmupState": STAFF,
    "healthStatus": STAFF,
    "warmupHealthScore": STAFF,
    "warmupProgressPercent": STAFF,
    "warmupNextActionAt": STAFF,
    # As a field; tenants set it through POST .../warmup/pause, an operation, not a field write.
    "warmupPauseReason": STAFF,
    "healthReason": STAFF,
    "tenDlc.brandId": STAFF,
    "tenDlc.campaignId": STAFF,
    "tenDlc.campaignStatus": STAFF,
    "tenDlc.assignmentStatus": STAFF,
    "tenDlc.messagingProfileId": STAFF,
    "tenDlc.statusUpdatedAt": STAFF,
    "tenDlc.failureReason": STAFF,
    "tenDlc.lastProviderEventId": STAFF,
    "billing.subscriptionItemId": STAFF,
    "billing.monthlyAmount": STAFF,
    "billing.channel": STAFF,
    # --- System: shown, never written by a door ------------------------------------------------
    "id": SYSTEM,
    "number": SYSTEM,  # a different number is a different row: release and create another
    "phoneIdentityId": SYSTEM,  # the provider's identity of the number (the provider sync's)
    "userId": SYSTEM,  # who took the number for its business, set by the change of owner
    "leadpingOwned": SYSTEM,
    "providerSyncedAt": SYSTEM,
    "providerReleasedAt": SYSTEM,  # set by release (DELETE), or when the provider confirms it
    "isApprovedTestDestination": SYSTEM,
    "isMessagingProgramApproved": SYSTEM,
    "billing.businessId": SYSTEM,  # billing follows the owner (businessId)
    "billing.userId": SYSTEM,
    "createdAt": SYSTEM,
    "modifiedAt": SYSTEM,
}

# Values of a TENANT field that only staff may set. A null businessId returns the number to
# the pool: that takes it from the tenant altogether, which is staff's decision.
STAFF_ONLY_VALUES: dict[str, tuple[Any, ...]] = {"businessId": (None,)}

NOT_WRITABLE = {
    STAFF: "Only a staff key may change this field.",
    SYSTEM: "Set by the system; no request changes it.",
}
STAFF_ONLY_VALUE = "Only a staff key may set this field to {value}."


def writer_for(acting_user: User | None) -> Owner:
    """Whom a write acts as: a staff user as STAFF, any other user as TENANT.

    No user is a staff door that names none: the import command without --user, which only
    an operator on the server can run.
    """
    if acting_user is None or acting_user.is_staff:
        return STAFF
    return TENANT


def owner_of(field: str) -> Owner:
    return FIELD_OWNERS.get(field, SYSTEM)


def owned_by(owner: Owner) -> list[str]:
    """The fields `owner` owns, in the table's order."""
    return [field for field, each in FIELD_OWNERS.items() if each == owner]


def not_writable(changes: Mapping[str, Any], writer: Owner) -> dict[str, list[str]]:
    """{field: [why]} for each of `changes` (field → new value) that `writer` may not make.

    Pass only the fields whose value would change: a client that sends back a whole
    representation repeats staff fields unchanged, and that is not a write of them.
    """
    refused: dict[str, list[str]] = {}
    for field, value in changes.items():
        owner = owner_of(field)
        if owner > writer:
            refused[field] = [NOT_WRITABLE[owner]]
        elif writer < STAFF and value in STAFF_ONLY_VALUES.get(field, ()):
            shown = "null" if value is None else repr(value)
            refused[field] = [STAFF_ONLY_VALUE.format(value=shown)]
    return refused
