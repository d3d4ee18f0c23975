"""The load run's webhook receiver: a process of its own that verifies each delivery's
Standard Webhooks signature and notes its webhook-id.

    receiver.py PORT SECRETS_JSON RECORD_FILE FAIL_RATE

SECRETS_JSON maps each endpoint's path ("/b0") to its secret ("whsec_…"). Every request
appends one line to RECORD_FILE at once (a kill loses nothing it answered): "<path>
<webhook-id> <status answered> <signature ok: 1|0> <arrival, Unix time>". FAIL_RATE of
the webhook-ids (chosen by their hash, so the same ones every time) get a 500 on their
first arrival: the sender must retry them, and the report shows the retry arrived.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import signal
import sys
import time


def signature_ok(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks: v1 = base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))."""
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"))
        webhook_id, stamp = headers["webhook-id"], headers["webhook-timestamp"]
        if abs(time.time() - int(stamp)) > 300:
            return False
    except (KeyError, ValueError):
        return False
    signed = f"{webhook_id}.{stamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [v.split(",", 1)[1] for v in headers.get("webhook-signature", "").split() if "," in v]
    return any(hmac.compare_digest(expected, value) for value in offered)


def fails_first(webhook_id: str, rate: float) -> bool:
    digest = int.from_bytes(hashlib.sha256(webhook_id.encode()).digest()[:4], "big")
    return digest < rate * 2**32


def main() -> None:
    port, secrets_file, record, fail_rate = (
        int(sys.argv[1]),
        sys.argv[2],
        sys.argv[3],
        float(sys.argv[4]),
    )
    with open(secrets_file) as handle:
        secrets = json.load(handle)
    out = open(record, "a", buffering=1)  # noqa: SIM115 (open for the process's life)
    seen: set[str] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # keep-alive: the sender's pool reuses connections
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                webhook_id = headers.get("webhook-id", "?")
                ok = path in secrets and signature_ok(secrets[path], headers, body)
                status = 200 if ok else 400
                if ok and webhook_id not in seen and fails_first(webhook_id, fail_rate):
                    status = 500
                seen.add(webhook_id)
                out.write(f"{path} {webhook_id} {status} {int(ok)} {time.time():.3f}\n")
                reason = {200: "OK", 400: "Bad Request", 500: "Internal Server Error"}[status]
                writer.write(f"HTTP/1.1 {status} {reason}\r\ncontent-length: 2\r\n\r\nok".encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        print("ready", flush=True)
        async with server:
            await stop.wait()
        out.close()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
