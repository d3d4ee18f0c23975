"""Signed webhook events per second through /webhooks/simulated under gunicorn, and how
fast a Celery worker processes them.

Intake: starts gunicorn (WORKERS, default: cores) with production settings on
DATABASE_URL (PostgreSQL) and REDIS_URL (the Celery broker and the cache, as in
production), then CONNECTIONS client threads post signed Telnyx-dialect events
(message.finalized for numbers loaded once) for DURATION seconds. DUPLICATES (default
0.1) of the posts repeat an earlier event (a provider's retry): answered 200
"duplicate", stored once. Bodies and signatures are made before the clock starts.

Processing: then one Celery worker (CONCURRENCY, default 2, prefork) on the same
broker drains the queued events; the rate is events processed per second, measured
from the database until none is left `received` (or PROCESS_TIMEOUT).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_webhooks \\
    REDIS_URL=redis://127.0.0.1:6379/6 .venv/bin/python bench/bench_webhooks.py
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
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

PORT = int(os.environ.get("PORT", "8896"))
# Sync workers wait on each commit and on Redis: twice the cores keeps the cores busy.
WORKERS = int(os.environ.get("WORKERS", str(2 * (os.cpu_count() or 2))))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "16"))
DURATION = float(os.environ.get("DURATION", "20"))
DUPLICATES = float(os.environ.get("DUPLICATES", "0.1"))
NUMBERS = int(os.environ.get("NUMBERS", "200"))
CONCURRENCY = int(os.environ.get("CONCURRENCY", "2"))
PROCESS_TIMEOUT = float(os.environ.get("PROCESS_TIMEOUT", "300"))
RATE_GUESS = 1500  # events/s: how many bodies to prepare


def setup() -> list[str]:
    """Migrate, load assigned numbers of the simulated provider once; their E.164s."""
    import django

    django.setup()
    from django.core.management import call_command

    from bench.bench_outcomes import valid_numbers
    from businesses.models import Business
    from phonenumbers_app.models import PhoneNumber
    from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus

    call_command("migrate", verbosity=0)
    business, _ = Business.objects.get_or_create(name="Webhooks bench")
    have = PhoneNumber.objects.filter(name="webhooks bench").count()
    if have < NUMBERS:
        taken = set(PhoneNumber.objects.not_released().values_list("number", flat=True))
        fresh = [n for n in valid_numbers(NUMBERS * 20) if n not in taken][: NUMBERS - have]
        PhoneNumber.objects.bulk_create(
            [
                PhoneNumber(
                    number=number,
                    name="webhooks bench",
                    business=business,
                    inventory_state=InventoryState.ASSIGNED,
                    status=PhoneNumberStatus.ACTIVE,
                    provider="simulated",
                )
                for number in fresh
            ]
        )
    return list(PhoneNumber.objects.filter(name="webhooks bench").values_list("number", flat=True))


def documents(numbers: list[str], count: int) -> list[bytes]:
    """`count` bodies, DUPLICATES of them repeats of an earlier one."""
    made: list[bytes] = []
    for _ in range(count):
        if made and random.random() < DUPLICATES:
            made.append(random.choice(made))
            continue
        now = datetime.now(UTC).isoformat()
        status = random.choice(("delivered", "delivered", "delivered", "delivery_failed"))
        document = {
            "data": {
                "event_type": "message.finalized",
                "id": str(uuid.uuid4()),
                "occurred_at": now,
                "payload": {
                    "completed_at": now,
                    "direction": "outbound",
                    "errors": [{"code": "40002", "title": "Blocked as spam"}]
                    if status != "delivered"
                    else [],
                    "from": {"phone_number": random.choice(numbers), "line_type": "VoIP"},
                    "id": str(uuid.uuid4()),
                    "record_type": "message",
                    "text": "Hello from the bench",
                    "to": [{"phone_number": "+13125550111", "status": status}],
                    "type": "SMS",
                },
                "record_type": "event",
            },
            "meta": {"attempt": 1, "delivered_to": "http://127.0.0.1/webhooks/simulated"},
        }
        made.append(json.dumps(document).encode())
    return made


def signed(bodies: list[bytes], key: str) -> list[tuple[bytes, dict]]:
    from providers import signing

    stamp = str(int(time.time()))
    return [
        (
            body,
            {
                "Content-Type": "application/json",
                "telnyx-timestamp": stamp,
                "telnyx-signature-ed25519": signing.sign(key, stamp, body),
            },
        )
        for body in bodies
    ]


def serve(env: dict) -> subprocess.Popen:
    from bench.gunicorn_server import gunicorn_started

    return gunicorn_started(port=PORT, workers=WORKERS, env=env)


def main() -> None:
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("set REDIS_URL (the broker and cache, as in production)")
    numbers = setup()
    from django.conf import settings
    from django.db.models import Count

    from providers.models import ProviderEvent

    key = settings.SIMULATED_PROVIDER_SIGNING_KEY or secrets.token_bytes(32).hex()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "SIMULATED_PROVIDER": "1",
        "SIMULATED_PROVIDER_SIGNING_KEY": key,
    }
    requests = signed(documents(numbers, int(DURATION * RATE_GUESS) + 100), key)
    before = ProviderEvent.objects.count()
    server = serve(env)
    lock = threading.Lock()
    times: list[float] = []
    answers = {"accepted": 0, "duplicate": 0, "errors": 0}
    try:
        from bench.bench_outcomes import cpu_seconds, server_pids

        warm = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        for body, headers in requests[:20]:  # every worker's database connection open
            warm.request("POST", "/webhooks/simulated", body, headers)
            warm.getresponse().read()
        requests = requests[20:]
        position = iter(range(len(requests)))

        workers, backends = server_pids(server)
        deadline = 0.0  # set when the clients start

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            while time.perf_counter() < deadline:
                with lock:
                    index = next(position, None)
                if index is None:
                    return
                body, headers = requests[index]
                start = time.perf_counter()
                connection.request("POST", "/webhooks/simulated", body, headers)
                response = connection.getresponse()
                content = response.read()
                elapsed = time.perf_counter() - start
                with lock:
                    if response.status != 200:
                        answers["errors"] += 1
                        continue
                    times.append(elapsed * 1000)
                    answers[json.loads(content)["status"]] += 1

        # The yardstick, same server and clients: GET /healthz (no database, no signature).
        healthz = {"count": 0}
        floor_deadline = time.perf_counter() + min(5.0, DURATION)

        def probe() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            while time.perf_counter() < floor_deadline:
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                with lock:
                    healthz["count"] += 1

        floor_started = time.perf_counter()
        probes = [threading.Thread(target=probe) for _ in range(CONNECTIONS)]
        for thread in probes:
            thread.start()
        for thread in probes:
            thread.join()
        floor = healthz["count"] / (time.perf_counter() - floor_started)
        cpu_before = cpu_seconds(workers), {pid: cpu_seconds([pid]) for pid in backends}
        client_before = time.process_time()
        deadline = time.perf_counter() + DURATION
        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        client_cpu = time.process_time() - client_before
        cpu_web = cpu_seconds(workers) - cpu_before[0]
        # Backends opened during the run count from zero.
        cpu_db = sum(
            cpu_seconds([pid]) - cpu_before[1].get(pid, 0.0) for pid in server_pids(server)[1]
        )
    finally:
        server.terminate()
        server.wait()

    total = answers["accepted"] + answers["duplicate"]
    stored = ProviderEvent.objects.count() - before
    times.sort()
    print(
        f"cores: {os.cpu_count()}; gunicorn workers: {WORKERS}; client threads: "
        f"{CONNECTIONS} (keep-alive off: gunicorn's sync workers close each connection)"
    )
    print(
        f"intake: {total:,} signed events in {wall:.1f} s = {total / wall:,.0f} events/s "
        f"({answers['accepted']:,} accepted, {answers['duplicate']:,} duplicates = "
        f"{answers['duplicate'] / max(total, 1):.1%}, {answers['errors']} non-200); "
        f"{stored:,} rows stored"
    )
    print(
        f"CPU: gunicorn workers {cpu_web:.1f} s, this database's PostgreSQL backends "
        f"{cpu_db:.1f} s = {(cpu_web + cpu_db) / max(total, 1) * 1e6:.0f} us per event "
        f"(server), client {client_cpu:.1f} s; load average {os.getloadavg()[0]:.1f} "
        "(others' work too)"
    )
    print(f"yardstick: GET /healthz on the same server and clients: {floor:,.0f} requests/s")
    if times:
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"per request: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms")

    waiting = ProviderEvent.objects.filter(status="received")
    backlog = waiting.count()
    worker = subprocess.Popen(
        [
            *(str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "--loglevel", "WARNING"),
            *("--concurrency", str(CONCURRENCY), "--without-gossip", "--without-mingle"),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        started = time.perf_counter()
        left = backlog
        while left and time.perf_counter() - started < PROCESS_TIMEOUT:
            time.sleep(1)
            left = waiting.count()
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait()
    done = backlog - left
    by_status = dict(ProviderEvent.objects.values_list("status").annotate(n=Count("id")))
    print(
        f"processing: {done:,} of {backlog:,} events in {elapsed:.1f} s (worker start "
        f"included) = {done / elapsed:,.0f} events/s with {CONCURRENCY} worker processes; "
        f"all events by status: {by_status}"
    )


if __name__ == "__main__":
    main()
