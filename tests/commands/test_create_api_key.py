from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import User, UserAPIKey
from businesses.models import Membership
from tests.conftest import db_state

pytestmark = pytest.mark.django_db


def run(*args) -> list[str]:
    out = StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_creates_the_user_with_memberships_and_prints_a_working_key(business, other_business):
    lines = run("integration", "--business", str(business.pk), "--business", str(other_business.pk))

    key = lines[-1]
    user = User.objects.get(username="integration")
    assert not user.is_staff
    assert not user.has_usable_password()
    assert set(Membership.objects.filter(user=user).values_list("business", flat=True)) == {
        business.pk,
        other_business.pk,
    }
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(f"/businesses/{business.pk}").status_code == 200


def test_staff_flag_makes_a_staff_key_and_reuses_an_existing_user():
    run("ops")
    run("ops", "--staff")

    assert User.objects.get(username="ops").is_staff
    assert UserAPIKey.objects.filter(user__username="ops").count() == 2


def test_key_is_alone_on_the_last_line():
    key = run("ops")[-1]

    prefix, _, secret = key.partition(".")
    assert key.strip() == key and " " not in key
    assert UserAPIKey.objects.get(prefix=prefix).is_valid(key)
    assert secret


@pytest.mark.parametrize("bad", ["not-a-uuid", "3fa85f64-5717-4562-b3fc-2c963f66afa6"])
def test_unknown_business_fails_and_creates_nothing(business, bad):
    before = db_state()
    users = User.objects.count()

    with pytest.raises(CommandError, match="No business"):
        run("integration", "--business", str(business.pk), "--business", bad)

    assert db_state() == before
    assert User.objects.count() == users
    assert not UserAPIKey.objects.exists()


def test_revoke_api_key_stops_the_key_working():
    key = run("ops", "--staff")[-1]
    out = StringIO()

    call_command("revoke_api_key", key.split(".")[0], stdout=out)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/businesses").status_code == 401


def test_revoking_an_unknown_key_is_a_clear_error():
    with pytest.raises(CommandError, match="No API key"):
        call_command("revoke_api_key", "nope", stdout=StringIO())


def test_a_business_may_be_named_instead_of_its_id(business):
    run("integration", "--business", "acme roofing")

    user = User.objects.get(username="integration")
    assert list(Membership.objects.filter(user=user).values_list("business", flat=True)) == [
        business.pk
    ]
