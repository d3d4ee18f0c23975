"""Sizes, generated ids, time span, seeded hashing and the word lists."""

from __future__ import annotations

import uuid

MAX_NUMBERS = 100_000_000
MAX_EVENTS_PER_NUMBER = 50
MAX_BUSINESSES = 1_000_000
BATCH_SIZE = 2_000  # rows per bulk_create round on the non-PostgreSQL path
PROFILE_SLOTS = 200

# 10DLC campaign statuses (the wider Leadping API's vocabulary; the column is free text).
CAMPAIGN_STATUSES = ("NotSubmitted", "Pending", "Approved", "Rejected", "Failed")
NOT_SUBMITTED, PENDING, APPROVED, REJECTED, FAILED = CAMPAIGN_STATUSES

# --- Generated ids ----------------------------------------------------------------
ID_MARKER = 0x10ADDA7A  # "load data": the first 8 hex digits of every generated id
KIND_USER, KIND_BUSINESS, KIND_NUMBER, KIND_EVENT = 0, 1, 2, 3
DEMO_USERNAME = "demo-operator"


def generated_id(kind: int, serial: int) -> uuid.UUID:
    """`10adda7a-KKKK-` then a 80-bit serial: recognisable, unique, in insertion order."""
    return uuid.UUID(int=(((ID_MARKER << 16) | kind) << 80) | serial)


def generated_range(kind: int) -> tuple[uuid.UUID, uuid.UUID]:
    return generated_id(kind, 0), generated_id(kind, (1 << 80) - 1)


def id_sql(kind: int, serial_sql: str) -> str:
    return f"('{ID_MARKER:08x}{kind:04x}' || lpad(to_hex({serial_sql}), 20, '0'))::uuid"


# --- Time -------------------------------------------------------------------------
# Numbers are created over the first 364 days of a 365-day history ending at `now`, so
# every trail has at least a day to happen in.
DAY_US = 86_400 * 1_000_000
HISTORY_US = 365 * DAY_US
CREATION_US = 364 * DAY_US

# --- Seeded hashing, the same in Python and in SQL (bigint arithmetic, no overflow) ---
PRIME = 2_147_483_647
SALTS = (
    "perm",
    "time",
    "business",
    "name",
    "source",
    "provider",
    "score",
    "progress",
    "preferred",
    "next_action",
)

# --- Word lists (no quotes or backslashes: they go into JSON templates verbatim) -----
LABELS = (
    "Main line", "Sales", "Support", "Appointments", "Billing", "Marketing", "Follow-up",
    "After hours", "Recruiting", "Dispatch", "Reviews", "Reactivation",
)  # fmt: skip
SOURCES = ("web-form", "facebook-lead-ads", "google-ads", "zillow", "referral", "csv-import")
PROVIDERS = ("telnyx", "telnyx", "twilio", "twilio", "bandwidth")
PROVIDER_ID_PREFIX = {"telnyx": "tx_", "twilio": "PN", "bandwidth": "bw_"}
BUSINESS_FIRST = (
    "Acme", "Bright", "Northwind", "Summit", "Blue Ridge", "Harbor", "Cedar", "Golden",
    "Pioneer", "Evergreen", "Lakeside", "Redwood", "Silver Oak", "Keystone", "Prairie",
    "Coastal", "Granite", "Maple", "Riverbend", "Sunrise",
)  # fmt: skip
BUSINESS_SECOND = (
    "Roofing", "Dental", "Realty", "Insurance", "Solar", "Plumbing", "Auto Sales",
    "Law Group", "Mortgage", "Fitness", "HVAC", "Home Care", "Landscaping", "Chiropractic",
    "Pest Control", "Moving", "Med Spa", "Title Co", "Windows and Doors", "Pool Service",
)  # fmt: skip

REASONS = {
    "attention": (
        "Delivery rate fell to 81% over the last 7 days (target 95%).",
        "Opt-out rate 3.2% over the last 500 messages is above the 2% limit.",
        "Carrier filtering (error 30007) on 6% of messages in the last 24 hours.",
        "Spam-signal reports from T-Mobile in the last 48 hours.",
        "Reply rate 0.3% over 1,000 messages: content may look automated.",
    ),
    "blocked": (
        "Blocked: carriers filter every message (error 30007) since yesterday.",
        "Blocked: 40% of messages failed in the last hour; sending stopped.",
        "Blocked: spam complaints from two carriers in one day.",
    ),
    "pause": (
        "Opt-out rate above 2%: paused for a content review.",
        "Paused by an operator while the campaign's messages are rewritten.",
        "Carrier filtering detected: paused for 48 hours.",
        "Waiting for the 10DLC campaign to be approved.",
        "Daily volume cap reached for this brand.",
    ),
    "blocked_pause": (
        "Warmup stopped: carriers block this number.",
        "Warmup stopped until the failure rate is investigated.",
    ),
    "provisioning": (
        "Order failed: the carrier has no inventory left in this rate center.",
        "Port-in rejected by the losing carrier: the account number on the LOA does not match.",
        "Provisioning timed out after 72 hours; the order was cancelled.",
    ),
    "rejected": (
        "Rejected: sample messages do not match the declared use case.",
        "Rejected: the opt-in flow is not described or cannot be verified.",
        "Rejected: the brand's vetting score is too low for the requested throughput.",
    ),
    "failed": (
        "Failed: the brand is not verified; resubmit after brand vetting.",
        "Failed: T-Mobile NNID assignment returned an error.",
        "Failed: campaign submission timed out at the CSP.",
    ),
}
EXPIRED_REASON = "The provider subscription expired: renew or release the number."
EXPIRED_ERROR = "Subscription lapsed at the provider; the number is released after 30 days."
SUSPENDED_ERROR = "Suspended by the provider after a carrier spam complaint."
SUSPENDED_REASON = "Blocked: the provider suspended the number after a spam complaint."
