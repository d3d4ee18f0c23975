"""The yardstick for the create benchmark: a bare Django view doing the same inserts.

No DRF, no API key, no rate limit, no idempotency, no validation beyond parsing:
it reads the same JSON body, inserts the same four rows (number, 10DLC, billing,
event) in one transaction and answers 201 with a small JSON body. The real
endpoint's throughput is compared with this one in bench/throughput.sh.
"""

from __future__ import annotations

import json
import uuid

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from businesses.models import Business
from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc


@csrf_exempt
def bare_create(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    business = Business.objects.get(pk=body["businessId"])
    with transaction.atomic():
        number = PhoneNumber.objects.create(
            id=uuid.uuid4(),
            number=body["number"],
            name=body["name"],
            business=business,
            inventory_state="Assigned",
        )
        TenDlc.objects.create(phone_number=number)
        Billing.objects.create(phone_number=number, business=business)
        PhoneNumberEvent.objects.create(
            phone_number=number, type="created", title=f"Created for {business.name}"
        )
    return JsonResponse({"id": str(number.pk), "number": number.number}, status=201)
