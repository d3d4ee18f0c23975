"""Demo inventory for a first look: a realistic inventory, the demo admin, an API key.

The inventory comes from phonenumbers_app.demo_data, built through the domain services:
DEMO_NUMBERS numbers over the demo businesses, in every inventory state and status, warmup
in progress with scores, every 10DLC status, billing and an event history per number. It
is loaded only into a database without phone numbers, so running the command again adds
nothing.
"""

import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from businesses.models import Business
from businesses.services import membership_add
from phonenumbers_app.demo_credentials import DemoCredentials, demo_credentials
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
        "--credentials, also print the demo admin's login and API key: generated on the "
        "first run, the same ones on later runs (kept in --credentials-file)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--credentials",
            action="store_true",
            help="Print the 'admin' login and a staff API key (generated once).",
        )
        parser.add_argument(
            "--credentials-file",
            type=Path,
            default=settings.BASE_DIR / ".dev-credentials",
            help="Where the generated password and key are kept (git-ignored, mode 0600).",
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

    def handle(self, *args, credentials, credentials_file, base_url, numbers, **options):
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
            found = demo_credentials(admin=admin, path=credentials_file)
            self._print_credentials(found, credentials_file, base_url.rstrip("/"))

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

    def _print_credentials(self, found: DemoCredentials, kept_in: Path, base_url: str) -> None:
        if found.password is None:
            password = (
                "(not shown: not one this file kept, or changed since; "
                f"`python3 manage.py changepassword {found.username}` sets a new one)"
            )
        else:
            password = found.password + ("   (new)" if found.new_password else "")
        if found.key is None:
            key = (
                f"{found.key_prefix}…   (its secret was shown once, when it was made; a new "
                f"one: `python3 manage.py create_api_key {found.username} --name demo`)"
            )
        else:
            key = found.key + ("   (new)" if found.new_key else "")
        lines = [
            "",
            f"  Log in:   {base_url}/ops/   user: {found.username}   password: {password}"
            f"   (admin: {base_url}/admin/)",
            f"  API key:  {key}   (staff)",
        ]
        if found.new_password or found.new_key:
            lines.append(f"  Kept in:  {kept_in} (mode 0600, git-ignored): the same on every start")
        if found.key is not None:
            business = (
                Business.objects.filter(memberships__user__username=found.username)
                .order_by("name")
                .first()
                or Business.objects.order_by("name").first()
            )
            business_id = business.pk if business else "<business id>"
            lines.append(
                f"  Try:      curl -s -X POST {base_url}/phone-numbers "
                f"-H 'Authorization: Bearer {found.key}' -H 'Content-Type: application/json' "
                '-d \'{"name": "Sales line", "number": "(415) 555-0142", '
                f'"businessId": "{business_id}"}}\''
            )
        self.stdout.write("\n".join([*lines, ""]))
