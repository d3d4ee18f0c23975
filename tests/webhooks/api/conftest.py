"""Every response of these tests is checked against the OpenAPI document, as in tests/api
(the same autouse check), plus webhook helpers."""

from __future__ import annotations

import pytest

from tests.api.conftest import (  # noqa: F401 (fixtures)
    check,
    conformance_fixture,
    every_response_is_documented,
    openapi,
)
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointEvent,
    WebhookMessage,
)
from webhooks.services import endpoint_create

# A public address, so that production settings accept it without DNS (none here).
PUBLIC_URL = "https://93.184.215.14/hooks/inventory"


def webhook_state() -> dict:
    """Everything a refused webhook write must leave as it was."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (
            WebhookEndpoint,
            WebhookEndpointEvent,
            WebhookMessage,
            WebhookDelivery,
            WebhookAttempt,
        )
    }


@pytest.fixture
def unchanged_webhooks(db):
    """`with unchanged_webhooks(): ...` around a call that must change nothing."""
    from contextlib import contextmanager

    @contextmanager
    def check_unchanged():
        before = webhook_state()
        yield
        assert webhook_state() == before

    return check_unchanged


@pytest.fixture
def endpoint(member, business) -> WebhookEndpoint:
    """An endpoint of `business` (the member's)."""
    made, _ = endpoint_create(
        acting_user=member, business=business, url="https://a.example.com/hook"
    )
    return made


@pytest.fixture
def other_member(db, other_business):
    user = UserFactory(username="other-member")
    MembershipFactory(user=user, business=other_business)
    return user


@pytest.fixture
def other_client(other_member):
    return client_for(other_member)


@pytest.fixture
def other_endpoint(other_member, other_business) -> WebhookEndpoint:
    """An endpoint of `other_business`: not the member's."""
    made, _ = endpoint_create(
        acting_user=other_member, business=other_business, url="https://b.example.com/hook"
    )
    return made
