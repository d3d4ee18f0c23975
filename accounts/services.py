from __future__ import annotations

from django.db import transaction

from accounts.models import User, UserAPIKey


@transaction.atomic
def user_get_or_create(*, username: str, is_staff: bool = False) -> tuple[User, bool]:
    """The user called `username`, created without a usable password if missing.

    `is_staff` only ever promotes: an existing staff user is never demoted here.
    """
    user, created = User.objects.get_or_create(username=username)
    changed = created
    if created:
        user.set_unusable_password()
    if is_staff and not user.is_staff:
        user.is_staff = True
        changed = True
    if changed:
        user.save()
    return user, created


@transaction.atomic
def api_key_create(*, user: User, name: str) -> tuple[UserAPIKey, str]:
    """A new key for `user`; returns the stored row and the key, which is never stored."""
    return UserAPIKey.objects.create_key(user=user, name=name)


@transaction.atomic
def api_key_revoke(*, prefix: str) -> UserAPIKey:
    api_key = UserAPIKey.objects.select_for_update().get(prefix=prefix)
    if not api_key.revoked:
        api_key.revoked = True
        api_key.save(update_fields=["revoked"])
    return api_key


@transaction.atomic
def user_set_password(*, user: User, password: str) -> None:
    """Give `user` this password (hashed); their other fields stay as they are."""
    user.set_password(password)
    user.save(update_fields=["password"])
