"""Holding an update to the field-ownership table (phonenumbers_app/field_ownership.py)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from businesses.models import Business
from phonenumbers_app.errors import FieldNotWritable
from phonenumbers_app.field_ownership import not_writable, writer_for
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services.events import api_name


def _changed(current: Any, values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{api name: new value} of the `values` that differ from `current`'s."""
    return {
        api_name(field, prefix): value
        for field, value in values.items()
        if getattr(current, field) != value
    }


def check_fields_writable(
    current: PhoneNumber,
    *,
    acting_user: User | None,
    fields: dict[str, Any],
    ten_dlc: dict[str, Any],
    billing: dict[str, Any],
    business: object,
) -> None:
    """Raise FieldNotWritable naming every field of the update `acting_user` may not write.

    Only values that would change count (see field_ownership.not_writable); `current` is
    the row as the write will see it (locked, in phone_number_update). `business` is the
    new owner, None for the pool, or anything else (services.UNSET) to keep it. Call after
    validation: an invalid value is a 400 whoever owns the field.
    """
    changes = _changed(current, fields)
    if ten_dlc:
        changes.update(_changed(current.ten_dlc, ten_dlc, "tenDlc"))
    if billing:
        changes.update(_changed(current.billing, billing, "billing"))
    if business is None or isinstance(business, Business):
        new_id = business.pk if business is not None else None
        if new_id != current.business_id:
            changes["businessId"] = new_id
    refused = not_writable(changes, writer_for(acting_user))
    if refused:
        raise FieldNotWritable(errors=refused)
