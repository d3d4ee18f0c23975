from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.services import api_key_create, user_get_or_create
from businesses.models import Business
from businesses.selectors import BusinessNotFound, business_by_id_or_name
from businesses.services import membership_add


class Command(BaseCommand):
    help = (
        "Create an API key for USERNAME (creating the user if missing), optionally staff "
        "and a member of businesses. The key is printed once, alone on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="User the key acts as; created if missing.")
        parser.add_argument(
            "--staff", action="store_true", help="Make the user staff: acts on every business."
        )
        parser.add_argument(
            "--business",
            action="append",
            default=[],
            metavar="BUSINESS",
            help="Add the user to this business, by id or name (repeatable).",
        )
        parser.add_argument("--name", default="cli", help="A label for the key (max 50 chars).")

    def handle(self, *args, username, staff, business, name, **options):
        try:
            with transaction.atomic():
                businesses = self._businesses(business)
                user, created = user_get_or_create(username=username, is_staff=staff)
                for item in businesses:
                    membership_add(user=user, business=item)
                api_key, key = api_key_create(user=user, name=name[:50])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"{'Created' if created else 'Found'} user {user.username}"
            f"{' (staff)' if user.is_staff else ''}; member of: "
            f"{', '.join(b.name for b in businesses) or 'no new businesses'}."
        )
        self.stdout.write(f"API key {api_key.prefix}… created. It is shown only once:")
        self.stdout.write(key)

    def _businesses(self, ids: list[str]) -> list[Business]:
        found = []
        for raw in ids:
            try:
                found.append(business_by_id_or_name(value=raw))
            except BusinessNotFound as exc:
                raise CommandError(f"--business: {exc}") from None
        return found
