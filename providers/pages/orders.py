"""/ops/orders/: "Buy numbers". A form (provider when several are configured, area code,
quantity, business or none for the pool), a confirmation that says what will happen,
then the order's page with its progress (it reloads itself while the order runs), and
the recent orders. Staff who may add phone numbers only. The page calls providers.buying,
as the API and the command do.
"""

from __future__ import annotations

import contextlib
import uuid

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from providers import accounts, buying
from providers.api.answers import order_answer
from providers.models import NumberOrder

PERMISSION = "phonenumbers_app.add_phonenumber"
RECENT = 20
# API field names -> the form's, for the buying service's errors.
_FIELDS = {
    "provider": "provider",
    "areaCode": "area_code",
    "quantity": "quantity",
    "businessId": "business",
}


class BuyForm(forms.Form):
    provider = forms.ChoiceField(required=False)
    area_code = forms.CharField(
        label="Area code", max_length=3, min_length=3, help_text="Three digits, e.g. 312."
    )
    quantity = forms.IntegerField(min_value=1, max_value=buying.MAX_QUANTITY, initial=10)
    business = forms.CharField(
        required=False,
        max_length=255,
        help_text="The business's exact name or id; empty: unassigned pool inventory.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        names = accounts.configured()
        self.fields["provider"].choices = [(name, accounts.LABELS[name]) for name in names]
        with contextlib.suppress(accounts.ProviderNotConfigured):
            self.fields["provider"].initial = accounts.default_name()
        if len(names) <= 1:
            self.fields["provider"].widget = forms.HiddenInput()

    def ask(self) -> buying.OrderAsk | None:
        """The validated order, or None with the service's errors on the form."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            return buying.order_validate(
                provider=data.get("provider") or None,
                area_code=data["area_code"],
                numbers=None,
                quantity=data["quantity"],
                business=data.get("business") or None,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(_FIELDS.get(field), errors)
            return None


def _may_buy(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


@staff_member_required
def order_index(request: HttpRequest) -> HttpResponse:
    _may_buy(request)
    form = BuyForm(request.POST or None)
    ask = form.ask() if request.method == "POST" else None
    if ask is not None and request.POST.get("confirmed") == "1":
        order = buying.order_request(ask=ask, acting_user=request.user)
        return redirect("providers:order", id=order.pk)
    orders = NumberOrder.objects.select_related("business", "requested_by")[:RECENT]
    return render(
        request,
        "providers/orders.html",
        {
            "form": form,
            "ask": ask,
            "provider_label": accounts.LABELS.get(ask.provider, "") if ask else "",
            "orders": orders,
            "configured": accounts.configured(),
        },
    )


@staff_member_required
def order_detail(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    _may_buy(request)
    order = NumberOrder.objects.select_related("business", "requested_by").filter(pk=id).first()
    if order is None:
        raise Http404
    items = list(order.items.order_by("created_at", "number"))
    progress = order_answer(order, items)
    done = progress["active"] + progress["failed"]
    return render(
        request,
        "providers/order_detail.html",
        {
            "order": order,
            "items": items,
            "progress": progress,
            "provider_label": accounts.LABELS.get(order.provider, order.provider),
            "running": order.status
            not in (NumberOrder.Status.COMPLETED, NumberOrder.Status.FAILED),
            "percent": round(100 * done / order.quantity) if order.quantity else 100,
            "api_url": reverse("providers_api:order", kwargs={"id": order.pk}),
        },
    )


urlpatterns = [
    path("orders/", order_index, name="orders"),
    path("orders/<uuid:id>/", order_detail, name="order"),
]
