"""The one table of allowed inventoryState and status changes.

Staying in the same state is always allowed (a no-op). Released is terminal: a
released number keeps its row and history, and the same E.164 number can be
created again as a new row.
"""

from __future__ import annotations

from phonenumbers_app.vocabularies import InventoryState as S
from phonenumbers_app.vocabularies import PhoneNumberStatus as P

INVENTORY_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.AVAILABLE: (
        S.ASSIGNED,
        S.PENDING_VERIFICATION,
        S.RESTRICTED,
        S.SUSPENDED,
        S.FAILED,
        S.WARMUP_ONLY,
        S.INTERNAL_TEST_ONLY,
        S.RELEASED,
    ),
    S.ASSIGNED: (
        S.AVAILABLE,
        S.PENDING_VERIFICATION,
        S.READY_FOR_SMS,
        S.READY_FOR_VOICE,
        S.RESTRICTED,
        S.SUSPENDED,
        S.FAILED,
        S.WARMUP_ONLY,
        S.INTERNAL_TEST_ONLY,
        S.RELEASED,
    ),
    S.PENDING_VERIFICATION: (
        S.AVAILABLE,
        S.ASSIGNED,
        S.READY_FOR_SMS,
        S.READY_FOR_VOICE,
        S.RESTRICTED,
        S.SUSPENDED,
        S.FAILED,
        S.RELEASED,
    ),
    S.READY_FOR_SMS: (
        S.AVAILABLE,
        S.ASSIGNED,
        S.READY_FOR_VOICE,
        S.RESTRICTED,
        S.SUSPENDED,
        S.WARMUP_ONLY,
        S.RELEASED,
    ),
    S.READY_FOR_VOICE: (
        S.AVAILABLE,
        S.ASSIGNED,
        S.READY_FOR_SMS,
        S.RESTRICTED,
        S.SUSPENDED,
        S.WARMUP_ONLY,
        S.RELEASED,
    ),
    S.RESTRICTED: (S.AVAILABLE, S.ASSIGNED, S.PENDING_VERIFICATION, S.SUSPENDED, S.RELEASED),
    S.SUSPENDED: (S.AVAILABLE, S.ASSIGNED, S.RESTRICTED, S.RELEASED),
    S.FAILED: (S.AVAILABLE, S.PENDING_VERIFICATION, S.RELEASED),
    S.WARMUP_ONLY: (
        S.AVAILABLE,
        S.ASSIGNED,
        S.READY_FOR_SMS,
        S.READY_FOR_VOICE,
        S.RESTRICTED,
        S.SUSPENDED,
        S.RELEASED,
    ),
    S.INTERNAL_TEST_ONLY: (S.AVAILABLE, S.ASSIGNED, S.RELEASED),
    S.RELEASED: (),
}

STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    P.UNREGISTERED: (P.PROVISIONING, P.FAILED_PROVISIONING, P.ACTIVE),
    P.PROVISIONING: (P.ACTIVE, P.FAILED_PROVISIONING, P.UNREGISTERED),
    P.FAILED_PROVISIONING: (P.PROVISIONING, P.UNREGISTERED),
    P.ACTIVE: (P.SUSPENDED, P.EXPIRED),
    P.SUSPENDED: (P.ACTIVE, P.EXPIRED),
    P.EXPIRED: (P.PROVISIONING, P.UNREGISTERED),
}


def inventory_state_allowed(current: str, new: str) -> bool:
    return new == current or new in INVENTORY_TRANSITIONS[current]


def status_allowed(current: str, new: str) -> bool:
    return new == current or new in STATUS_TRANSITIONS[current]


def move_targets(current: str) -> list[str]:
    """The states an operator's "Move to a state" offers from `current`: the table's,
    without Released (releasing is its own action, with its own warning)."""
    return [s for s in INVENTORY_TRANSITIONS[current] if s != S.RELEASED]
