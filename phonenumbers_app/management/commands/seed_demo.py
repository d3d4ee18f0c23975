"""Demo inventory for a first look: a realistic inventory, the demo admin, an API key.

The inventory comes from phonenumbers_app.load_data (the generate_load_data generator)
with a fixed seed: DEMO_NUMBERS numbers over DEMO_BUSINESS_COUNT businesses, in every
inventory state and status, warmup in progress with scores, every 10DLC status, billing
and an event history per number. It is loaded only into a database without phone
numbers, so running the command again adds nothing.
"""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.crypto import get_random_string

from accounts.services import api_key_create
from businesses.models import Business
from businesses.services import membership_add
from phonenumbers_app import load_data
from phonenumbers_app.models import PhoneNumber

DEMO_ADMIN = "admin"
# Two blocks of load_data.PROFILE_SLOTS: every profile (so every inventory state,
# status, warmup/health state and 10DLC status) appears twice. The first 100 lines of
# each area code are 555-01XX, reserved for fiction in the NANP: demo data never texts
# anyone.
DEMO_NUMBERS = 2 * load_data.PROFILE_SLOTS
DEMO_BUSINESS_COUNT = 8
DEMO_EVENTS_PER_NUMBER = 5
DEMO_SEED = 20_240_501
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

    def handle(self, *args, credentials, base_url, **options):
        started = time.perf_counter()
        with transaction.atomic():
            admin = self._admin()
            created = self._inventory()
            self._memberships(admin)
        seconds = time.perf_counter() - started
        if created:
            self.stdout.write(
                f"Demo data: {created} phone numbers added ({DEMO_BUSINESS_COUNT} businesses, "
                f"{created * DEMO_EVENTS_PER_NUMBER} events) in {seconds:.1f} s."
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

    def _inventory(self) -> int:
        """Generate the demo inventory into a database without phone numbers; else 0."""
        if PhoneNumber.objects.exists():
            return 0
        try:
            result = load_data.generate(
                numbers=DEMO_NUMBERS,
                events_per_number=DEMO_EVENTS_PER_NUMBER,
                businesses=DEMO_BUSINESS_COUNT,
                seed=DEMO_SEED,
                # No numbers: this only replaces businesses left by an earlier
                # generated load whose numbers were deleted.
                reset=True,
            )
        except (ValueError, load_data.ExistingData) as exc:
            raise CommandError(str(exc)) from None
        return result.numbers

    def _memberships(self, admin) -> None:
        ids = [load_data.generated_id(load_data.KIND_BUSINESS, b) for b in range(ADMIN_MEMBER_OF)]
        for business in Business.objects.filter(pk__in=ids):
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
