from __future__ import annotations

from rest_framework import authentication, exceptions

from accounts.models import User, UserAPIKey

BAD_KEY = "Invalid, expired or revoked API key."
BAD_HEADER = "Malformed Authorization header: use 'Bearer <api key>'."


class BearerAPIKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <api key>` → the key's user.

    No header: anonymous (the permission class answers 401). A header that is not
    a usable key: 401 at once, so a typo never falls through to another scheme.
    """

    keyword = "bearer"

    def authenticate(self, request) -> tuple[User, UserAPIKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, key = header.strip().partition(" ")
        key = key.strip()
        if scheme.lower() != self.keyword or not key or " " in key:
            raise exceptions.AuthenticationFailed(BAD_HEADER)
        return self._authenticate_key(key)

    def _authenticate_key(self, key: str) -> tuple[User, UserAPIKey]:
        prefix, _, _ = key.partition(".")
        api_key = (
            UserAPIKey.objects.get_usable_keys()
            .select_related("user")
            .filter(prefix=prefix)
            .first()
        )
        if (
            api_key is None
            or not api_key.is_valid(key)
            or api_key.has_expired
            or not api_key.user.is_active
        ):
            raise exceptions.AuthenticationFailed(BAD_KEY)
        return api_key.user, api_key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
