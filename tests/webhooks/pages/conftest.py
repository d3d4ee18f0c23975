from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.webhooks.ops_data import RECEIVER
from webhooks.services import endpoint_create


@pytest.fixture
def operator(db):
    """A superuser: staff with every permission."""
    return UserFactory(username="olive", first_name="Olive", is_staff=True, is_superuser=True)


@pytest.fixture
def ops(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def viewer_client(db) -> Client:
    """Staff without the webhook endpoint permissions: may look, not act."""
    user = UserFactory(username="viewer", is_staff=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def member_web_client(db, business) -> Client:
    """A signed-in member of a business who is not staff."""
    from tests.factories import MembershipFactory

    user = UserFactory(username="tenant-web")
    MembershipFactory(user=user, business=business)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def endpoint(operator, business):
    made, _ = endpoint_create(
        acting_user=operator,
        business=business,
        url=RECEIVER,
        event_types=["phone_number.updated", "phone_number.released"],
        description="Acme's CRM",
    )
    return made
