from __future__ import annotations

import datetime
import uuid
from functools import cache

from django.db import connections, router
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import User, UserAPIKey
from businesses.models import Membership
from core.request_logs import bind_caller

BAD_KEY = "Invalid, expired or revoked API key."
BAD_HEADER = "Malformed Authorization header: use 'Bearer <api key>'."


@cache
def _lookup_sql(vendor: str) -> str:
    """A usable key by prefix, as its user plus the key's hash and expiry; built once.

    Every API request runs this; as one raw statement it costs a fraction of
    compiling the equivalent ORM query (with select_related) on every request.
    """
    quote = connections[router.db_for_read(UserAPIKey)].ops.quote_name
    members = quote(Membership._meta.db_table)
    user_id, business_id = quote("user_id"), quote("business_id")
    # The user's business when it has exactly one (the request's log line names it), in
    # the same statement: a tenant's business costs no query of its own.
    only_business = (
        f"(SELECT m.{business_id} FROM {members} m WHERE m.{user_id} = u.{quote('id')} "
        f"AND NOT EXISTS (SELECT 1 FROM {members} o WHERE o.{user_id} = m.{user_id} "
        f"AND o.{business_id} <> m.{business_id}))"
    )
    return (
        f"SELECT u.*, k.{quote('hashed_key')} AS api_key_hash, "
        f"k.{quote('expiry_date')} AS api_key_expiry, {only_business} AS api_key_business_id "
        f"FROM {quote(UserAPIKey._meta.db_table)} k "
        f"JOIN {quote(User._meta.db_table)} u ON u.{quote('id')} = k.{quote('user_id')} "
        f"WHERE k.{quote('prefix')} = %s AND NOT k.{quote('revoked')}"
    )


class BearerAPIKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <api key>` → the key's user.

    No header: anonymous (the permission class answers 401). A header that is not
    a usable key: 401 at once, so a typo never falls through to another scheme.
    """

    keyword = "bearer"

    def authenticate(self, request) -> tuple[User, str] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, key = header.strip().partition(" ")
        key = key.strip()
        if scheme.lower() != self.keyword or not key or " " in key:
            raise exceptions.AuthenticationFailed(BAD_HEADER)
        return self._authenticate_key(key), key.partition(".")[0]

    def _authenticate_key(self, key: str) -> User:
        prefix, _, _ = key.partition(".")
        vendor = connections[router.db_for_read(UserAPIKey)].vendor
        # raw() converts the user's columns like any query; the key's two ride along.
        user = next(iter(User.objects.raw(_lookup_sql(vendor), [prefix])), None)
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(BAD_KEY)
        expiry = UserAPIKey._meta.get_field("expiry_date").to_python(user.api_key_expiry)
        if expiry is not None and timezone.is_naive(expiry):  # SQLite stores UTC as text
            expiry = timezone.make_aware(expiry, datetime.UTC)
        if expiry is not None and expiry <= timezone.now():
            raise exceptions.AuthenticationFailed(BAD_KEY)
        if not UserAPIKey.objects.key_generator.verify(key, user.api_key_hash):
            raise exceptions.AuthenticationFailed(BAD_KEY)
        if user.api_key_business_id is not None:  # SQLite's is text: the same id either way
            user.api_key_business_id = uuid.UUID(str(user.api_key_business_id))
        bind_caller(user)
        return user

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class BearerAPIKeyScheme(OpenApiAuthenticationExtension):
    target_class = BearerAPIKeyAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from `manage.py create_api_key`, sent as "
            "`Authorization: Bearer <key>`.",
        }
