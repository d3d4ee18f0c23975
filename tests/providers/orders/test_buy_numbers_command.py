"""`manage.py buy_numbers` and the orders' admin."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from providers import buying, order_tasks
from providers.models import NumberOrder

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("buy_numbers", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_prints_the_order_id(business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        out, err = run("--area-code", "312", "--quantity", "20", "--business", "Acme Roofing")
    order = NumberOrder.objects.get()
    assert out.strip() == str(order.pk)
    assert f"/ops/orders/{order.pk}/" in err
    assert (order.area_code, order.quantity, order.business, order.provider) == (
        "312",
        20,
        business,
        "simulated",
    )
    assert len(callbacks) == 1


def test_with_wait_it_prints_progress_until_done(monkeypatch):
    def run_now(order_id):
        order = buying.order_run(order_id)
        buying.order_poll(order)  # the provider's answer, without a webhook

    monkeypatch.setattr(order_tasks.run_order, "delay", run_now)
    # The job starts when the order is committed: in this test's transaction, at once.
    monkeypatch.setattr("providers.buying.transaction.on_commit", lambda callback: callback())
    monkeypatch.setattr("providers.management.commands.buy_numbers.POLL_SECONDS", 0.01)
    out, _ = run("--area-code", "312", "--quantity", "3", "--wait", "--timeout", "20")
    assert out.splitlines()[-1] == "Completed: 3 active, 0 failed, 0 waiting of 3"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--area-code", "31", "--quantity", "3"], "--area-code: Must be three digits"),
        (["--area-code", "312", "--quantity", "0"], "--quantity: Must be 1 to 1000."),
        (["--area-code", "312", "--quantity", "3", "--provider", "telnyx"], "--provider:"),
        (["--area-code", "312", "--quantity", "3", "--business", "Nobody"], "--business:"),
    ],
)
def test_bad_arguments_say_why_and_order_nothing(args, message, unchanged_db):
    with unchanged_db(), pytest.raises(CommandError, match=message):
        run(*args)
    assert NumberOrder.objects.count() == 0


def test_the_admin_lists_orders_with_their_numbers_read_only(admin_client):
    order = buying.order_request(
        ask=buying.order_validate(
            provider=None, area_code="312", numbers=None, quantity=2, business=None
        ),
        acting_user=None,
    )
    buying.order_run(order.pk)
    listing = admin_client.get(reverse("admin:providers_numberorder_changelist"))
    assert listing.status_code == 200 and "312" in listing.content.decode()
    page = admin_client.get(reverse("admin:providers_numberorder_change", args=[order.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    for number in order.items.values_list("number", flat=True):
        assert number in content
    assert reverse("providers:order", args=[order.pk]) in content
    assert 'name="_save"' not in content
    assert admin_client.get(reverse("admin:providers_numberorder_add")).status_code == 403
