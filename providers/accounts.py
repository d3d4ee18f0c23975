"""The provider accounts this deployment has, built from settings (the environment).

`get("telnyx")` returns the account's Provider; `configured()` names those that exist;
`default()` is the one that answers search and availability. An account object holds its
credentials only in memory, and its repr never shows them.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings

from providers.base import Provider, ProviderNotConfigured

TELNYX, TWILIO, SIMULATED = "telnyx", "twilio", "simulated"
LABELS = {TELNYX: "Telnyx", TWILIO: "Twilio", SIMULATED: "Simulated"}


def configured() -> list[str]:
    """Names of the providers with an account here, in a fixed order."""
    names = []
    if settings.TELNYX_API_KEY:
        names.append(TELNYX)
    if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN:
        names.append(TWILIO)
    if settings.SIMULATED_PROVIDER:
        names.append(SIMULATED)
    return names


def is_configured(name: str) -> bool:
    return name in configured()


def default_name() -> str:
    """DEFAULT_PROVIDER, else the only real account, else the simulated provider."""
    names = configured()
    if settings.DEFAULT_PROVIDER:
        if settings.DEFAULT_PROVIDER not in names:
            raise ProviderNotConfigured(
                f"DEFAULT_PROVIDER is {settings.DEFAULT_PROVIDER!r}, which has no account here."
            )
        return settings.DEFAULT_PROVIDER
    real = [name for name in names if name != SIMULATED]
    if len(real) == 1:
        return real[0]
    if SIMULATED in names:
        return SIMULATED
    if real:
        return real[0]
    raise ProviderNotConfigured("No provider account is configured.")


def get(name: str) -> Provider:
    """The account of provider `name`; ProviderNotConfigured when there is none."""
    if name not in configured():
        raise ProviderNotConfigured(f"No {LABELS.get(name, name)} account is configured here.")
    return _build(name, _credentials_key(name))


def default() -> Provider:
    return get(default_name())


def _credentials_key(name: str) -> tuple:
    # Part of the cache key, so a test that changes the settings gets a new client.
    # Every setting from_settings() reads is in it, so that none is served stale.
    if name == TELNYX:
        return (
            settings.TELNYX_API_KEY,
            settings.TELNYX_MESSAGING_PROFILE_ID,
            settings.TELNYX_CONNECTION_ID,
        )
    if name == TWILIO:
        return (
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            settings.TWILIO_MESSAGING_SERVICE_SID,
        )
    return (settings.SIMULATED_PROVIDER_SIGNING_KEY,)


@cache
def _build(name: str, _key: tuple) -> Provider:
    # Imported here: a deployment without an account never loads that provider's library.
    if name == TELNYX:
        from providers.telnyx import TelnyxProvider

        return TelnyxProvider.from_settings()
    if name == TWILIO:
        from providers.twilio import TwilioProvider

        return TwilioProvider.from_settings()
    from providers.simulated import SimulatedProvider

    return SimulatedProvider.from_settings()
