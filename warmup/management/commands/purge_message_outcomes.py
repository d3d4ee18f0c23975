from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from warmup.services.outcomes import outcomes_purge


class Command(BaseCommand):
    help = (
        "Delete reported message outcomes received more than WARMUP_OUTCOME_RETENTION_DAYS "
        "days ago (7 by default) and the distinct-recipient rows of days before that; the "
        "daily stats stay. The Celery task warmup.purge_outcomes runs the same daily."
    )

    def handle(self, *args, **options):
        deleted = outcomes_purge(now=timezone.now())
        days = settings.WARMUP_OUTCOME_RETENTION_DAYS
        self.stdout.write(
            f"Deleted {deleted['outcomes']} outcome(s) and {deleted['recipients']} daily "
            f"recipient(s) older than {days} days."
        )
