"""Every write to businesses and memberships."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from businesses.models import Business, Membership
from core.errors import Conflict

NAME_REQUIRED = "A business needs a name of 1 to 255 characters."
BUSINESS_HAS_NUMBERS = (
    "{name} has {count} phone number(s), released ones included; they keep its history, "
    "so it cannot be deleted."
)


class BusinessNotEmpty(Conflict):
    problem_type = "business-not-empty"
    title = "The business still has phone numbers"


def _clean_name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= 255:
        raise ValidationError({"name": [NAME_REQUIRED]})
    return name


@transaction.atomic
def business_create(*, name: str, acting_user: User | None = None) -> Business:
    return Business.objects.create(name=_clean_name(name))


@transaction.atomic
def business_update(*, business: Business, name: str, acting_user: User | None = None) -> Business:
    name = _clean_name(name)
    locked = Business.objects.select_for_update().get(pk=business.pk)
    if locked.name != name:
        locked.name = name
        locked.modified_at = timezone.now()
        locked.save(update_fields=["name", "modified_at"])
    return locked


@transaction.atomic
def business_delete(*, business: Business, acting_user: User | None = None) -> None:
    """Delete a business without numbers (its memberships go with it)."""
    locked = Business.objects.select_for_update().get(pk=business.pk)
    # The reverse relation is declared by phonenumbers_app, which depends on this app.
    count = locked.phone_numbers.count()
    if count:
        raise BusinessNotEmpty(BUSINESS_HAS_NUMBERS.format(name=locked.name, count=count))
    locked.delete()


@transaction.atomic
def membership_add(*, user: User, business: Business) -> Membership:
    membership, _ = Membership.objects.get_or_create(user=user, business=business)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    Membership.objects.filter(pk=membership.pk).delete()
