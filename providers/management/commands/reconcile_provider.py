"""manage.py reconcile_provider --provider NAME [--dry-run]: compare a provider account's
numbers with the inventory now, store the report and print its summary."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from providers import accounts
from providers.base import ProviderNotConfigured
from providers.models import ReconciliationReport
from providers.reconciliation import reconcile


class Command(BaseCommand):
    help = (
        "Compare a provider account's numbers with the inventory's and store the report "
        "(see it on /ops/reconciliation/). --dry-run stores the report marked as a dry run: "
        "it confirms no release and its findings offer no action."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--provider",
            required=True,
            help=f"The provider account: one of {', '.join(accounts.LABELS)}.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report only.")

    def handle(self, *args, provider: str, dry_run: bool, **options) -> None:
        try:
            reconciled = reconcile(provider, dry_run=dry_run)
        except ProviderNotConfigured as error:
            configured = ", ".join(accounts.configured()) or "none"
            raise CommandError(f"{error} Configured: {configured}.") from None
        if reconciled.report.status == ReconciliationReport.Status.FAILED:
            raise CommandError(reconciled.summary())
        self.stdout.write(reconciled.summary())
