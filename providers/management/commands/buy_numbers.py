"""Buy numbers at a provider: `manage.py buy_numbers --area-code 312 --quantity 20
[--provider simulated] [--business "Acme Roofing"] [--wait]`.

Prints the order's id (and its /ops page); with --wait, its progress until it is done.
The job runs on the workers (`celery -A config worker`), as from /ops or the API.
"""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from providers import buying
from providers.models import NumberOrder, NumberOrderItem

POLL_SECONDS = 2.0


class Command(BaseCommand):
    help = "Buy numbers in an area code at a provider, for a business or the pool."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--area-code", required=True, help="Three digits, e.g. 312.")
        parser.add_argument("--quantity", type=int, required=True, help="1 to 1000.")
        parser.add_argument(
            "--provider", help="telnyx, twilio or simulated (default: DEFAULT_PROVIDER)."
        )
        parser.add_argument(
            "--business", help="The business's exact name or id; none: pool inventory."
        )
        parser.add_argument(
            "--wait", action="store_true", help="Print progress until the order is done."
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=600.0,
            help="With --wait: give up waiting after this many seconds.",
        )

    def handle(self, *args, **options) -> None:
        try:
            ask = buying.order_validate(
                provider=options["provider"],
                area_code=options["area_code"],
                numbers=None,
                quantity=options["quantity"],
                business=options["business"],
            )
        except ValidationError as exc:
            names = {"areaCode": "--area-code", "businessId": "--business"}
            raise CommandError(
                "; ".join(
                    f"{names.get(field, '--' + field)}: {' '.join(messages)}"
                    for field, messages in exc.message_dict.items()
                )
            ) from None
        order = buying.order_request(ask=ask, acting_user=None)
        self.stdout.write(str(order.pk))
        api = reverse("providers_api:order", kwargs={"id": order.pk})
        page = reverse("providers:order", args=[order.pk])
        self.stderr.write(f"Order page: {page} (API: {api})")
        if options["wait"]:
            self._wait(order, options["timeout"])

    def _wait(self, order: NumberOrder, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while True:
            order.refresh_from_db()
            counts = dict.fromkeys(NumberOrderItem.Status.values, 0)
            for status in order.items.values_list("status", flat=True):
                counts[status] += 1
            line = (
                f"{order.get_status_display()}: {counts['active']} active, "
                f"{counts['failed']} failed, {counts['ordered']} waiting of {order.quantity}"
            )
            if line != last:
                self.stdout.write(line)
                last = line
            if order.status in (NumberOrder.Status.COMPLETED, NumberOrder.Status.FAILED):
                if order.error:
                    self.stdout.write(order.error)
                return
            if time.monotonic() > deadline:
                raise CommandError(
                    f"Still {order.get_status_display().lower()} after {timeout:g} s; "
                    "see the order's page."
                )
            time.sleep(POLL_SECONDS)
