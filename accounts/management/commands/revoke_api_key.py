from django.core.management.base import BaseCommand, CommandError

from accounts.models import UserAPIKey
from accounts.services import api_key_revoke


class Command(BaseCommand):
    help = "Revoke an API key by its prefix (the part before the dot). Cannot be undone."

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="The key's prefix, e.g. 'AbCd1234'.")

    def handle(self, *args, prefix, **options):
        try:
            api_key = api_key_revoke(prefix=prefix.split(".")[0])
        except UserAPIKey.DoesNotExist:
            raise CommandError(f"No API key with prefix {prefix!r}.") from None
        self.stdout.write(f"Revoked API key {api_key.prefix}… of {api_key.user}.")
