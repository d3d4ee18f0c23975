from django.core.management.base import BaseCommand

from core.idempotency import idempotency_purge


class Command(BaseCommand):
    help = (
        "Delete stored Idempotency-Key responses older than IDEMPOTENCY_KEY_TTL_SECONDS "
        "(24 hours by default). Expired keys are already ignored; this reclaims the space. "
        "Run it from cron, e.g. hourly."
    )

    def handle(self, *args, **options):
        deleted = idempotency_purge()
        self.stdout.write(f"Deleted {deleted} expired idempotency record(s).")
