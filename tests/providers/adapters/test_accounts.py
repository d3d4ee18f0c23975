"""Provider accounts from settings (providers/accounts.py): which exist, which is the
default, and that each is built from the current settings, its secrets kept out of sight.

Building a Telnyx or Twilio account makes no request, so these tests need no transport
interception and no database.
"""

from __future__ import annotations

import pytest

from providers import accounts
from providers.base import Provider, ProviderNotConfigured
from providers.telnyx import TelnyxProvider
from providers.twilio import TwilioProvider

TELNYX_KEY = "KEY0192ACCOUNTStelnyxSecret_zyx"
TWILIO_SID = "AC" + "b" * 32
TWILIO_TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def none_configured(settings):
    settings.TELNYX_API_KEY = ""
    settings.TELNYX_MESSAGING_PROFILE_ID = ""
    settings.TELNYX_CONNECTION_ID = ""
    settings.TWILIO_ACCOUNT_SID = ""
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.SIMULATED_PROVIDER = False
    settings.DEFAULT_PROVIDER = ""
    return settings


def with_telnyx(settings):
    settings.TELNYX_API_KEY = TELNYX_KEY


def with_twilio(settings):
    settings.TWILIO_ACCOUNT_SID = TWILIO_SID
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN


# --- configured() ----------------------------------------------------------------------


def test_no_credentials_no_accounts(none_configured):
    assert accounts.configured() == []


def test_configured_lists_accounts_in_a_fixed_order(none_configured):
    none_configured.SIMULATED_PROVIDER = True
    with_twilio(none_configured)
    with_telnyx(none_configured)

    assert accounts.configured() == ["telnyx", "twilio", "simulated"]
    assert accounts.is_configured("twilio")


def test_twilio_needs_both_its_sid_and_its_token(none_configured):
    none_configured.TWILIO_ACCOUNT_SID = TWILIO_SID
    assert accounts.configured() == []

    none_configured.TWILIO_ACCOUNT_SID = ""
    none_configured.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    assert accounts.configured() == []


# --- default_name() --------------------------------------------------------------------


def test_default_is_the_named_provider_when_it_has_an_account(none_configured):
    with_telnyx(none_configured)
    with_twilio(none_configured)
    none_configured.DEFAULT_PROVIDER = "twilio"

    assert accounts.default_name() == "twilio"


def test_default_naming_a_provider_without_account_is_refused(none_configured):
    with_telnyx(none_configured)
    none_configured.DEFAULT_PROVIDER = "twilio"

    with pytest.raises(ProviderNotConfigured, match="DEFAULT_PROVIDER"):
        accounts.default_name()


def test_default_is_the_only_real_account_even_beside_the_simulated_one(none_configured):
    none_configured.SIMULATED_PROVIDER = True
    with_twilio(none_configured)

    assert accounts.default_name() == "twilio"


def test_default_is_the_simulated_provider_without_real_accounts(none_configured):
    none_configured.SIMULATED_PROVIDER = True

    assert accounts.default_name() == "simulated"


def test_default_with_two_real_accounts_is_the_simulated_provider_when_on(none_configured):
    none_configured.SIMULATED_PROVIDER = True
    with_telnyx(none_configured)
    with_twilio(none_configured)

    assert accounts.default_name() == "simulated"


def test_default_with_two_real_accounts_and_no_simulated_is_the_first(none_configured):
    with_telnyx(none_configured)
    with_twilio(none_configured)

    assert accounts.default_name() == "telnyx"


def test_default_without_any_account_is_refused(none_configured):
    with pytest.raises(ProviderNotConfigured):
        accounts.default_name()
    with pytest.raises(ProviderNotConfigured):
        accounts.default()


# --- get() -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "label"), [("telnyx", "Telnyx"), ("twilio", "Twilio")])
def test_get_of_an_unconfigured_provider_is_refused(none_configured, name, label):
    with pytest.raises(ProviderNotConfigured, match=f"No {label} account"):
        accounts.get(name)


def test_get_of_an_unknown_provider_is_refused(none_configured):
    with pytest.raises(ProviderNotConfigured):
        accounts.get("bandwidth")


def test_get_of_the_simulated_provider_when_it_is_off_is_refused(none_configured):
    with pytest.raises(ProviderNotConfigured, match="Simulated"):
        accounts.get("simulated")


def test_get_builds_each_real_account_from_settings(none_configured):
    with_telnyx(none_configured)
    with_twilio(none_configured)
    none_configured.TELNYX_MESSAGING_PROFILE_ID = "profile-1"
    none_configured.TWILIO_MESSAGING_SERVICE_SID = "MG" + "c" * 32

    telnyx, twilio = accounts.get("telnyx"), accounts.get("twilio")

    assert isinstance(telnyx, TelnyxProvider) and isinstance(telnyx, Provider)
    assert isinstance(twilio, TwilioProvider) and isinstance(twilio, Provider)
    assert telnyx.messaging_profile_id == "profile-1"
    assert twilio.messaging_service_sid == "MG" + "c" * 32


def test_the_same_settings_give_the_same_client(none_configured):
    with_telnyx(none_configured)

    assert accounts.get("telnyx") is accounts.get("telnyx")


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("TELNYX_API_KEY", "KEYanotherKEYvalue"),
        ("TELNYX_MESSAGING_PROFILE_ID", "profile-2"),
        ("TELNYX_CONNECTION_ID", "connection-2"),
    ],
)
def test_a_different_telnyx_setting_gives_a_new_client(none_configured, setting, value):
    with_telnyx(none_configured)
    before = accounts.get("telnyx")

    setattr(none_configured, setting, value)
    after = accounts.get("telnyx")

    assert after is not before
    assert after.messaging_profile_id == (none_configured.TELNYX_MESSAGING_PROFILE_ID or None)
    assert after.connection_id == (none_configured.TELNYX_CONNECTION_ID or None)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("TWILIO_AUTH_TOKEN", "fedcba9876543210fedcba9876543210"),
        ("TWILIO_ACCOUNT_SID", "AC" + "d" * 32),
        ("TWILIO_MESSAGING_SERVICE_SID", "MG" + "e" * 32),
    ],
)
def test_a_different_twilio_setting_gives_a_new_client(none_configured, setting, value):
    with_twilio(none_configured)
    before = accounts.get("twilio")

    setattr(none_configured, setting, value)
    after = accounts.get("twilio")

    assert after is not before
    assert after.account_sid == none_configured.TWILIO_ACCOUNT_SID
    assert after.messaging_service_sid == (none_configured.TWILIO_MESSAGING_SERVICE_SID or None)


def test_an_account_shows_no_secret(none_configured):
    with_telnyx(none_configured)
    with_twilio(none_configured)

    for name, secret in (("telnyx", TELNYX_KEY), ("twilio", TWILIO_TOKEN)):
        account = accounts.get(name)
        assert secret not in repr(account)
        assert secret not in str(account)


def test_default_returns_the_default_account(none_configured):
    with_twilio(none_configured)

    assert isinstance(accounts.default(), TwilioProvider)


def test_get_of_the_simulated_provider_when_on(none_configured):
    none_configured.SIMULATED_PROVIDER = True  # with the test settings' fixed signing key

    assert accounts.get("simulated").name == "simulated"
