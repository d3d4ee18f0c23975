"""Demo inventory for a first look: a realistic inventory, the demo admin, an API key.

The inventory comes from phonenumbers_app.demo_data, built through the domain services:
DEMO_NUMBERS numbers over the demo businesses, in every inventory state and status, warmup
in progress with scores, every 10DLC status, billing and an event history per number. It
is loaded only into a database without phone numbers, so running the command again adds
nothing.
"""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.crypto import get_random_string

from accounts.services import api_key_create
from businesses.models import Business
from businesses.services import membership_add
from phonenumbers_app.demo_data import (
    BUSINESS_NAMES,
    CYCLE,
    DEMO_NUMBERS,
    MAX_DEMO_NUMBERS,
    load_demo,
)
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent

DEMO_ADMIN = "admin"
# The demo admin belongs to the first few businesses ("Acme Roofing", "Bright Dental",
# "Northwind Realty"); the others show numbers the admin sees only as staff.
ADMIN_MEMBER_OF = 3


class Command(BaseCommand):
    help = (
        "Load a demo inventory (idempotent: running it again adds nothing). With "
        "--credentials, also (re)set the demo admin's password and create an API key, "
        "and print both."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--credentials",
            action="store_true",
            help="Reset the 'admin' password and print it with a new staff API key.",
        )
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Where the server will listen."
        )
        parser.add_argument(
            "--numbers",
            type=int,
            default=DEMO_NUMBERS,
            help=f"How many numbers (default {DEMO_NUMBERS}; every kind of number appears in "
            f"each {CYCLE}, at most {MAX_DEMO_NUMBERS}).",
        )

    def handle(self, *args, credentials, base_url, numbers, **options):
        if not 1 <= numbers <= MAX_DEMO_NUMBERS:
            raise CommandError(f"--numbers must be from 1 to {MAX_DEMO_NUMBERS}.")
        started = time.perf_counter()
        with transaction.atomic():
            admin = self._admin()
            created = (
                0 if PhoneNumber.objects.exists() else load_demo(acting_user=admin, numbers=numbers)
            )
            self._memberships(admin)
        seconds = time.perf_counter() - started
        if created:
            self.stdout.write(
                f"Demo data: {created} phone numbers added ({len(BUSINESS_NAMES)} businesses, "
                f"{PhoneNumberEvent.objects.count()} events) in {seconds:.1f} s."
            )
        else:
            self.stdout.write(
                f"Demo data: 0 phone numbers added (the database already holds "
                f"{PhoneNumber.objects.count()})."
            )
        if credentials:
            self._print_credentials(admin, base_url.rstrip("/"))

    def _admin(self):
        user_model = get_user_model()
        admin = user_model.objects.filter(username=DEMO_ADMIN).first()
        if admin is None:
            admin = user_model.objects.create_superuser(DEMO_ADMIN, password=None)
            admin.first_name, admin.last_name = "Demo", "Admin"
            admin.save()
        return admin

    def _memberships(self, admin) -> None:
        names = BUSINESS_NAMES[:ADMIN_MEMBER_OF]
        for business in Business.objects.filter(name__in=names):
            membership_add(user=admin, business=business)

    def _print_credentials(self, admin, base_url: str) -> None:
        password = get_random_string(16)
        admin.set_password(password)
        admin.save(update_fields=["password"])
        _, key = api_key_create(user=admin, name="demo")
        business = (
            Business.objects.filter(memberships__user=admin).order_by("name").first()
            or Business.objects.order_by("name").first()
        )
        business_id = business.pk if business else "<business id>"
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"  Log in:   {base_url}/ops/   user: {DEMO_ADMIN}   password: {password}"
                    f"   (admin: {base_url}/admin/)",
                    f"  API key:  {key}   (staff; shown only once)",
                    f"  Try:      curl -s -X POST {base_url}/phone-numbers "
                    f"-H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' "
                    '-d \'{"name": "Sales line", "number": "(415) 555-0142", '
                    f'"businessId": "{business_id}"}}\'',
                    "",
                ]
            )
        )
