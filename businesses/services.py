"""Every write to businesses and memberships."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from businesses.models import Business, Membership

NAME_REQUIRED = "A business needs a name of 1 to 255 characters."


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 255:
        raise ValidationError({"name": [NAME_REQUIRED]})
    return name


@transaction.atomic
def business_create(*, name: str, acting_user: User | None = None) -> Business:
    return Business.objects.create(name=_clean_name(name))


@transaction.atomic
def membership_add(*, user: User, business: Business) -> Membership:
    membership, _ = Membership.objects.get_or_create(user=user, business=business)
    return membership
