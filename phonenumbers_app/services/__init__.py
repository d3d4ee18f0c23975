"""Every write to phone numbers.

Each public function is one state change: it validates its input, runs in a
transaction, and writes its PhoneNumberEvent in that same transaction. The API,
the admin, the operator pages and the commands all call these.
"""

from phonenumbers_app.services.create import (
    phone_number_assign,
    phone_number_claim,
    phone_number_create,
)
from phonenumbers_app.services.events import event_record
from phonenumbers_app.services.release import phone_number_release
from phonenumbers_app.services.update import (
    UNSET,
    phone_number_update,
    phone_number_update_check,
)
from phonenumbers_app.services.warmup import (
    phone_number_warmup_pause,
    phone_number_warmup_resume,
    warmup_can_pause,
    warmup_can_resume,
)

__all__ = [
    "UNSET",
    "event_record",
    "phone_number_assign",
    "phone_number_claim",
    "phone_number_create",
    "phone_number_release",
    "phone_number_update",
    "phone_number_update_check",
    "phone_number_warmup_pause",
    "phone_number_warmup_resume",
    "warmup_can_pause",
    "warmup_can_resume",
]
