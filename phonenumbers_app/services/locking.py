"""Loading a number for a write: row lock, If-Match, and the released check."""

from __future__ import annotations

from django.utils import timezone

from core.errors import PreconditionFailed
from phonenumbers_app.errors import NumberReleased
from phonenumbers_app.models import PhoneNumber

STALE_ETAG = "The number changed since you read it (current ETag {etag}); read it again and retry."


def lock_for_write(
    *, phone_number: PhoneNumber, if_match: list[str] | None, allow_released: bool = False
) -> PhoneNumber:
    """The current row, locked until the transaction ends.

    `if_match`: the entity tags of an If-Match header (["*"] matches any); a stale
    one raises PreconditionFailed (412) before anything else is checked.
    """
    locked = (
        PhoneNumber.objects.select_for_update(of=("self",))
        .select_related("ten_dlc", "billing", "business")
        .get(pk=phone_number.pk)
    )
    if if_match and "*" not in if_match and locked.etag not in if_match:
        raise PreconditionFailed(STALE_ETAG.format(etag=locked.etag), etag=locked.etag)
    if locked.is_released and not allow_released:
        raise NumberReleased(
            number=locked.number, when=locked.provider_released_at or locked.modified_at
        )
    return locked


def touch(phone_number: PhoneNumber) -> None:
    """Mark a locked row as changed: new modified time and version (so a new ETag)."""
    phone_number.modified_at = timezone.now()
    phone_number.version += 1
