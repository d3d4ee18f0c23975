from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count

from accounts.models import User, UserAPIKey
from accounts.services import api_key_revoke, user_set_password
from businesses.models import Business, Membership
from phonenumbers_app.demo_data import CYCLE, DEMO_NUMBERS
from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc
from phonenumbers_app.vocabularies import (
    InventoryState,
    PhoneNumberStatus,
    TenDlcCampaignStatus,
    WarmupHealthState,
)
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db


def seed(*args: str, numbers: int = CYCLE) -> str:
    """seed_demo with one cycle of the demo's kinds by default: every kind, in a second."""
    out = StringIO()
    call_command("seed_demo", *args, "--numbers", str(numbers), stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "numbers": PhoneNumber.objects.count(),
        "events": PhoneNumberEvent.objects.count(),
        "ten_dlc": TenDlc.objects.count(),
        "billing": Billing.objects.count(),
        "businesses": Business.objects.count(),
        "memberships": Membership.objects.count(),
    }


def delete_numbers() -> None:
    """Every number with its rows (events are append-only for the ORM: plain SQL)."""
    with connection.cursor() as cursor:
        for model in (PhoneNumberEvent, TenDlc, Billing, PhoneNumber):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def values(field: str) -> set:
    return set(PhoneNumber.objects.values_list(field, flat=True).distinct())


def test_seed_demo_loads_a_realistic_inventory():
    out = seed()  # one cycle; the default DEMO_NUMBERS is several of them

    assert f"Demo data: {CYCLE} phone numbers added" in out
    assert DEMO_NUMBERS % CYCLE == 0
    assert values("inventory_state") == set(InventoryState.values)
    assert values("status") == set(PhoneNumberStatus.values)
    assert values("warmup_state") >= set(WarmupHealthState.values)
    assert values("health_status") >= set(WarmupHealthState.values)
    campaign_statuses = set(TenDlc.objects.values_list("campaign_status", flat=True))
    assert campaign_statuses >= set(TenDlcCampaignStatus.values)
    # Warmup in progress, with scores and progress.
    warming = PhoneNumber.objects.filter(warmup_state=WarmupHealthState.WARMING)
    assert warming.filter(warmup_progress_percent__gt=0, warmup_progress_percent__lt=100).exists()
    assert PhoneNumber.objects.filter(warmup_health_score__gt=0).exists()
    # Several businesses own numbers; the pool has none.
    owners = PhoneNumber.objects.exclude(business=None).values("business").distinct()
    assert owners.count() >= 3
    assert not PhoneNumber.objects.filter(
        inventory_state=InventoryState.AVAILABLE, business__isnull=False
    ).exists()
    # Every number has its 10DLC and billing rows, some billed, and a history.
    assert TenDlc.objects.count() == Billing.objects.count() == PhoneNumber.objects.count()
    assert Billing.objects.filter(monthly_amount__gt=0).exists()
    assert not PhoneNumber.objects.filter(events__isnull=True).exists()
    histories = PhoneNumber.objects.annotate(n=Count("events")).values_list("n", flat=True)
    assert min(histories) > 1


def test_seed_demo_is_idempotent():
    seed()
    before = counts()

    out = seed()

    assert "Demo data: 0 phone numbers added" in out
    assert counts() == before


def test_seed_demo_adds_nothing_to_a_database_that_has_numbers():
    PhoneNumberFactory()
    before = counts()

    seed()

    assert counts()["numbers"] == before["numbers"] == 1


def test_seed_demo_reloads_an_inventory_whose_numbers_were_deleted():
    seed()
    before = counts()
    delete_numbers()  # numbers, 10DLC, billing, events; businesses stay

    seed()

    assert counts() == before


def test_seed_demo_makes_the_admin_a_member_of_some_businesses():
    seed()

    admin_businesses = Business.objects.filter(memberships__user__username="admin")
    assert 0 < admin_businesses.count() < Business.objects.count()
    assert "Acme Roofing" in set(admin_businesses.values_list("name", flat=True))
    assert PhoneNumber.objects.filter(business__in=admin_businesses).exists()


def printed(text: str) -> tuple[str, str]:
    """The password and the API key (or its prefix) from seed_demo --credentials."""
    return text.split("password: ")[1].split()[0], text.split("API key:  ")[1].split()[0]


def test_seed_demo_prints_a_login_and_an_api_key_that_work(client, tmp_path):
    text = seed("--credentials", "--credentials-file", str(tmp_path / "kept"))

    password, key = printed(text)
    # Through the staff login page (django-axes guards authenticate(), which needs the request).
    client.post("/admin/login/", {"username": "admin", "password": password})
    assert "_auth_user_id" in client.session
    response = client.get("/businesses", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_seed_demo_keeps_the_generated_login_and_key_in_a_private_file(tmp_path):
    kept = tmp_path / "kept"

    password, key = printed(seed("--credentials", "--credentials-file", str(kept)))

    assert kept.stat().st_mode & 0o777 == 0o600
    assert password in kept.read_text() and key in kept.read_text()


def test_seed_demo_run_again_prints_the_same_login_and_key_and_changes_neither(tmp_path):
    kept = tmp_path / "kept"
    first = printed(seed("--credentials", "--credentials-file", str(kept)))
    admin = User.objects.get(username="admin")
    password_hash = admin.password

    second = printed(seed("--credentials", "--credentials-file", str(kept)))

    assert second == first
    admin.refresh_from_db()
    assert admin.password == password_hash
    assert UserAPIKey.objects.filter(user=admin).count() == 1


def test_seed_demo_does_not_print_a_password_changed_since_and_says_how_to_set_one(tmp_path):
    kept = tmp_path / "kept"
    generated, _ = printed(seed("--credentials", "--credentials-file", str(kept)))
    admin = User.objects.get(username="admin")
    user_set_password(user=admin, password="chosen-by-the-developer")

    text = seed("--credentials", "--credentials-file", str(kept))

    assert generated not in text
    assert "manage.py changepassword admin" in text
    admin.refresh_from_db()
    assert admin.check_password("chosen-by-the-developer")


def test_seed_demo_without_the_kept_key_prints_its_prefix_and_how_to_mint_one(tmp_path):
    first_password, key = printed(seed("--credentials", "--credentials-file", str(tmp_path / "a")))

    text = seed("--credentials", "--credentials-file", str(tmp_path / "elsewhere"))

    assert key not in text
    assert f"API key:  {key.split('.')[0]}…" in text
    assert "manage.py create_api_key admin" in text
    assert UserAPIKey.objects.count() == 1
    # The password was not generated for this file either: not reset, not shown.
    assert first_password not in text
    assert "manage.py changepassword admin" in text


def test_seed_demo_mints_a_new_key_when_the_demo_key_was_revoked(tmp_path):
    kept = tmp_path / "kept"
    _, key = printed(seed("--credentials", "--credentials-file", str(kept)))
    api_key_revoke(prefix=key.split(".")[0])

    _, new_key = printed(seed("--credentials", "--credentials-file", str(kept)))

    assert new_key != key
    assert UserAPIKey.objects.get_from_key(new_key).name == "demo"
    assert new_key in kept.read_text()


def test_the_example_import_file_adds_to_the_demo_without_touching_it():
    """The README's example file, imported with --on-conflict update on the demo database,
    creates its numbers and changes none of the demo's (it used to collide with two of
    them, and died moving a default number into the pool)."""
    from pathlib import Path

    seed()
    example = Path(__file__).resolve().parents[2] / "examples" / "phone-numbers.csv"
    before = counts()

    for extra in (["--dry-run"], []):
        out = StringIO()
        call_command(
            "import_phone_numbers", str(example), "--on-conflict", "update", "--no-progress",
            *extra, stdout=out,
        )  # fmt: skip
        assert "update 0" in out.getvalue() or "updated 0" in out.getvalue()

    assert counts()["numbers"] == before["numbers"] + 20


def test_seed_demo_refuses_a_size_it_cannot_number(unchanged_db):
    with unchanged_db(), pytest.raises(CommandError, match="--numbers must be from 1 to 800"):
        seed(numbers=801)


def test_the_demo_is_built_through_the_services_so_its_history_replays():
    """Each number's events, read in order, end at its stored state: the demo's rows are
    the ones the product writes, not rows written beside the services."""
    seed()

    for number in PhoneNumber.objects.all():
        events = list(number.events.order_by("created_at", "id"))
        assert events[0].type == "created"
        state = {}
        for event in events:
            state.update((event.data or {}).get("after", {}))
        if "inventoryState" in state:
            assert state["inventoryState"] == number.inventory_state
        if "status" in state:
            assert state["status"] == number.status
