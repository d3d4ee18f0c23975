"""Admin registrations for phone numbers (one module per concern)."""

from phonenumbers_app.admin.bulk_runs import BulkActionRunAdmin
from phonenumbers_app.admin.phone_numbers import PhoneNumberAdmin
from phonenumbers_app.admin.records import BillingAdmin, PhoneNumberEventAdmin, TenDlcAdmin

__all__ = [
    "BillingAdmin",
    "BulkActionRunAdmin",
    "PhoneNumberAdmin",
    "PhoneNumberEventAdmin",
    "TenDlcAdmin",
]
