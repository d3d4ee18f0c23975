from io import StringIO

import pytest
from django.core.management import call_command

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_every_number_has_its_history():
    call_command("seed_demo", stdout=StringIO())
    numbers, events = PhoneNumber.objects.count(), PhoneNumberEvent.objects.count()

    call_command("seed_demo", stdout=StringIO())

    assert numbers > 0
    assert (PhoneNumber.objects.count(), PhoneNumberEvent.objects.count()) == (numbers, events)
    assert not PhoneNumber.objects.filter(events__isnull=True).exists()
    assert PhoneNumber.objects.filter(inventory_state="Assigned").exists()
    assert PhoneNumber.objects.filter(inventory_state="Available").exists()


def test_seed_demo_prints_a_login_and_an_api_key_that_work(client):
    out = StringIO()
    call_command("seed_demo", "--credentials", stdout=out)

    text = out.getvalue()
    password = text.split("password: ")[1].split()[0]
    key = text.split("API key:  ")[1].split()[0]
    assert client.login(username="admin", password=password)
    response = client.get("/businesses", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
