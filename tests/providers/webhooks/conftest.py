import pytest

from tests.providers.webhooks.signed import TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, new_key_pair


@pytest.fixture
def telnyx_key(settings) -> str:
    """A Telnyx account whose webhooks are signed with a fresh key; returns the private key."""
    private, public = new_key_pair()
    settings.TELNYX_API_KEY = "KEY0123456789ABCDEF"
    settings.TELNYX_PUBLIC_KEY = public
    return private


@pytest.fixture
def simulated_key(settings) -> str:
    private, _ = new_key_pair()
    settings.SIMULATED_PROVIDER = True
    settings.SIMULATED_PROVIDER_SIGNING_KEY = private
    return private


@pytest.fixture
def twilio_account(settings) -> str:
    settings.TWILIO_ACCOUNT_SID = TWILIO_ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = TWILIO_AUTH_TOKEN
    settings.TWILIO_WEBHOOK_BASE_URL = ""
    return TWILIO_AUTH_TOKEN
