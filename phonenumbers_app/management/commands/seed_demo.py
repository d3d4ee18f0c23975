"""Demo inventory for a first look: businesses, pool stock, assigned numbers, an API key."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.crypto import get_random_string

from accounts.services import api_key_create
from businesses.models import Business
from businesses.services import business_create, membership_add
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services import phone_number_claim, phone_number_create

DEMO_ADMIN = "admin"
DEMO_BUSINESSES = ["Acme Roofing", "Bright Dental", "Northwind Realty"]
# 555-01XX numbers are reserved for fiction in the NANP, so demo data never texts anyone.
AREA_CODES = ["415", "212", "312", "512", "646", "718"]
POOL_SIZE_PER_AREA = 8
CLAIMS_PER_BUSINESS = 3


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
        with transaction.atomic():
            admin = self._admin()
            created = self._inventory(admin)
        self.stdout.write(f"Demo data: {created} phone numbers added.")
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

    def _inventory(self, admin) -> int:
        businesses = [
            Business.objects.filter(name=name).first() or business_create(name=name)
            for name in DEMO_BUSINESSES
        ]
        for business in businesses:
            membership_add(user=admin, business=business)
        existing = set(PhoneNumber.objects.not_released().values_list("number", flat=True))
        created = 0
        for area in AREA_CODES:
            for line in range(POOL_SIZE_PER_AREA):
                number = f"+1{area}55501{line:02d}"
                if number not in existing:
                    phone_number_create(acting_user=admin, name=f"Pool {area}", number=number)
                    created += 1
        for business in businesses:
            while business.phone_numbers.count() < CLAIMS_PER_BUSINESS:
                phone_number_claim(
                    business=business, acting_user=admin, name=f"{business.name} main line"
                )
        return created

    def _print_credentials(self, admin, base_url: str) -> None:
        password = get_random_string(16)
        admin.set_password(password)
        admin.save(update_fields=["password"])
        _, key = api_key_create(user=admin, name="demo")
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
                    f'"businessId": "{Business.objects.order_by("name").first().pk}"}}\'',
                    "",
                ]
            )
        )
