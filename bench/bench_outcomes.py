"""Outcomes per second through POST /message-outcomes, under gunicorn as in production.

Loads businesses and numbers into DATABASE_URL (PostgreSQL; reused on later runs),
starts gunicorn (WORKERS, default: cores) with production settings, then CONNECTIONS
client threads post 1,000-item batches for DURATION seconds. Each batch mixes new
outcomes with repeats of earlier batches' (DUPLICATES, default 0.1: that share of
every batch is a repeat) and recipients for the distinct-recipient count.
REDIS_URL: the capacity counters and the rate limit in Redis (as production).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helper_outcomes \\
    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/bench_outcomes.py

Prints outcomes/s, the share of duplicates, p50/p95 per batch and the cores. The
bodies are encoded before the clock starts; the client is one process of threads
that only send and read, on the same 2 cores as the server and PostgreSQL.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

PORT = int(os.environ.get("PORT", "8897"))
WORKERS = int(os.environ.get("WORKERS", str(os.cpu_count() or 2)))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "4"))
DURATION = float(os.environ.get("DURATION", "30"))
BATCH = int(os.environ.get("BATCH", "1000"))
DUPLICATES = float(os.environ.get("DUPLICATES", "0.1"))
NUMBERS = int(os.environ.get("NUMBERS", "2000"))
BUSINESSES = 20
AS_TENANT = os.environ.get("AS_TENANT") == "1"  # post with a tenant's key (one business)


def valid_numbers(count: int) -> list[str]:
    """`count` distinct numbers the phonenumbers library calls valid (items name half of
    their numbers by E.164, which the endpoint parses)."""
    import phonenumbers

    found = []
    for area in (212, 213, 312, 415, 617, 646, 702, 718, 917, 972):
        for line in range(2_000_000, 10_000_000, 997):
            candidate = f"+1{area}{line}"
            if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
                found.append(candidate)
                if len(found) == count:
                    return found
    raise SystemExit("not enough numbers")


def setup() -> tuple[str, list[tuple[str, str]]]:
    """Migrate, load numbers once, make a key; returns (key, [(number id, business id)])."""
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from accounts.services import api_key_create
    from businesses.models import Business, Membership
    from phonenumbers_app.models import PhoneNumber
    from phonenumbers_app.vocabularies import InventoryState

    call_command("migrate", verbosity=0)
    businesses = list(Business.objects.filter(name__startswith="Outcomes bench "))
    if not businesses:
        businesses = Business.objects.bulk_create(
            [Business(name=f"Outcomes bench {i}") for i in range(BUSINESSES)]
        )
    have = PhoneNumber.objects.filter(name="outcomes bench").count()
    if have < NUMBERS:
        PhoneNumber.objects.bulk_create(
            [
                PhoneNumber(
                    number=number,
                    name="outcomes bench",
                    business=businesses[i % len(businesses)],
                    inventory_state=InventoryState.ASSIGNED,
                )
                for i, number in enumerate(valid_numbers(NUMBERS)[have:], start=have)
            ],
            batch_size=1000,
        )
    user, _ = User.objects.get_or_create(
        username="outcomes-tenant" if AS_TENANT else "outcomes-bench",
        defaults={"is_staff": not AS_TENANT},
    )
    if AS_TENANT:
        Membership.objects.get_or_create(user=user, business=businesses[0])
    _, key = api_key_create(user=user, name="outcomes bench")
    rows = PhoneNumber.objects.filter(name="outcomes bench")
    if AS_TENANT:
        rows = rows.filter(business=businesses[0])
    numbers = [(str(pk), n) for pk, n in rows.values_list("pk", "number")[:NUMBERS]]
    return key, numbers


def bodies(numbers: list[tuple[str, str]], count: int) -> list[bytes]:
    """`count` batches; DUPLICATES of each repeats items of the batch before it."""
    run = secrets.token_hex(4)
    now = datetime.now(UTC)
    result, previous = [], []
    for b in range(count):
        items = []
        for i in range(BATCH):
            if previous and random.random() < DUPLICATES:
                items.append(random.choice(previous))
                continue
            number_id, e164 = random.choice(numbers)
            named = {"phoneNumberId": number_id} if i % 2 else {"number": e164}
            outcome = random.choice(("sent", "sent", "delivered", "failed", "carrier_rejected"))
            items.append(
                {
                    "messageId": f"{run}-{b}-{i}",
                    **named,
                    "channel": "sms",
                    "direction": "outbound",
                    "outcome": outcome,
                    "occurredAt": (now - timedelta(seconds=random.randint(0, 3600))).isoformat(),
                    "recipient": f"+1212555{random.randint(0, 9999):04d}",
                    **({"errorCode": "30007"} if outcome == "carrier_rejected" else {}),
                }
            )
        previous = items
        result.append(json.dumps({"outcomes": items}).encode())
    return result


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the processes have used so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def server_pids(server: subprocess.Popen) -> tuple[list[int], list[int]]:
    """The gunicorn workers, and the PostgreSQL backends serving this database."""
    from django.db import connection

    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        backends = [row[0] for row in cursor.fetchall()]
    return [int(pid) for pid in children], backends


def serve() -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "API_RATE_LIMIT": "100000000/min",
        "LOG_LEVEL": "WARNING",
    }
    from bench.gunicorn_server import gunicorn_started

    return gunicorn_started(port=PORT, workers=WORKERS, env=env)


def main() -> None:
    key, numbers = setup()
    batches = bodies(numbers, int(DURATION * 10) + 20)
    server = serve()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    lock = threading.Lock()
    times: list[float] = []
    totals = {"accepted": 0, "duplicates": 0, "refused": 0, "errors": 0}
    position = iter(range(2, len(batches)))

    def post(body: bytes) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        connection.request("POST", "/message-outcomes", body, headers)
        response = connection.getresponse()
        return response.status, response.read()

    try:
        for body in batches[:2]:  # both workers warm, outside the timing
            post(body)
        workers, backends = server_pids(server)
        cpu_before = cpu_seconds(workers), cpu_seconds(backends)
        deadline = time.perf_counter() + DURATION

        def client() -> None:
            while time.perf_counter() < deadline:
                with lock:
                    index = next(position, None)
                if index is None:
                    return
                start = time.perf_counter()
                status, content = post(batches[index])
                elapsed = time.perf_counter() - start
                with lock:
                    if status != 200:
                        totals["errors"] += 1
                        continue
                    answer = json.loads(content)
                    times.append(elapsed * 1000)
                    totals["accepted"] += answer["accepted"]
                    totals["duplicates"] += answer["duplicates"]
                    totals["refused"] += len(answer["refused"])

        started = time.perf_counter()
        client_before = time.process_time()
        threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        client_cpu = time.process_time() - client_before
        cpu_web = cpu_seconds(workers) - cpu_before[0]
        cpu_db = cpu_seconds(backends) - cpu_before[1]
        cpu = cpu_web + cpu_db
    finally:
        server.terminate()
        server.wait()

    outcomes = totals["accepted"] + totals["duplicates"] + totals["refused"]
    times.sort()
    print(
        f"cores: {os.cpu_count()}; gunicorn workers: {WORKERS}; client threads: {CONNECTIONS}; "
        f"cache: {os.environ.get('REDIS_URL') or 'database'}; caller: "
        f"{'tenant' if AS_TENANT else 'staff'}; numbers: {len(numbers)}"
    )
    print(
        f"{len(times)} batches of {BATCH} in {wall:.1f} s: {outcomes / wall:,.0f} outcomes/s "
        f"({totals['accepted']:,} accepted, {totals['duplicates']:,} duplicates = "
        f"{totals['duplicates'] / max(outcomes, 1):.1%}, {totals['refused']} refused, "
        f"{totals['errors']} non-200)"
    )
    print(
        f"server CPU: {cpu:.1f} s (gunicorn workers {cpu_web:.1f} s, this database's "
        f"PostgreSQL backends {cpu_db:.1f} s), "
        f"{cpu / max(outcomes, 1) * 1e6:.0f} us per outcome = {outcomes / max(cpu, 1e-9):,.0f} "
        f"outcomes per CPU-second; load average {os.getloadavg()[0]:.1f} (others' work too)"
    )
    print(f"client CPU (this process, sending and reading): {client_cpu:.1f} s")
    if times:
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"per batch: p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms")


if __name__ == "__main__":
    main()
