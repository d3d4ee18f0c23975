"""Reads of businesses, always through what the acting user may see."""

from __future__ import annotations

import uuid
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import QuerySet

from accounts.models import User
from businesses.models import Business, Membership
from core.db import compiled

BUSINESS_NOT_FOUND = "No business with this id exists."
BUSINESS_REQUIRED = "Required: your API key can act on {count} businesses, so say which one."
NO_BUSINESS_WITH_ID = "No business has the id {value}."
NO_BUSINESS_NAMED = "No business is named {value!r}."
SEVERAL_BUSINESSES_NAMED = (
    "Several businesses ({count}) are named {value!r}; use the business's id."
)


class BusinessNotFound(ValueError):
    """No business (that the caller may act on) is named so; the message says why."""


class BusinessAmbiguous(BusinessNotFound):
    """Several businesses have the name; only the id tells them apart."""


def business_ids_of(*, user: User) -> QuerySet:
    """Ids of the businesses `user` is a member of, as a subquery."""
    return Membership.objects.filter(user=user).values("business_id")


def business_list(*, user: User) -> QuerySet[Business]:
    """Businesses `user` may act on: all for staff, their memberships otherwise."""
    if user.is_staff:
        return Business.objects.all()
    return Business.objects.filter(id__in=business_ids_of(user=user))


def business_by_id_or_name(*, value: str | uuid.UUID, user: User | None = None) -> Business:
    """The one business `value` names: by its id (a UUID), else by its exact name, else by
    its name in any case. The one look-up of a business typed by a person, for every door
    (the API's businessId, the admin's business filter, the commands' --business).

    `user`: look only among the businesses they may act on (business_list), so an
    inaccessible business is reported exactly like a missing one; None: every business
    (ops scripts and staff tools).

    Raises BusinessNotFound, or BusinessAmbiguous when several have the name.
    """
    businesses = Business.objects.all() if user is None else business_list(user=user)
    business_id = value if isinstance(value, uuid.UUID) else _as_uuid(value)
    if business_id is not None:
        found = businesses.filter(pk=business_id).first()
        if found is None:
            raise BusinessNotFound(NO_BUSINESS_WITH_ID.format(value=business_id))
        return found
    name = str(value).strip()
    for lookup in ("name", "name__iexact"):
        named = businesses.filter(**{lookup: name})
        matches = list(named[:2])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise BusinessAmbiguous(
                SEVERAL_BUSINESSES_NAMED.format(count=named.count(), value=name)
            )
    raise BusinessNotFound(NO_BUSINESS_NAMED.format(value=name))


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        return None


def business_resolve_for_caller(*, user: User, business_id: uuid.UUID | None) -> Business | None:
    """The business a write names, checked against what `user` may act on.

    An inaccessible business is reported exactly like a missing one, so ids of
    other tenants cannot be probed. A non-staff caller of exactly one business may
    omit `businessId` (or send null); staff who do act on no business (unassigned
    inventory).

    Raises ValidationError on `businessId`.
    """
    if business_id is not None:
        try:
            return business_by_id_or_name(user=user, value=business_id)
        except BusinessNotFound:
            raise ValidationError({"businessId": [BUSINESS_NOT_FOUND]}) from None
    if user.is_staff:
        return None
    businesses = _first_two_of(user)
    if len(businesses) == 1:
        return businesses[0]
    count = business_list(user=user).count() if businesses else 0
    raise ValidationError({"businessId": [BUSINESS_REQUIRED.format(count=count)]})


_USER = uuid.UUID("00000000-0000-4000-8000-0000000000a1")


def _first_two_of(user: User) -> list[Business]:
    """Two of the member's businesses (one means it is theirs): asked by nearly every
    request of a tenant's key, so its statement is compiled once (core/db/compiled.py)."""
    using = router.db_for_read(Business)
    found = compiled.instances(
        Business, _first_two_statement(using), {"user": user.pk}, using=using
    )
    return [business for business, _ in found]


@lru_cache(maxsize=8)
def _first_two_statement(using: str) -> compiled.Compiled:
    names = [field.attname for field in Business._meta.concrete_fields]
    members = Membership.objects.filter(user_id=_USER).values("business_id")
    rows = Business.objects.filter(id__in=members).values_list(*names)[:2]
    slot = compiled.Slot("user", _USER, Membership._meta.get_field("user"))
    return compiled.compile_union([rows], [slot], using=using)
