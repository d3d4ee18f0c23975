"""Reads of businesses, always through what the acting user may see."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accounts.models import User
from businesses.models import Business, Membership

BUSINESS_NOT_FOUND = "No business with this id exists."
BUSINESS_REQUIRED = "Required: your API key can act on {count} businesses, so say which one."


def business_ids_of(*, user: User) -> QuerySet:
    """Ids of the businesses `user` is a member of, as a subquery."""
    return Membership.objects.filter(user=user).values("business_id")


def business_list(*, user: User) -> QuerySet[Business]:
    """Businesses `user` may act on: all for staff, their memberships otherwise."""
    if user.is_staff:
        return Business.objects.all()
    return Business.objects.filter(id__in=business_ids_of(user=user))


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
            return business_list(user=user).get(id=business_id)
        except Business.DoesNotExist:
            raise ValidationError({"businessId": [BUSINESS_NOT_FOUND]}) from None
    if user.is_staff:
        return None
    businesses = list(business_list(user=user)[:2])
    if len(businesses) == 1:
        return businesses[0]
    count = business_list(user=user).count() if businesses else 0
    raise ValidationError({"businessId": [BUSINESS_REQUIRED.format(count=count)]})
