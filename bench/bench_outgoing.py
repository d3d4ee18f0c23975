"""The outgoing-number selection under gunicorn as in production: server time per
selection for a business with 10,000 numbers, and fifty selections at once against
small per-minute limits.

Loads into DATABASE_URL (PostgreSQL; reused on later runs) one business with 10,000
numbers that may send (20 area codes in 20 states, 200 routed to a campaign, a default
number, five preferred numbers that are paused so that the Preferred rule is read and
passed), 20 other businesses with 1,000 numbers each, 500 conversations that already
have their number, and a small business with three numbers whose SMS minute limits are
10, 10 and 4. Then:

1. Timing. gunicorn (WORKERS, default: cores) serves bench/server_timing.py, which adds
   the server's time to each answer. For each kind of selection, REQUESTS selections one
   at a time (1 connection) and then on 4 connections: p50/p95/p99 of the server's
   time and of the client's round trip, with the tenant's key (the main user) and one
   sequential pass with a staff key (naming the business). The business's plan has
   limits too large to be reached, so every answer is canSend true.
     conversation  POST /phone-numbers/outgoing/conversation/{id}: it has its number
     pool          POST /phone-numbers/outgoing/new, a new lead in an area code and
                   state with no numbers, no campaign: HealthyPool
     campaign      /new with the campaign of 200 numbers: CampaignOrSource
     area code     /new to a recipient in an area code of 500 numbers: LocalArea
2. Proof. PROOF_WORKERS (default 8) gunicorn workers, with Redis (REDIS_URL) and then
   without (reservations in the database); ROUNDS rounds of 50 threads released
   together by a barrier, each on its own connection, each asking /new for the small
   business. Per round: what each number was handed against its minute limit; the
   total must equal the sum of the limits exactly. Reservations are deleted between
   rounds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/outbench_db \\
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/bench_outgoing.py

The client is one process of threads on the same cores as the server and PostgreSQL.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

PORT = int(os.environ.get("PORT", "8898"))
WORKERS = int(os.environ.get("WORKERS", str(os.cpu_count() or 2)))
PROOF_WORKERS = int(os.environ.get("PROOF_WORKERS", "8"))
REQUESTS = int(os.environ.get("REQUESTS", "300"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
CONCURRENT = 50
PARTS = os.environ.get("PARTS", "timing,proof").split(",")

MAIN = "Outgoing bench main"
OTHERS = "Outgoing bench other "
LIMITED = "Outgoing bench limited"
MAIN_NUMBERS, OTHER_BUSINESSES, OTHER_NUMBERS = 10_000, 20, 1_000
CONVERSATIONS = 500
CAMPAIGN = "bench-campaign"
# One area code per state: 500 of the main business's numbers in each.
AREAS = {
    "212": "NY", "213": "CA", "312": "IL", "617": "MA", "702": "NV",
    "713": "TX", "305": "FL", "404": "GA", "206": "WA", "303": "CO",
    "602": "AZ", "503": "OR", "615": "TN", "314": "MO", "612": "MN",
    "801": "UT", "504": "LA", "919": "NC", "317": "IN", "808": "HI",
}  # fmt: skip
NOWHERE = "+19075550123"  # Alaska: no number of the business in its area code or state
IN_AREA = "+13125550123"  # Chicago: 500 numbers in 312
PREFERRED_PAUSED = range(1, 6)


@dataclass
class Loaded:
    main_id: str
    limited_id: str
    limits: dict[str, int]  # the small business's numbers: {id: SMS minute limit}
    tenant_key: str
    staff_key: str


def _sendable(**fields) -> dict:
    return {
        "inventory_state": "Assigned",
        "status": "Active",
        "enabled": True,
        "capability_sms": True,
        "capability_voice": True,
        "routing_sms_enabled": True,
        "routing_voice_enabled": True,
        "warmup_enabled": True,
        "warmup_state": "Ready",
        "health_status": "Healthy",
        "warmup_progress_percent": 100,
        **fields,
    }


def _load_numbers(business, rows: list[dict], plan=None) -> list:
    """bulk_create the numbers with their approved 10DLC row and the engine's row."""
    from phonenumbers_app.models import Billing, PhoneNumber, TenDlc
    from warmup.models import NumberWarmup

    numbers = [PhoneNumber(id=uuid.uuid4(), business=business, **row) for row in rows]
    for first in range(0, len(numbers), 2000):
        batch = numbers[first : first + 2000]
        PhoneNumber.objects.bulk_create(batch)
        TenDlc.objects.bulk_create(
            [TenDlc(phone_number=n, campaign_status="Approved") for n in batch]
        )
        Billing.objects.bulk_create([Billing(phone_number=n, business=business) for n in batch])
        NumberWarmup.objects.bulk_create(
            [
                NumberWarmup(phone_number=n, plan=plan, plan_day=21, pacing_status="healthy")
                for n in batch
            ]
        )
    return numbers


def _load() -> None:
    from businesses.models import Business
    from outgoing.models import Conversation
    from warmup.models import BusinessWarmupPlan, WarmupPlan

    started = time.perf_counter()
    epoch = datetime(2025, 1, 1, tzinfo=UTC)
    unlimited, _ = WarmupPlan.objects.get_or_create(
        name="Outgoing bench: never full",
        defaults={
            "duration_days": 1,
            "sms_daily_target": 10_000_000,
            "sms_hour_percent": 100,
            "sms_minute_max": 10_000_000,
            "voice_minute_max": 10_000_000,
        },
    )
    main = Business.objects.create(name=MAIN)
    BusinessWarmupPlan.objects.create(business=main, plan=unlimited)
    areas = list(AREAS)
    rows = []
    for i in range(MAIN_NUMBERS):
        area = areas[i % len(areas)]
        paused = i in PREFERRED_PAUSED
        rows.append(
            _sendable(
                number=f"+1{area}{2_000_000 + i // len(areas)}",
                name=f"Main {i}",
                location_state=AREAS[area],
                created_at=epoch + timedelta(minutes=i),
                campaign_id=CAMPAIGN if i % 50 == 7 else None,
                source_id="bench-source" if i % 25 == 3 else None,
                is_default=i == 0,
                is_preferred=paused,
                warmup_state="Paused" if paused else "Ready",
                warmup_pause_reason="Paused by the bench" if paused else None,
                warmup_health_score=80 + i % 20,
            )
        )
    numbers = _load_numbers(main, rows)
    Conversation.objects.bulk_create(
        Conversation(business=main, conversation_id=f"bench-conv-{k}", phone_number=numbers[k + 10])
        for k in range(CONVERSATIONS)
    )
    for b in range(OTHER_BUSINESSES):
        other = Business.objects.create(name=f"{OTHERS}{b}")
        rows = [
            _sendable(
                number=f"+1{areas[j % len(areas)]}{3_000_000 + b * OTHER_NUMBERS + j}",
                name=f"Other {b}-{j}",
                location_state=AREAS[areas[j % len(areas)]],
                created_at=epoch + timedelta(minutes=j),
                is_default=j == 0,
                warmup_health_score=90,
            )
            for j in range(OTHER_NUMBERS)
        ]
        _load_numbers(other, rows)
    ten, _ = WarmupPlan.objects.get_or_create(
        name="Outgoing bench: ten a minute", defaults={"sms_minute_max": 10}
    )
    four, _ = WarmupPlan.objects.get_or_create(
        name="Outgoing bench: four a minute", defaults={"sms_minute_max": 4}
    )
    limited = Business.objects.create(name=LIMITED)
    BusinessWarmupPlan.objects.create(business=limited, plan=ten)
    rows = [_sendable(number=f"+1808{4_000_000 + k}", name=f"Limited {k}") for k in range(3)]
    first_two = _load_numbers(limited, rows[:2])
    _load_numbers(limited, rows[2:], plan=four)
    print(
        f"loaded {MAIN_NUMBERS + OTHER_BUSINESSES * OTHER_NUMBERS + 3:,} numbers in "
        f"{time.perf_counter() - started:.0f} s ({first_two[0].number} ...)"
    )


def setup() -> Loaded:
    """Migrate, load once, make the keys."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import User
    from accounts.services import api_key_create
    from businesses.models import Business, Membership
    from phonenumbers_app.models import PhoneNumber
    from warmup import plans, selectors
    from warmup.models import NumberWarmup

    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL database")
    call_command("migrate", verbosity=0)
    # The database cache table, for the server without Redis (this process may have it).
    without_redis = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    manage = [sys.executable, str(ROOT / "manage.py"), "createcachetable"]
    subprocess.run(manage, cwd=ROOT, env=without_redis, check=True, capture_output=True)
    if not Business.objects.filter(name=LIMITED).exists():
        with transaction.atomic():
            _load()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    main = Business.objects.get(name=MAIN)
    limited = Business.objects.get(name=LIMITED)
    limits = {}
    for number in PhoneNumber.objects.filter(business=limited):
        warmup = NumberWarmup.objects.filter(phone_number=number).select_related("plan").first()
        plan = warmup.plan if warmup and warmup.plan else selectors.plan_and_source(number)[0]
        limits[str(number.pk)] = plans.limits(plan, plan.duration_days).sms_minute
    tenant, _ = User.objects.get_or_create(username="outgoing-bench-tenant")
    Membership.objects.get_or_create(user=tenant, business=main)
    staff, _ = User.objects.get_or_create(
        username="outgoing-bench-staff", defaults={"is_staff": True}
    )
    return Loaded(
        main_id=str(main.pk),
        limited_id=str(limited.pk),
        limits=limits,
        tenant_key=api_key_create(user=tenant, name="outgoing bench")[1],
        staff_key=api_key_create(user=staff, name="outgoing bench")[1],
    )


# --- The server ---------------------------------------------------------------------


def serve(workers: int, redis_url: str | None) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "API_RATE_LIMIT": "100000000/min",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore::UserWarning",  # no collected static files: not served here
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    from bench.gunicorn_server import gunicorn_started

    return gunicorn_started(
        port=PORT,
        workers=workers,
        env=env,
        application="bench.server_timing:application",
        options=("--backlog", "256"),
        tries=150,
    )


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait()


def post(path: str, body: dict, key: str) -> tuple[int, dict, float, float]:
    """(status, answer, server ms, round-trip ms) of one request on a new connection (the
    sync workers close each connection after answering)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    payload = json.dumps(body).encode()
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    connection.request("POST", path, payload, headers)
    response = connection.getresponse()
    content = response.read()
    round_trip = (time.perf_counter() - started) * 1000
    connection.close()
    server = float(response.getheader("X-Server-Time") or "nan")
    return response.status, json.loads(content) if content else {}, server, round_trip


# --- 1. Timing ----------------------------------------------------------------------


def requests_of(kind: str, n: int, business_id: str | None) -> tuple[str, dict]:
    extra = {"businessId": business_id} if business_id else {}
    lead = {"leadId": f"bench-lead-{secrets.token_hex(6)}"}
    if kind == "conversation":
        return f"/phone-numbers/outgoing/conversation/bench-conv-{n % CONVERSATIONS}", {
            "channel": "sms",
            **extra,
        }
    if kind == "pool":
        return "/phone-numbers/outgoing/new", {"recipientPhoneNumber": NOWHERE, **lead, **extra}
    if kind == "campaign":
        body = {"recipientPhoneNumber": NOWHERE, "campaignId": CAMPAIGN, **lead, **extra}
        return "/phone-numbers/outgoing/new", body
    return "/phone-numbers/outgoing/new", {"recipientPhoneNumber": IN_AREA, **lead, **extra}


KINDS = {
    "conversation": "StickyConversation",
    "pool": "HealthyPool",
    "campaign": "CampaignOrSource",
    "area code": "LocalArea",
}


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]

    return f"{statistics.median(ordered):6.1f} {at(0.95):6.1f} {at(0.99):6.1f}"


def measure(kind: str, key: str, business_id: str | None, connections: int) -> str:
    results: list[tuple[int, dict, float, float]] = []
    lock = threading.Lock()
    counter = iter(range(REQUESTS))

    def client() -> None:
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            path, body = requests_of(kind, n, business_id)
            result = post(path, body, key)
            with lock:
                results.append(result)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ok = [r for r in results if r[0] == 200]
    reasons = Counter(r[1].get("selectionReason") for r in ok)
    sendable = sum(1 for r in ok if r[1].get("canSend"))
    unexpected = sum(n for reason, n in reasons.items() if reason != KINDS[kind])
    return (
        f"{kind:<12} {connections:>5} {percentiles([r[2] for r in ok])}   "
        f"{percentiles([r[3] for r in ok])} {len(ok) / wall:7.0f}   "
        f"{sendable}/{len(results)} canSend"
        + (f", {unexpected} other reasons: {dict(reasons)}" if unexpected else "")
        + (f", {len(results) - len(ok)} non-200" if len(ok) < len(results) else "")
    )


def timing(loaded: Loaded, redis_url: str | None) -> None:
    server = serve(WORKERS, redis_url)
    try:
        for kind in KINDS:  # every worker warm (imports, the geocoder's data), untimed
            for n in range(10 * WORKERS):
                post(*requests_of(kind, n, None), loaded.tenant_key)
        header = (
            f"{'selection':<12} {'conns':>5} {'server ms p50/p95/p99':>20}   "
            f"{'round trip ms p50/p95/p99':>20} {'req/s':>7}"
        )
        print(f"\n1. Timing: {REQUESTS} selections each, tenant key (the business's member)")
        print(header)
        for kind in KINDS:
            for connections in (1, 4):
                print(measure(kind, loaded.tenant_key, None, connections), flush=True)
        print(f"\n   staff key (body names businessId), {REQUESTS} selections each")
        print(header)
        for kind in KINDS:
            print(measure(kind, loaded.staff_key, loaded.main_id, 1), flush=True)
    finally:
        stop(server)


# --- 2. Proof -----------------------------------------------------------------------


def clear_reservations(loaded: Loaded, redis_url: str | None) -> None:
    from phonenumbers_app.models import PhoneNumber
    from warmup.models import CapacityReservation

    ids = list(loaded.limits)
    CapacityReservation.objects.filter(phone_number__in=ids).delete()
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        for number_id in ids:
            hex_id = uuid.UUID(number_id).hex
            keys = list(client.scan_iter(f"warmup:*:{hex_id}"))  # held and counted
            if keys:
                client.delete(*keys)
    assert PhoneNumber.objects.filter(pk__in=ids).count() == len(ids)


def one_round(loaded: Loaded, tag: str) -> tuple[Counter, int, int, list[float]]:
    """50 selections released together: (handed out per number, refused, errors, server
    ms of each)."""
    barrier = threading.Barrier(CONCURRENT)
    answers: list = [None] * CONCURRENT

    def select(i: int) -> None:
        body = {
            "businessId": loaded.limited_id,
            "conversationId": f"proof-{tag}-{i}",
            "leadId": f"proof-{tag}-{i}",
            "recipientPhoneNumber": IN_AREA,
        }
        barrier.wait()
        try:
            answers[i] = post("/phone-numbers/outgoing/new", body, loaded.staff_key)
        except OSError as error:
            answers[i] = (0, {"error": str(error)}, float("nan"), 0.0)

    threads = [threading.Thread(target=select, args=(i,)) for i in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handed = Counter(a[1]["phoneNumberId"] for a in answers if a[0] == 200 and a[1]["canSend"])
    refused = sum(1 for a in answers if a[0] == 200 and not a[1]["canSend"])
    errors = sum(1 for a in answers if a[0] != 200)
    return handed, refused, errors, [a[2] for a in answers if a[0] == 200]


def proof(loaded: Loaded, redis_url: str | None) -> bool:
    where = f"Redis ({redis_url})" if redis_url else "the database (no REDIS_URL)"
    server = serve(PROOF_WORKERS, redis_url)
    ids = list(loaded.limits)
    total = sum(loaded.limits.values())
    exact = True
    try:
        clear_reservations(loaded, redis_url)
        # Every worker warm (its first selection with a recipient loads the geocoder's
        # data, seconds), untimed; the rounds start with their reservations deleted.
        warm = [
            threading.Thread(
                target=post,
                args=(*requests_of("pool", n, loaded.limited_id), loaded.staff_key),
            )
            for n in range(3 * PROOF_WORKERS)
        ]
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()
        print(
            f"\n2. Proof: {CONCURRENT} selections at once, {PROOF_WORKERS} workers, "
            f"reservations in {where}"
        )
        limits = " ".join(f"{loaded.limits[i]:>5}" for i in ids)
        print(f"   minute limits of the three numbers: {limits}  (sum {total})")
        print(f"{'round':>5} {'#1':>5} {'#2':>5} {'#3':>5} {'total':>6} {'refused':>7} "
              f"{'errors':>6} {'server ms p50/max':>18}  exact")  # fmt: skip
        for r in range(ROUNDS):
            clear_reservations(loaded, redis_url)
            handed, refused, errors, server_ms = one_round(loaded, f"{secrets.token_hex(3)}{r}")
            within = all(handed[i] <= loaded.limits[i] for i in ids)
            ok = within and sum(handed.values()) == total and refused == CONCURRENT - total
            exact &= ok
            counts = " ".join(f"{handed[i]:>5}" for i in ids)
            print(
                f"{r + 1:>5} {counts} {sum(handed.values()):>6} {refused:>7} {errors:>6} "
                f"{statistics.median(server_ms):8.1f}/{max(server_ms):7.1f}  "
                f"{'yes' if ok else 'NO'}",
                flush=True,
            )
        clear_reservations(loaded, redis_url)
    finally:
        stop(server)
    return exact


def main() -> None:
    loaded = setup()
    redis_url = os.environ.get("REDIS_URL")
    print(
        f"cores: {os.cpu_count()}; gunicorn workers: {WORKERS} (timing), {PROOF_WORKERS} "
        f"(proof); counters: {redis_url or 'database'}; load average "
        f"{os.getloadavg()[0]:.1f} (others' work too)"
    )
    if "timing" in PARTS:
        timing(loaded, redis_url)
    if "proof" in PARTS:
        results = [proof(loaded, url) for url in ([redis_url] if redis_url else []) + [None]]
        print(f"\nexact in every round: {'yes' if all(results) else 'NO'}")
        if not all(results):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
