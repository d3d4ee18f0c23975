import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonschema
import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.services import api_key_create
from businesses.models import Business, Membership
from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc
from tests.factories import BusinessFactory, MembershipFactory, UserFactory

# The `celery_worker` fixture: a real worker subprocess (tests/celery_worker.py); the whole
# run's log output searched for secrets (tests/log_secrets.py).
pytest_plugins = ["tests.log_secrets", "tests.celery_worker"]

CONTRACT = (
    Path(__file__).resolve().parent.parent.parent / "shared/contract/phone-number.schema.json"
)
# CI and developers have the contract beside the repository; a copy travels with the tests
# so that the suite runs on a machine that only has this repository.
CONTRACT_COPY = Path(__file__).resolve().parent / "contract" / "phone-number.schema.json"


def _contract() -> dict:
    path = CONTRACT if CONTRACT.exists() else CONTRACT_COPY
    return json.loads(path.read_text())


@pytest.fixture(scope="session")
def contract() -> dict:
    return _contract()


def _validator(contract: dict, definition: str) -> jsonschema.Draft202012Validator:
    schema = {**contract, "$ref": f"#/$defs/{definition}"}
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture(scope="session")
def assert_matches_contract(contract) -> Callable[[dict], None]:
    """Validate a response body against the contract's PhoneNumberResponse."""
    validator = _validator(contract, "PhoneNumberResponse")

    def check(body: dict) -> None:
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)

    return check


@pytest.fixture(scope="session")
def request_validator(contract) -> jsonschema.Draft202012Validator:
    return _validator(contract, "PhoneNumberRequest")


def db_state() -> dict:
    """Everything a failed write must leave untouched, compared before and after."""
    return {
        "phone_numbers": list(PhoneNumber.objects.order_by("pk").values()),
        "ten_dlc": list(TenDlc.objects.order_by("pk").values()),
        "billing": list(Billing.objects.order_by("pk").values()),
        "events": list(PhoneNumberEvent.objects.order_by("pk").values()),
        "businesses": list(Business.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
    }


@pytest.fixture
def unchanged_db(db):
    """Use as `with unchanged_db(): ...` around a call that must fail without writing."""
    from contextlib import contextmanager

    @contextmanager
    def check():
        before = db_state()
        yield
        assert db_state() == before

    return check


@pytest.fixture
def business(db) -> Business:
    return BusinessFactory(name="Acme Roofing")


@pytest.fixture
def other_business(db) -> Business:
    return BusinessFactory(name="Other Co")


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def member(db, business):
    """A non-staff user who belongs to `business` only."""
    user = UserFactory(username="member")
    MembershipFactory(user=user, business=business)
    return user


def client_for(user) -> APIClient:
    _, key = api_key_create(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return client_for(staff_user)


@pytest.fixture
def member_client(member) -> APIClient:
    return client_for(member)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def locmem_cache(settings):
    """Count rate limits in memory, so query-count assertions see only the endpoint's SQL.

    The default database cache adds its own queries (4-6 per request, more on the
    first request of a rate-limit window); that cost is the cache's, not the endpoint's.
    """
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def join_order_queries() -> int:
    """Statements around each representation query on PostgreSQL (see
    selectors.rows_in_written_join_order): SAVEPOINT, SET LOCAL, RELEASE in a test."""
    return 3 if connection.vendor == "postgresql" else 0


DEAD_REDIS_URL = "redis://127.0.0.1:1/9"  # nothing listens on port 1: connection refused


@pytest.fixture
def dead_cache(settings) -> str:
    """The cache is a Redis that is down, configured as REDIS_URL would configure it."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS_URL,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    return DEAD_REDIS_URL


@pytest.fixture
def hanging_redis_url() -> Iterator[str]:
    """A Redis address that accepts connections and never answers (a hung server).

    A listening socket nobody accepts on: the kernel completes the handshake, then
    every read waits. Closed at the end of the test.
    """
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/9"
    finally:
        server.close()
