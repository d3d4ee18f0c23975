"""The providers' admin: inbound events, orders, reconciliation reports."""

from providers.admin import events, orders, reconciliation  # noqa: F401
