"""The demo admin's password and API key for `dev.py run`, the same on every start.

The database is the truth: the first start (the admin has no usable password, no live
"demo" key) generates a password and a key; later starts find them and change nothing.
Both are stored hashed, so neither can be printed again from the database. The secrets
we generated are kept in a local file (`.dev-credentials` beside dev.py: git-ignored,
mode 0600), per database, so a later start can print them again. Keeping a key in a file
is acceptable here only because it is a demo key on a developer's own database; real keys
(`manage.py create_api_key`) are shown once and stored nowhere. A secret in the file is
printed only while the database still accepts it: a password changed since
(`manage.py changepassword admin`) or a key revoked is not shown as if it worked.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.models import User, UserAPIKey
from accounts.services import api_key_create, user_set_password

DEMO_KEY_NAME = "demo"


@dataclass(frozen=True)
class DemoCredentials:
    """What to print: the secrets when we know them, else what identifies them."""

    username: str
    # None: the admin's password is not the one we generated (set by someone since).
    password: str | None
    # None: a live demo key exists but its secret was not kept here.
    key: str | None
    key_prefix: str
    # True on the start that generated them.
    new_password: bool
    new_key: bool


def database_label() -> str:
    """Which database the secrets belong to: one file serves a developer's SQLite and
    PostgreSQL databases side by side."""
    s = connection.settings_dict
    return f"{connection.vendor}:{s['NAME']}@{s.get('HOST') or ''}:{s.get('PORT') or ''}"


def read_file(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_file(path: Path, data: dict[str, dict[str, str]]) -> None:
    """Readable by the owner only, from the first byte (created 0600, then renamed)."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(data, out, indent=2)
        out.write("\n")
    os.chmod(partial, 0o600)  # an old partial file may have had other modes
    os.replace(partial, path)


def live_demo_keys(user: User):
    return UserAPIKey.objects.filter(user=user, name=DEMO_KEY_NAME, revoked=False).filter(
        Q(expiry_date__isnull=True) | Q(expiry_date__gt=timezone.now())
    )


@transaction.atomic
def demo_credentials(*, admin: User, path: Path) -> DemoCredentials:
    """The admin's demo login and key, generated only when the database has neither."""
    every_database = read_file(path)
    label = database_label()
    kept = every_database.get(label, {})

    new_password = not admin.has_usable_password()
    if new_password:
        password = get_random_string(16)
        user_set_password(user=admin, password=password)
    else:
        password = kept.get("password")
        if password and not admin.check_password(password):
            password = None

    key = kept.get("key")
    keys = live_demo_keys(admin).order_by("-created")
    stored = keys.filter(prefix=(key or "").split(".")[0]).first() if key else None
    new_key = False
    if stored is not None and stored.is_valid(key):
        api_key = stored
    else:
        key = None
        api_key = keys.first()
        if api_key is None:
            api_key, key = api_key_create(user=admin, name=DEMO_KEY_NAME)
            new_key = True

    if new_password or new_key:
        kept = {**kept, "username": admin.username}
        if new_password:
            kept["password"] = password
        if new_key:
            kept["key"] = key
        write_file(path, {**every_database, label: kept})
    return DemoCredentials(
        username=admin.username,
        password=password,
        key=key,
        key_prefix=api_key.prefix,
        new_password=new_password,
        new_key=new_key,
    )
